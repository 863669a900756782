// Restore from a repository that is not a local folder (S3, an encrypted repository): each file that
// goes into the data directory is downloaded once, straight into apply's staging folder inside the
// storage root (the same filesystem as the target, so the swap is a rename), and its sha256 is the
// one the download took while the bytes arrived. A compressed file (format 3) is decompressed on its
// way into staging: the stored sha256 is taken from the bytes as they arrive, the plain sha256 from
// the bytes as they are written; one pass, no read-back. Both are compared with the manifest before
// anything moves into the target (apply.ts removes the staging folder on a mismatch).
// Before, the whole backup was downloaded into a temp folder, hashed again by verify, and copied
// again into staging: +43% over the download for 1 GiB (issue 13, scripts/bench/s3-download.ts).
// What verify would refuse is still refused: a missing or unlisted object before anything is written,
// the files not restored hashed (streamed, nothing written), the staged files' headers and the WAL
// chain read from the staged copies before the swap.
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { copyAndHash, hashStream, type HashResult } from '../../store/checksum.js';
import { hashingTap, plainStream, storedOf } from '../../store/stored-file.js';
import { downloadObject } from '../../store/remote-store.js';
import { listAll, type RepoBackend } from '../../repo/repo-backend.js';
import { summaryKey } from '../../repo/backup-summary.js';
import { MANIFEST_NAME, type Manifest, type ManifestFile } from '../../store/manifest.js';
import type { DurabilityHeader } from '../../datadir/durability-header.js';
import { checkHeader, integrity, readHeaderOf, refuseUnlisted } from './verify.js';
import { assertKnownVersions } from './version-guard.js';
import { chainOf, type StageStep } from './plan.js';
import type { RemoteBackup } from './source.js';

/** Where apply takes the bytes of each file it stages (apply.ts has the local-folder one). */
export interface StageSource {
  /** The plain content of backup file `s.from` into the new file `dest`, checked against `s`; integrity (14) naming the file otherwise. */
  stage(s: StageStep, dest: string, signal?: AbortSignal): Promise<void>;
  /** Files staged at once (default 1: in plan order). */
  parallel?: number;
}

/** Files downloaded at once, as RemoteBackupStore fetched them (each in parallel ranged GETs). */
const PARALLEL = 4;

/** A backup file's bytes in the repository: `key` of `backend`. */
export interface RemoteFile {
  backend: RepoBackend;
  key: string;
}

/** The same words as verify's (verify.ts), so that a damaged object reads the same whichever finds it. */
function refuseMismatch(file: string, got: HashResult, want: { size: number; sha256: string }): void {
  if (got.size !== want.size) throw integrity(`backup file ${q(file)} has ${got.size} bytes, the manifest says ${want.size}`, file);
  if (got.sha256 !== want.sha256) throw integrity(`backup file ${q(file)} has sha256 ${got.sha256}, the manifest says ${want.sha256}`, file);
}

/** Stages each file from where `locate` says it lies in the repository (undefined: not remote, `fallback` stages it). */
export function remoteStageSource(locate: (from: string) => RemoteFile | undefined, fallback?: StageSource): StageSource {
  return {
    parallel: PARALLEL,
    async stage(s, dest, signal) {
      const at = locate(s.from);
      if (at === undefined) {
        if (fallback === undefined) throw new Error(`no source for ${s.from}`); // cannot happen: every staged file is located
        return fallback.stage(s, dest, signal);
      }
      if (s.stored === undefined) {
        // Parallel ranged GETs where the backend has them (S3Backend.download), fsynced; hashed as written.
        const got = await downloadObject(at.backend, at.key, dest, { mode: 0o644, size: s.size, ...(signal ? { signal } : {}) });
        refuseMismatch(s.from, got, s);
        return;
      }
      const body = await at.backend.get(at.key);
      const stored = hashingTap();
      body.on('error', (err) => stored.tap.destroy(err));
      // A decompressor that fails or a reader that stops closes the tap: the ranged GETs stop too.
      stored.tap.once('close', () => body.destroy());
      let plain: HashResult;
      try {
        plain = await copyAndHash(plainStream(body.pipe(stored.tap), s.stored, s.from), dest, { mode: 0o644, ...(signal ? { signal } : {}) });
      } catch (err) {
        // Stored bytes that do not decompress: name the cause as verify does (their sha256 against the
        // manifest's) when it differs; that needs the rest of the bytes, read again in this case only.
        if (err instanceof MgBackupError && err.kind === 'integrity' && !signal?.aborted) refuseMismatch(s.from, await hashObject(at, signal), s.stored);
        throw err;
      }
      refuseMismatch(s.from, stored.result(), s.stored);
      if (plain.size !== s.size || plain.sha256 !== s.sha256) {
        throw integrity(`backup file ${q(s.from)} decompresses to ${plain.size} bytes with sha256 ${plain.sha256}, the manifest says ${s.size} bytes with sha256 ${s.sha256}`, s.from);
      }
    },
  };
}

/** The size and sha256 of an object's bytes (as stored, decrypted), streamed: nothing is written. */
async function hashObject(at: RemoteFile, signal?: AbortSignal): Promise<HashResult> {
  return hashStream(await at.backend.get(at.key), signal);
}

/**
 * What can be checked of backup `manifest` in `backend` before the target is written to, as verify
 * checks it: every listed object there, no unlisted one, the files not restored (not `selected`) with
 * their sha256 (streamed, nothing written), every durability version known. The selected files are
 * checked while they are staged.
 */
export async function checkRemoteBackup(backup: RemoteBackup, manifest: Manifest, selected: readonly ManifestFile[], signal?: AbortSignal): Promise<void> {
  const { backend } = backup;
  const prefix = `${manifest.id}/`;
  const present = (await listAll(backend, prefix))
    .filter((o) => o.key !== summaryKey(manifest.id)) // an encrypted repository's clear summary: not a backup file
    .map((o) => o.key.slice(prefix.length))
    .filter((rel) => rel !== MANIFEST_NAME);
  const have = new Set(present);
  const others = manifest.files.filter((f) => !selected.includes(f));
  for (const f of [...selected, ...others]) {
    // Archived WAL lies in the wal archive (its record was read: archived-wal.ts); a missing object fails its download.
    if (!have.has(f.path) && !backup.archived.has(f.path)) throw integrity(`backup file ${q(f.path)} listed in the manifest is missing`, f.path);
  }
  refuseUnlisted(present.sort(), manifest.files.filter((f) => !backup.archived.has(f.path)));
  for (const f of others) {
    throwIfAborted(signal);
    refuseMismatch(f.path, await hashObject({ backend, key: backup.keyOf(f.path) }, signal), storedOf(f));
  }
  assertKnownVersions(manifest.files);
}

/**
 * After staging `candidates` (snapshot first) into `dir` laid out as the backup (snapshots/, wal/):
 * each staged file's header against the manifest, as verify checks it, and the WAL chain Memgraph
 * would replay (plan.ts chainOf), read from the staged plain copies. Returns the paths to keep.
 */
export async function stagedChain(dir: string, candidates: readonly ManifestFile[]): Promise<string[]> {
  const plain = candidates.map(({ stored: _s, ...f }) => f as ManifestFile);
  let snapshot: DurabilityHeader | undefined;
  for (const f of plain) {
    let header: DurabilityHeader;
    try {
      header = await readHeaderOf(path.join(dir, f.path), f.path);
    } catch (err) {
      if (err instanceof MgBackupError) throw integrity(`backup file ${q(f.path)}: ${err.message}`, f.path);
      throw err;
    }
    checkHeader(header, f);
    if (f.kind === 'snapshot') snapshot = header;
  }
  return chainOf(dir, plain, snapshot).map((f) => f.path);
}
