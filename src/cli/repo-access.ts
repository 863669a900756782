// How commands enter a repository (`--repo DIR` or `--repo s3://bucket/prefix`, the one place that
// turns the flag into a RepoBackend and a BackupStore): writers take their repository lock and then make
// sure of the format marker (the announced upgrade of a format 1 repository); readers only check
// the format (a newer one is refused, exit 15) and take a shared lock, writing no marker. A reader on a
// repository it cannot write to (a read-only mount) still looks for an exclusive holder and refuses
// to read under a running prune, but proceeds without a record of its own.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { CommandContext } from './context.js';
import { openEncryption, type EncryptionOptions } from './repo-encryption.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { systemProcessProbe } from '../io/process-probe.js';
import { LocalBackend } from '../repo/local-backend.js';
import type { RepoBackend } from '../repo/repo-backend.js';
import { openRepo as openBackend, parseS3Concurrency, parseS3PartSize, type S3Settings } from '../repo/repo-url.js';
import { BackupStore } from '../store/backup-store.js';
import { acquireRepoLock, describeHolder, readLocks, type LockMode, type RepoLock } from '../repo/repo-lock.js';
import { ensureRepoFormat, readRepoFormat } from '../repo/repository.js';
import { isGone } from '../core/backup/run-owner.js';

export function mgbackupVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export interface RepoAccess {
  backend: RepoBackend;
  lock: RepoLock | undefined;
  release(): Promise<void>;
}

export interface RepoAccessRequest {
  mode: LockMode;
  command: string;
  /** Writers ensure the marker first; readers never write it. */
  write: boolean;
  /** Shared holders with the same scope exclude each other (forget and pin: see RETENTION_SCOPE). */
  scope?: string;
  /** The repository format the writer needs: 3 when it stores compressed objects (default 2). */
  need?: 2 | 3;
}

/**
 * forget (without --prune) and pin/unpin both decide about manifests: a pin racing a forget could put
 * back the manifest of a backup just forgotten. They share this scope, so they never run together,
 * while create, watch, restore, list and verify go on beside either.
 */
export const RETENTION_SCOPE = 'retention';

export function localBackend(repo: string): LocalBackend {
  return new LocalBackend(repo, repo);
}

/** --repo with the S3 flags of the 'repository' option group (credentials: the SDK's AWS_* chain). */
export interface RepoSpec {
  repo: string;
  s3: S3Settings;
  /** --encrypt, --recipient(s-file), --identity, --passphrase-file, MGBACKUP_PASSPHRASE (src/cli/repo-encryption.ts). */
  encryption?: EncryptionOptions;
}

type Args = Record<string, unknown>;

/** --s3-endpoint, --s3-path-style, --s3-region, --s3-part-size, --s3-concurrency; unset ones are left to
 *  the SDK (AWS_ENDPOINT_URL, AWS_REGION) and the backend's defaults. */
export function s3SettingsFrom(args: Args): S3Settings {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const endpoint = str(args.s3Endpoint);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new UsageError(`invalid --s3-endpoint ${q(endpoint)}`, { hints: ['give the server URL, e.g. --s3-endpoint http://127.0.0.1:9000'] });
  }
  const region = str(args.s3Region);
  // Given as strings (yargs' number type would turn "8MiB" into NaN before a message could quote it).
  const partSize = args.s3PartSize === undefined ? undefined : parseS3PartSize(String(args.s3PartSize));
  const concurrency = args.s3Concurrency === undefined ? undefined : parseS3Concurrency(String(args.s3Concurrency));
  return {
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(typeof args.s3PathStyle === 'boolean' ? { pathStyle: args.s3PathStyle } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(partSize !== undefined ? { partSize } : {}),
    // One setting for both directions: parts uploaded at once and ranged GETs in flight.
    ...(concurrency !== undefined ? { queueSize: concurrency, downloadQueueSize: concurrency } : {}),
  };
}

/** The backend --repo names: a folder (LocalBackend) or s3://bucket/prefix (S3Backend, SDK loaded then). */
export function repoBackend(spec: RepoSpec): Promise<RepoBackend> {
  return openBackend(spec.repo, spec.s3);
}

/**
 * The backups of --repo. A local repository is checked (and with `create` made) as before; a remote one
 * is contacted by the first operation. Callers close() it (a remote store's private folder).
 */
export async function openStore(spec: RepoSpec, opts: { create: boolean }, ctx: CommandContext): Promise<BackupStore> {
  const raw = await repoBackend(spec);
  // An encrypted repository (its marker says so, or --encrypt creates one) is read and written through
  // the encrypting decorator; a local one then goes the remote way (stage, put, fetch), since its files
  // on disk are ciphertext and cannot be hard-linked or read in place.
  if (raw instanceof LocalBackend && spec.encryption === undefined) return BackupStore.open(raw, opts);
  if (raw instanceof LocalBackend && opts.create) await mkdir(raw.root, { recursive: true, mode: 0o700 });
  const backend = spec.encryption === undefined ? raw : await openEncryption(spec.encryption, raw, ctx);
  return BackupStore.open(backend, opts);
}

export async function openRepo(repo: string | RepoBackend, req: RepoAccessRequest, ctx: CommandContext): Promise<RepoAccess> {
  const backend = typeof repo === 'string' ? localBackend(repo) : repo;
  // The format is checked first (a newer one: 15, before anything is written); a writer writes the
  // marker only once it holds its lock, so a command refused with 13 leaves the repository as it was.
  await readRepoFormat(backend);
  const deps = { backend, probe: systemProcessProbe, clock: ctx.clock, warn: (m: string) => ctx.reporter.warn(m), info: (m: string) => ctx.reporter.info(m) };
  let lock: RepoLock | undefined;
  try {
    lock = await acquireRepoLock(deps, { mode: req.mode, command: req.command, signal: ctx.signal, ...(req.scope ? { scope: req.scope } : {}) });
  } catch (err) {
    if (req.write || !(err instanceof MgBackupError) || err.kind !== 'io') throw err;
    // Read-only repository: no record of our own, but never read under a live exclusive holder.
    const holder = (await readLocks(deps)).find((e) => e.record?.mode === 'exclusive' && e.state !== undefined && !isGone(e.state));
    if (holder !== undefined) {
      throw new MgBackupError('busy', `repository ${q(backend.location)} is locked by ${describeHolder(holder.record!)}`, {
        hints: ['wait until it finishes, then run the command again'], details: { holder: holder.record },
      });
    }
    ctx.reporter.info(`repository ${q(backend.location)} is not writable: reading without a lock record of this run`);
  }
  const release = async () => { await lock?.release().catch(() => {}); };
  if (req.write) {
    try {
      await ensureRepoFormat(backend, { now: ctx.clock.now(), mgbackupVersion: mgbackupVersion(), info: (m) => ctx.reporter.warn(m), ...(req.need ? { need: req.need } : {}) });
    } catch (err) {
      await release();
      throw err;
    }
  }
  return { backend, lock, release };
}

/** Runs `fn` with the repository open and its lock held; the lock is released however `fn` ends. */
export async function withRepo<T>(repo: string | RepoBackend, req: RepoAccessRequest, ctx: CommandContext, fn: (access: RepoAccess) => Promise<T>): Promise<T> {
  const access = await openRepo(repo, req, ctx);
  try {
    return await fn(access);
  } finally {
    await access.release();
  }
}
