// The backups of a repository as `forget` sees them, read through RepoBackend only: one entry per
// backup folder, with what the policy needs (time, tags, pin, database) and what prune needs (the keys
// to delete, the snapshot's storage uuid and timestamp that bound the WAL it needs). Backup ids start
// with a digit (store/backup-id.ts), so ten prefix listings find every folder without walking the WAL
// archive.
import { MgBackupError, q } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { isBackupId } from '../../store/backup-id.js';
import { MANIFEST_NAME, parseManifest, type Manifest } from '../../store/manifest.js';
import { FORGET_PREFIX, parseTombstone, tombstoneKey, type Tombstone } from './tombstone.js';

export interface RepoBackup {
  id: string;
  manifest: Manifest;
  /** Every key under `<id>/`, the manifest included. */
  keys: string[];
  bytes: number;
  /** The snapshot's storage uuid and durable timestamp: WAL up to it is inside the snapshot. */
  snapshot: { uuid: string; ts: bigint } | undefined;
}

export interface RepoFolder {
  id: string;
  keys: string[];
  bytes: number;
}

export interface RepoBackupScan {
  backups: RepoBackup[];
  /** Forgotten backups whose files are still there (waiting for --prune), with their tombstone. */
  forgotten: { tombstone: Tombstone; keys: string[]; bytes: number }[];
  /** Backup folders that cannot be read as backups; never deleted by forget, only reported. */
  broken: { id: string; problem: string }[];
}

export function snapshotOf(m: Manifest): RepoBackup['snapshot'] {
  const snap = m.files.find((f) => f.kind === 'snapshot' && f.durableTs !== undefined);
  if (snap === undefined || !/^\d+$/.test(snap.durableTs!)) return undefined;
  return { uuid: snap.uuid, ts: BigInt(snap.durableTs!) };
}

async function* backupFolders(backend: RepoBackend): AsyncIterable<RepoFolder> {
  let current: RepoFolder | undefined;
  for (let digit = 0; digit <= 9; digit++) {
    for await (const o of backend.list(String(digit))) {
      const slash = o.key.indexOf('/');
      const id = slash < 0 ? '' : o.key.slice(0, slash);
      if (!isBackupId(id)) continue;
      if (current?.id !== id) {
        if (current !== undefined) yield current;
        current = { id, keys: [], bytes: 0 };
      }
      current.keys.push(o.key);
      current.bytes += o.size;
    }
  }
  if (current !== undefined) yield current;
}

export async function readTombstones(backend: RepoBackend): Promise<Map<string, Tombstone>> {
  const out = new Map<string, Tombstone>();
  for await (const o of backend.list(FORGET_PREFIX)) {
    let bytes: Uint8Array;
    try {
      bytes = await backend.getBytes(o.key);
    } catch (err) {
      if (err instanceof MgBackupError && err.kind === 'notFound') continue;
      throw err;
    }
    const t = parseTombstone(bytes);
    if (t !== undefined && o.key === tombstoneKey(t.id)) out.set(t.id, t);
  }
  return out;
}

export async function scanRepoBackups(backend: RepoBackend): Promise<RepoBackupScan> {
  const tombstones = await readTombstones(backend);
  const scan: RepoBackupScan = { backups: [], forgotten: [], broken: [] };
  const seen = new Set<string>();
  for await (const folder of backupFolders(backend)) {
    seen.add(folder.id);
    const tomb = tombstones.get(folder.id);
    if (tomb !== undefined) {
      scan.forgotten.push({ tombstone: tomb, keys: folder.keys, bytes: folder.bytes });
      continue;
    }
    const manifestKey = `${folder.id}/${MANIFEST_NAME}`;
    if (!folder.keys.includes(manifestKey)) {
      scan.broken.push({ id: folder.id, problem: `has no ${MANIFEST_NAME}` });
      continue;
    }
    try {
      const text = Buffer.from(await backend.getBytes(manifestKey)).toString('utf8');
      const manifest = parseManifest(text, `${backend.location}/${manifestKey}`);
      if (manifest.id !== folder.id) throw new MgBackupError('integrity', `its ${MANIFEST_NAME} is for backup ${q(manifest.id)}`);
      scan.backups.push({ id: folder.id, manifest, keys: folder.keys, bytes: folder.bytes, snapshot: snapshotOf(manifest) });
    } catch (err) {
      if (!(err instanceof MgBackupError)) throw err;
      scan.broken.push({ id: folder.id, problem: err.message });
    }
  }
  // A tombstone whose folder is gone: the prune that wrote it died after deleting the files.
  for (const [id, tombstone] of tombstones) if (!seen.has(id)) scan.forgotten.push({ tombstone, keys: [], bytes: 0 });
  return scan;
}
