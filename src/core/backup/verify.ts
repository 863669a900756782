// verify: a backup is only as good as its last check. Re-hashes every file against the manifest and
// re-reads every durability header, then reports all problems at once, naming each file.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readDurabilityHeader } from '../../datadir/durability-header.js';
import { errnoOf } from '../../datadir/fs-errors.js';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import type { BackupStore } from '../../store/backup-store.js';
import { hashFile, hashStream } from '../../store/checksum.js';
import { MANIFEST_NAME } from '../../store/manifest.js';
import { forwardReadAt, openPlainFile, storedOf, type StoredForm } from '../../store/stored-file.js';
import type { Reporter } from '../reporter.js';
import { assertKnownVersions } from '../restore/version-guard.js';

export interface VerifyFileResult {
  path: string;
  ok: boolean;
  problem?: string;
}

export interface VerifyResult {
  id: string;
  path: string;
  ok: boolean;
  files: VerifyFileResult[];
  bytes: number;
}

export async function verifyBackup(
  store: BackupStore, ref: string, deps: { reporter: Reporter; signal?: AbortSignal },
): Promise<VerifyResult> {
  const stored = await store.resolve(ref);
  // A remote backup is read from a private local copy of its objects; messages name the repository's.
  const backup = await store.fetch(stored, deps.signal);
  const results: VerifyFileResult[] = [];
  let bytes = 0;
  const step = deps.reporter.step(`verifying ${backup.id}`);
  for (const f of backup.manifest.files) {
    throwIfAborted(deps.signal);
    const abs = path.join(backup.dir, f.path);
    const problem = await checkFile(abs, f, deps.signal);
    if (problem === undefined) bytes += f.size;
    results.push(problem === undefined ? { path: f.path, ok: true } : { path: f.path, ok: false, problem });
    step.update(`verifying ${backup.id}: ${results.length}/${backup.manifest.files.length} files`);
  }
  // WAL kept in the repository's archive (format 2): the object must be there with the same bytes.
  for (const a of backup.manifest.archived ?? []) {
    throwIfAborted(deps.signal);
    const problem = await checkArchived(store, a, deps.signal);
    if (problem === undefined) bytes += a.size;
    results.push(problem === undefined ? { path: a.key, ok: true } : { path: a.key, ok: false, problem });
  }
  const listed = new Set([MANIFEST_NAME, ...backup.manifest.files.map((f) => f.path)]);
  for (const extra of await walk(backup.dir)) {
    if (!listed.has(extra)) results.push({ path: extra, ok: false, problem: 'not listed in the manifest' });
  }
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0) {
    step.fail();
    throw new MgBackupError('integrity', `backup ${backup.id}: ${bad.map((b) => `${q(b.path)} ${b.problem}`).join('; ')}`, {
      hints: ['do not restore from this backup; take a new one or use an older backup that verifies'],
      details: { id: backup.id, files: results },
    });
  }
  // Header and manifest agree, but a version this mgbackup does not know is never guessed at: 15.
  try {
    assertKnownVersions(backup.manifest.files);
  } catch (err) {
    step.fail();
    throw err;
  }
  step.succeed(`verified ${backup.id}: ${results.length} files`);
  return { id: backup.id, path: stored.dir, ok: true, files: results, bytes };
}

/** An archived WAL object against the manifest's record: in place locally, through the backend otherwise. */
async function checkArchived(store: BackupStore, ref: { key: string; size: number; sha256: string; stored?: StoredForm }, signal?: AbortSignal): Promise<string | undefined> {
  if (!store.remote) return checkFile(path.join(store.root, ...ref.key.split('/')), { ...ref, kind: 'wal', durabilityVersion: -1 }, signal);
  const a = { key: ref.key, ...storedOf(ref) };
  let size: number;
  let sha: string;
  try {
    ({ size, sha256: sha } = await hashStream(await store.backend.get(a.key), signal));
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') return 'is missing';
    throw err;
  }
  if (size !== a.size) return `has ${size} bytes, manifest says ${a.size}`;
  if (sha !== a.sha256) return `sha256 mismatch (manifest ${a.sha256.slice(0, 12)}…, object ${sha.slice(0, 12)}…)`;
  return undefined;
}

/**
 * One file: its bytes as stored (size, sha256: for a compressed file the stored form, the quick check
 * that needs no decompression) and the durability header of its plain content.
 */
async function checkFile(
  abs: string, file: { size: number; sha256: string; stored?: StoredForm; kind: string; durabilityVersion: number }, signal?: AbortSignal,
): Promise<string | undefined> {
  // The manifest's size and sha256 of what is stored: the compressed bytes when there is a `stored`.
  const f = { ...file, ...storedOf(file) };
  let r;
  try {
    r = await hashFile(abs, signal);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'interrupted') throw err;
    const cause = (err as MgBackupError).cause;
    return errnoOf(cause) === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`;
  }
  if (r.size !== f.size) return `has ${r.size} bytes, manifest says ${f.size}`;
  if (r.sha256 !== f.sha256) return `sha256 mismatch (manifest ${f.sha256.slice(0, 12)}…, file ${r.sha256.slice(0, 12)}…)`;
  if (file.stored !== undefined) {
    // The header of the plain content, decompressed forward only as far as the header needs.
    const reader = forwardReadAt(() => openPlainFile(abs, file.stored));
    try {
      const header = await readDurabilityHeader(reader.readAt, path.basename(abs));
      if (header.kind !== f.kind) return `is a ${header.kind} file, manifest says ${f.kind}`;
      if (f.durabilityVersion !== -1 && header.version !== f.durabilityVersion) return `has durability version ${header.version}, manifest says ${f.durabilityVersion}`;
    } catch (err) {
      return `has a bad header (${(err as Error).message})`;
    } finally {
      reader.close();
    }
    return undefined;
  }
  try {
    const fh = await fsp.open(abs, 'r');
    try {
      const header = await readDurabilityHeader(async (start, length) => {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, start);
        return buf.subarray(0, bytesRead);
      }, path.basename(abs));
      if (header.kind !== f.kind) return `is a ${header.kind} file, manifest says ${f.kind}`;
      // -1: an archived WAL, whose version its archive record carries, not the manifest.
      if (f.durabilityVersion !== -1 && header.version !== f.durabilityVersion) return `has durability version ${header.version}, manifest says ${f.durabilityVersion}`;
    } finally {
      await fh.close();
    }
  } catch (err) {
    return `has a bad header (${(err as Error).message})`;
  }
  return undefined;
}

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await fsp.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await walk(path.join(dir, d.name), rel)));
    else out.push(rel);
  }
  return out;
}
