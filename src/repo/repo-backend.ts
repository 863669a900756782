// src/repo owns the backup repository's storage: a flat namespace of objects addressed by '/'-separated
// keys, with the same contract whether the objects live in a local folder, an S3 bucket or memory
// (tests). Everything above this folder (backups, the WAL archive, locks, retention) is written once
// against RepoBackend; docs/repository-format.md describes what the keys mean.
import type { Readable } from 'node:stream';
import { UsageError, q } from '../errors/errors.js';

export interface ObjectInfo {
  /** Relative to the repository root, '/'-separated. */
  key: string;
  size: number;
  /** Last modification as the backend reports it (file mtime, S3 LastModified). */
  mtimeMs: number;
}

export interface PutResult {
  size: number;
  /** Hex sha256 of the bytes stored. */
  sha256: string;
}

export interface PutOptions {
  signal?: AbortSignal;
  /**
   * false: the caller has no use for PutResult.sha256 (an encrypting wrapper hashes the plaintext
   * itself, and a hash of the ciphertext cost a fifth of an encrypted put). A backend may then skip
   * hashing and return ''. Default true.
   */
  digest?: boolean;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Of the new file; default 0600. */
  mode?: number;
  /** The object's size if a listing gave it (a hint: the backend reads what is there). */
  size?: number;
  /** false: the file need not be fsynced (a private temporary copy); backends may fsync anyway. */
  sync?: boolean;
}

export interface GetRange {
  start?: number;
  /** Exclusive. */
  end?: number;
}

/**
 * The storage contract. Every implementation passes test/repo/backend.contract.ts.
 * - put is atomic: a reader sees the complete new object or none (or the old one); never a prefix.
 *   It returns only when the object is durable (local: file and folder fsynced; S3: the PUT or the
 *   multipart completion was acknowledged).
 * - putIfAbsent is the one compare-and-set: exactly one of two racing callers gets true. Locks rely on it.
 * - get/stat/list see every object whose put has returned. list yields keys in ascending byte order and
 *   never yields an object that is still being written.
 * - delete is idempotent: deleting a missing key is not an error.
 * - Errors are MgBackupError with the project's kinds: notFound for a missing key, io for storage
 *   failures, authFailed/cannotConnect for remote backends.
 */
export interface RepoBackend {
  /** How the operator named the repository: a path or s3://bucket/prefix. For messages. */
  readonly location: string;
  readonly kind: 'local' | 's3' | 'memory';
  put(key: string, body: Readable | Uint8Array, opts?: PutOptions): Promise<PutResult>;
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean>;
  get(key: string, range?: GetRange): Promise<Readable>;
  /** The whole object in memory: for small objects (manifests, lock records, maps). */
  getBytes(key: string): Promise<Uint8Array>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /**
   * Optional batch delete (S3 DeleteObjects; one folder fsync per folder locally): every key is gone,
   * durably, when it returns; no order among the keys. Callers go through deleteKeys().
   */
  deleteMany?(keys: readonly string[]): Promise<void>;
  /**
   * Optional: the object into a new local file (refusing to overwrite), fsynced unless asked not to, with the size and sha256
   * of the bytes written; no file is left when it fails. S3 uses parallel ranged GETs. Callers without
   * it use get() into a file (RemoteBackupStore).
   */
  download?(key: string, dest: string, opts?: DownloadOptions): Promise<PutResult>;
  /**
   * Optional: the names one level below `prefix` ('' or ending in '/') that have keys under them (the
   * first segment of each key that continues with '/'), the names in byte order, without walking the keys below
   * (S3: a delimiter listing). Callers go through dirNames().
   */
  listDirs?(prefix: string): Promise<string[]>;
  /** The local file behind a key, when there is one (hardlinks, fsync-free reads); undefined otherwise. */
  localPath(key: string): string | undefined;
}

/** Rejects keys that could escape the repository or that backends spell differently. */
export function checkKey(key: string): string {
  const bad =
    key === '' || key.startsWith('/') || key.endsWith('/') || key.includes('//') || key.includes('\0') ||
    key.split('/').some((part) => part === '.' || part === '..');
  if (bad) throw new UsageError(`invalid repository key ${q(key)}`);
  return key;
}

/** Byte order of UTF-8 keys, the order list() yields; plain string comparison when both are ASCII. */
export function compareKeys(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Deletes keys with no order among them: the backend's batch delete when it has one, else in parallel. */
export async function deleteKeys(backend: RepoBackend, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (backend.deleteMany) return backend.deleteMany(keys);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await backend.delete(keys[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(16, keys.length) }, worker));
}

/** The folder names one level below `prefix`: the backend's own listing when it has one, else a walk. */
export async function dirNames(backend: RepoBackend, prefix: string): Promise<string[]> {
  if (backend.listDirs) return backend.listDirs(prefix);
  const names: string[] = [];
  for await (const o of backend.list(prefix)) {
    const rest = o.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) continue;
    const name = rest.slice(0, slash);
    // A folder's keys share the prefix "name/", so they are contiguous in list()'s byte order.
    if (names[names.length - 1] !== name) names.push(name);
  }
  // "a-b/…" lists before "a/…" ('-' < '/'): the names themselves are sorted apart.
  return names.sort(compareKeys);
}

/** Collects an async iterable (small listings only; large ones should be streamed). */
export async function listAll(backend: RepoBackend, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of backend.list(prefix)) out.push(o);
  return out;
}
