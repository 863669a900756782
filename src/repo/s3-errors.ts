// Turns AWS SDK and socket failures into the project's typed errors. The SDK reports S3 refusals by
// error name and HTTP status, and network failures by Node's errno codes, sometimes wrapped.
import { MgBackupError, q } from '../errors/errors.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

export function sdkNameOf(err: unknown): string | undefined {
  return (err as SdkErrorShape | undefined)?.name;
}

/** The errno-like code of a network failure, looked for through `cause` chains and AggregateErrors. */
export function netCodeOf(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const e = err as SdkErrorShape & { errors?: unknown[] };
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  if (e.name === 'TimeoutError') return 'ETIMEDOUT';
  for (const inner of e.errors ?? []) {
    const c = netCodeOf(inner, depth + 1);
    if (c !== undefined) return c;
  }
  return netCodeOf(e.cause, depth + 1);
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken', 'ExpiredToken',
  'CredentialsProviderError', 'TokenRefreshRequired',
]);

export interface S3Where {
  /** s3://bucket/prefix, as the operator wrote it. */
  location: string;
  bucket: string;
  /** The endpoint in use, for messages ("AWS" when the SDK picks it). */
  endpoint: string;
}

/** Maps any failure of an S3 call to an MgBackupError; `action` says what was being done ("write", "list"). */
export function s3Error(err: unknown, action: string, what: string, where: S3Where): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const name = sdkNameOf(err);
  const status = httpStatusOf(err);
  const net = netCodeOf(err);
  const detail = (err as SdkErrorShape | undefined)?.message ?? String(err);
  const details = { bucket: where.bucket, endpoint: where.endpoint, ...(status === undefined ? {} : { status }), ...(name ? { error: name } : {}) };
  if (name === 'NoSuchBucket') {
    return new MgBackupError('notFound', `bucket ${q(where.bucket)} does not exist at ${q(where.endpoint)}`, {
      cause: err, details,
      hints: [`create the bucket first (e.g. aws s3 mb s3://${where.bucket}) or fix the name in ${q(where.location)}`],
    });
  }
  if (AUTH_NAMES.has(name ?? '') || status === 401 || status === 403) {
    return new MgBackupError('authFailed', `the S3 server refused to ${action} ${what} in ${q(where.location)}: ${name ?? `HTTP ${status}`}`, {
      cause: err, details,
      hints: ['check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE and ~/.aws) and that the key may read and write that bucket'],
    });
  }
  if (net !== undefined && CONNECT_CODES.has(net)) {
    return new MgBackupError('cannotConnect', `cannot reach the S3 endpoint ${q(where.endpoint)} (${net}) to ${action} ${what}`, {
      cause: err, details: { ...details, errno: net },
      hints: ['check --s3-endpoint or AWS_ENDPOINT_URL, and that the server is running and reachable'],
    });
  }
  if (net !== undefined && LOST_CODES.has(net)) {
    return new MgBackupError('io', `the connection to ${q(where.endpoint)} broke while trying to ${action} ${what} (${net})`, {
      cause: err, details: { ...details, errno: net },
      hints: ['run the command again: nothing half-written is visible in the repository'],
    });
  }
  if (name === 'Region is missing' || /region is missing/i.test(detail)) {
    return new MgBackupError('usage', 'no AWS region is configured for the S3 repository', {
      cause: err, hints: ['set AWS_REGION, a region in the AWS profile, or --s3-region'],
    });
  }
  return new MgBackupError('io', `cannot ${action} ${what} in ${q(where.location)}: ${name ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`, {
    cause: err, details,
    hints: ['run the command again; if it keeps failing, check the S3 server\'s health and logs'],
  });
}
