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
