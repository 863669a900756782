// Verification of a backup before the target is touched: each file's size and sha256 against the
// manifest, and its durability header (magic, version, UUID, snapshot metadata marker) against both
// the manifest and Memgraph's own acceptance rules. What `verify` refuses, restore refuses too.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { fsError, errnoOf } from '../../datadir/fs-errors.js';
import { readDurabilityHeader, type DurabilityHeader } from '../../datadir/durability-header.js';
import { hashFile } from '../../store/checksum.js';
import { storedOf } from '../../store/stored-file.js';
import { MANIFEST_NAME, type ManifestFile } from '../../store/manifest.js';
import { assertKnownVersions } from './version-guard.js';

export interface VerifiedFile {
  file: ManifestFile;
  header: DurabilityHeader;
}

export function integrity(message: string, file: string): MgBackupError {
  return new MgBackupError('integrity', message, {
    hints: [
      'the backup is damaged; nothing was written to the target',
      'restore another backup ("mgbackup list"), or check the store\'s disk',
    ],
    details: { file },
  });
}

export async function readHeaderOf(abs: string, name: string): Promise<DurabilityHeader> {
  const fh = await fsp.open(abs, 'r');
  try {
    return await readDurabilityHeader(async (start, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, start);
      return buf.subarray(0, bytesRead);
    }, name);
  } finally {
    await fh.close();
  }
}

/**
 * Verifies one file of the backup folder; throws integrity on any mismatch. A compressed file (kept so
 * by restore, see source.ts) is checked in its stored form here, and its header is the manifest's: it
 * is decompressed once, while it is staged (apply.ts), where its plain sha256 and its real header are
 * checked against the manifest before anything is swapped in.
 */
export async function verifyFile(dir: string, file: ManifestFile, signal?: AbortSignal): Promise<VerifiedFile> {
  const abs = path.join(dir, file.path);
  const f = { ...file, ...storedOf(file) };
  let size: number;
  try {
    size = (await fsp.stat(abs)).size;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw integrity(`backup file ${q(f.path)} listed in the manifest is missing`, f.path);
    throw fsError(err, 'read', abs);
  }
  if (size !== f.size) throw integrity(`backup file ${q(f.path)} has ${size} bytes, the manifest says ${f.size}`, f.path);
  const h = await hashFile(abs, signal);
  if (h.size !== f.size || h.sha256 !== f.sha256) {
    throw integrity(`backup file ${q(f.path)} has sha256 ${h.sha256}, the manifest says ${f.sha256}`, f.path);
  }
  if (file.stored !== undefined) {
    if (file.kind === 'snapshot' && file.durableTs === undefined) throw integrity(`backup file ${q(f.path)} is compressed and its manifest entry has no durableTs`, f.path);
    return {
      file,
      header: {
        kind: file.kind, version: file.durabilityVersion, uuid: file.uuid, epochId: '',
        ...(file.seqNum !== undefined ? { seqNum: BigInt(file.seqNum) } : {}), ...(file.durableTs !== undefined ? { durableTs: BigInt(file.durableTs) } : {}),
      },
    };
  }
  let header: DurabilityHeader;
  try {
    header = await readHeaderOf(abs, f.path);
  } catch (err) {
    if (err instanceof MgBackupError) throw integrity(`backup file ${q(f.path)}: ${err.message}`, f.path);
    throw fsError(err, 'read', abs);
  }
  checkHeader(header, f);
  return { file, header };
}

/** A file's durability header against its manifest entry: kind, version, uuid. */
export function checkHeader(header: DurabilityHeader, f: Pick<ManifestFile, 'path' | 'kind' | 'durabilityVersion' | 'uuid'>): void {
  if (header.kind !== f.kind) throw integrity(`backup file ${q(f.path)} is a ${header.kind} by its header, the manifest says ${f.kind}`, f.path);
  if (header.version !== f.durabilityVersion) {
    throw integrity(`backup file ${q(f.path)} has durability version ${header.version}, the manifest says ${f.durabilityVersion}`, f.path);
  }
  if (f.uuid && header.uuid !== f.uuid) throw integrity(`backup file ${q(f.path)} has uuid ${q(header.uuid)}, the manifest says ${q(f.uuid)}`, f.path);
}

export interface VerifyResult {
  verified: VerifiedFile[];
  warnings: string[];
}

/** Every file in the backup folder except manifest.json, as manifest paths. */
async function listFolder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fsp.readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    throw fsError(err, 'read', path.join(dir, prefix));
  }
  for (const d of entries) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFolder(dir, rel)));
    else if (rel !== MANIFEST_NAME) out.push(rel);
  }
  return out.sort();
}

/**
 * Verifies a backup exactly as strictly as `mgbackup verify`: every listed file (size, sha256,
 * header), no unlisted file, and every durability version known to this mgbackup (15 otherwise).
 * `selected` are checked first so that the operator hears about the files being restored first.
 */
export async function verifyBackup(
  dir: string, all: ManifestFile[], selected: ManifestFile[], opts: { signal?: AbortSignal; onFile?: (f: ManifestFile) => void; listedOnly?: boolean } = {},
): Promise<VerifyResult> {
  const verified: VerifiedFile[] = [];
  for (const f of [...selected, ...all.filter((f) => !selected.includes(f))]) {
    throwIfAborted(opts.signal);
    opts.onFile?.(f);
    const v = await verifyFile(dir, f, opts.signal);
    if (selected.includes(f)) verified.push(v);
  }
  if (!opts.listedOnly) await assertNoUnlisted(dir, all);
  assertKnownVersions(all);
  return { verified, warnings: [] };
}

/** Refuses a backup folder holding files its manifest does not list (what `verify` refuses too). */
export async function assertNoUnlisted(dir: string, all: readonly { path: string }[]): Promise<void> {
  refuseUnlisted(await listFolder(dir), all);
}

/** Refuses `present` (backup-relative paths, manifest.json left out) naming any file the manifest does not list. */
export function refuseUnlisted(present: readonly string[], all: readonly { path: string }[]): void {
  const listed = new Set(all.map((f) => f.path));
  const extra = present.filter((p) => !listed.has(p));
  if (extra.length > 0) {
    throw new MgBackupError('integrity', `backup folder has ${extra.length === 1 ? 'a file' : 'files'} not listed in the manifest: ${extra.map((p) => q(p)).join(', ')}`, {
      hints: [
        '"mgbackup verify" refuses this backup too; something wrote into it after it was published',
        'restore another backup ("mgbackup list"), or move the unlisted files out if you know where they came from',
      ],
      details: { files: extra },
    });
  }
}
