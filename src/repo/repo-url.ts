// Parses what the operator gives as --repo: a local folder, or s3://bucket/prefix. Opening an S3
// repository loads the AWS SDK, so openRepo imports it only when the location asks for it (the CLI's
// startup time stays the same for local repositories).
import { UsageError, q } from '../errors/errors.js';
import { LocalBackend } from './local-backend.js';
import type { RepoBackend } from './repo-backend.js';
import type { S3BackendOptions } from './s3-backend.js';

export type RepoLocation =
  | { kind: 'local'; path: string; location: string }
  | { kind: 's3'; bucket: string; prefix: string; location: string };

const S3_USAGE = 'write the repository as s3://BUCKET or s3://BUCKET/PREFIX (e.g. s3://backups/memgraph/prod)';

/** Bucket names as S3 accepts them for new buckets (3-63 of a-z 0-9 . -, alphanumeric at both ends);
 *  '_' is let through for older buckets and S3-compatible servers that allow it. */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function parseRepoLocation(spec: string): RepoLocation {
  if (spec.trim() === '') throw new UsageError('the repository location is empty', { hints: [`give --repo a folder or ${S3_USAGE}`] });
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(spec)?.[1];
  if (scheme === undefined) return { kind: 'local', path: spec, location: spec };
  if (scheme.toLowerCase() !== 's3') {
    throw new UsageError(`unsupported repository location ${q(spec)}: only local folders and s3:// are supported`, { hints: [S3_USAGE] });
  }
  const rest = spec.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  if (bucket === '') throw new UsageError(`the repository location ${q(spec)} names no bucket`, { hints: [S3_USAGE] });
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`invalid S3 bucket name ${q(bucket)} in ${q(spec)}`, {
      hints: ['bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit'],
    });
  }
  const parts = prefix === '' ? [] : prefix.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || prefix.includes('\0') || /[?#]/.test(prefix)) {
    throw new UsageError(`invalid key prefix ${q(prefix)} in ${q(spec)}`, {
      hints: ['the prefix is a /-separated path without empty, "." or ".." parts, "?" or "#"'],
    });
  }
  return { kind: 's3', bucket, prefix, location: `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}` };
}

/** S3 settings a command gathers from its flags (--s3-endpoint, --s3-path-style, --s3-region, ...). */
export type S3Settings = Omit<S3BackendOptions, 'bucket' | 'prefix' | 'location'>;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** S3's part limits: at least 5 MiB (all but the last part), at most 5 GiB. */
export const S3_MIN_PART = 5 * MiB;
export const S3_MAX_PART = 5 * GiB;
export const S3_MAX_CONCURRENCY = 64;

/** Binary units only: the AWS CLI reads its multipart_chunksize "8MB" as 8 MiB too, so 16M, 16MB and
 *  16MiB all mean the same number of bytes. */
const UNITS: Record<string, number> = { '': 1, b: 1, k: KiB, kb: KiB, kib: KiB, m: MiB, mb: MiB, mib: MiB, g: GiB, gb: GiB, gib: GiB };

/** --s3-part-size: bytes, or a whole number with a unit (8MiB, 16M, 67108864), within S3's part limits. */
export function parseS3PartSize(raw: string): number {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()];
  const bytes = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes < S3_MIN_PART || bytes > S3_MAX_PART) {
    throw new UsageError(`--s3-part-size ${q(raw)} is not a part size S3 accepts`, {
      hints: ['give 5MiB..5GiB, as bytes or with a unit: 8MiB, 16M, 67108864 (K, M, G are powers of 1024)'],
    });
  }
  return bytes;
}

/** --s3-concurrency: parts (uploads) or ranges (downloads) in flight, a whole number 1..64. */
export function parseS3Concurrency(raw: string): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > S3_MAX_CONCURRENCY) {
    throw new UsageError(`--s3-concurrency ${q(raw)} is not a number of parts in flight`, {
      hints: [`give a whole number 1..${S3_MAX_CONCURRENCY}`],
    });
  }
  return n;
}

let retryLog: ((message: string) => void) | undefined;

/**
 * Where the S3 backends opened from here tell their retries (S3BackendOptions.onRetry) unless their
 * settings say otherwise. The CLI's entry point sets it to the reporter's narration (--verbose): every
 * command opens its repository through openRepo, many of them deep in core code that gets no reporter.
 */
export function setS3RetryLog(log: ((message: string) => void) | undefined): void {
  retryLog = log;
}

/** Opens the backend for --repo. Nothing is contacted yet: the first operation checks the bucket. */
export async function openRepo(spec: string, s3: S3Settings = {}): Promise<RepoBackend> {
  const loc = parseRepoLocation(spec);
  if (loc.kind === 'local') return new LocalBackend(loc.path, loc.location);
  const { S3Backend } = await import('./s3-backend.js');
  return new S3Backend({ ...(retryLog ? { onRetry: retryLog } : {}), ...s3, bucket: loc.bucket, prefix: loc.prefix, location: loc.location });
}
