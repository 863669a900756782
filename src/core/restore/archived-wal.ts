// A format 2 backup may keep its WAL in the repository's WAL archive (manifest `archived`) instead of its
// own wal/ folder. For restore, such a backup is laid out as a plain backup folder in a private temp
// folder: its own files and the archived ones as symlinks, each listed in the manifest from the
// archive record (name, sequence number, UUID, version), so that verification, the chain rule and
// staging treat them exactly like WAL files copied into the backup.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyAndHash } from '../../store/checksum.js';
import { MgBackupError, q } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { parseWalRecord, type WalRecord } from '../../repo/wal-archive.js';
import { MANIFEST_NAME, serializeManifest, type Manifest, type ManifestFile } from '../../store/manifest.js';

async function recordFor(backend: RepoBackend, key: string, id: string): Promise<WalRecord> {
  let bytes: Uint8Array;
  try {
    bytes = await backend.getBytes(`${key}.json`);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') {
      throw new MgBackupError('integrity', `backup ${q(id)} needs archived wal ${q(key)}, which the wal archive does not hold`, {
        hints: ['the archive was pruned or damaged; restore with --snapshot-only, or another backup ("mgbackup verify --all" lists what is missing)'],
      });
    }
    throw err;
  }
  const r = parseWalRecord(bytes);
  if (r === undefined) throw new MgBackupError('integrity', `wal archive record ${q(`${key}.json`)} is not a valid record`);
  return r;
}

/** The manifest entries of a backup's archived WAL files (from their archive records, checked against the backup's references), with their keys. */
export async function archivedFiles(manifest: Manifest, backend: RepoBackend): Promise<{ file: ManifestFile; key: string }[]> {
  const out: { file: ManifestFile; key: string }[] = [];
  for (const ref of manifest.archived ?? []) {
    const r = await recordFor(backend, ref.key, manifest.id);
    if (r.sha256 !== ref.sha256 || r.size !== ref.size || r.stored?.sha256 !== ref.stored?.sha256) {
      throw new MgBackupError('integrity', `archived wal ${q(ref.key)} has sha256 ${r.sha256} by its record, backup ${q(manifest.id)} expects ${ref.sha256}`);
    }
    out.push({
      key: ref.key,
      file: {
        path: `wal/${r.name}`, kind: 'wal', size: r.size, sha256: r.sha256, ...(r.stored ? { stored: r.stored } : {}),
        durabilityVersion: r.durabilityVersion, uuid: r.uuid, seqNum: r.seq, pinnedBy: 'copy',
      },
    });
  }
  return out;
}

/**
 * The backup folder `dir` with its archived WAL files joined in, as a temp folder (close() removes it);
 * undefined when the backup references none. `snapshotOnly` skips the archive entirely.
 */
export async function joinArchived(
  dir: string, manifest: Manifest, backend: RepoBackend, opts: { tmpDir?: string; snapshotOnly?: boolean; into?: string },
): Promise<{ dir: string; manifest: Manifest; close: () => Promise<void> } | undefined> {
  const refs = manifest.archived ?? [];
  if (refs.length === 0 || opts.snapshotOnly) return undefined;
  const tmp = opts.into ?? await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'mgbackup-archived-'));
  const close = () => fsp.rm(tmp, { recursive: true, force: true });
  try {
    const files: ManifestFile[] = [...manifest.files];
    for (const f of manifest.files) {
      await fsp.mkdir(path.join(tmp, path.dirname(f.path)), { recursive: true });
      await fsp.symlink(path.join(dir, f.path), path.join(tmp, f.path));
    }
    await fsp.mkdir(path.join(tmp, 'wal'), { recursive: true });
    for (const { file, key } of await archivedFiles(manifest, backend)) {
      const src = backend.localPath(key);
      const dest = path.join(tmp, file.path);
      // Downloaded as stored (streamed); readers check it against the record's sha256 before use.
      if (src !== undefined) await fsp.symlink(src, dest);
      else await copyAndHash(await backend.get(key), dest, { mode: 0o600 });
      files.push(file);
    }
    return { dir: tmp, manifest: { ...manifest, files }, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/**
 * The backup as one self-contained folder `<tmp>/<id>/` for `create --archive`: its files and its
 * archived WAL (symlinks, followed when packed) and a manifest listing them all, without `archived`, so the
 * single file restores without the repository. undefined when the backup references no archived WAL.
 */
export async function selfContained(
  dir: string, manifest: Manifest, backend: RepoBackend, tmpDir?: string,
): Promise<{ dir: string; manifest: Manifest; close: () => Promise<void> } | undefined> {
  if ((manifest.archived ?? []).length === 0) return undefined;
  const tmp = await fsp.mkdtemp(path.join(tmpDir ?? os.tmpdir(), 'mgbackup-export-'));
  const close = () => fsp.rm(tmp, { recursive: true, force: true });
  try {
    const into = path.join(tmp, manifest.id);
    await fsp.mkdir(into, { mode: 0o700 });
    const joined = (await joinArchived(dir, manifest, backend, { into }))!;
    const { archived: _a, ...standalone } = joined.manifest;
    await fsp.writeFile(path.join(into, MANIFEST_NAME), serializeManifest(standalone), { mode: 0o600 });
    return { dir: into, manifest: standalone, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
