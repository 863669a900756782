// Test support: the real S3 server (Swift with s3api, scripts/s3-server.sh) and fresh buckets on it.
// CI's .ci/run starts the server and names its folder in MGBACKUP_S3_SERVER_DIR; run alone, a test
// starts it here (idempotent, shared by parallel test files through the script's lock) and leaves it
// running for the next run: stop it with `scripts/s3-server.sh stop $TMPDIR/mgbackup-s3-server`.
// A server that cannot start fails the tests that need it; there is no skip.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { S3Backend, type S3BackendOptions } from '../../src/repo/s3-backend.js';

export const S3_SERVER_SCRIPT = fileURLToPath(new URL('../../../scripts/s3-server.sh', import.meta.url));

export interface S3TestServer {
  dir: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

let server: Promise<S3TestServer> | undefined;

export function s3ServerDir(): string {
  return process.env.MGBACKUP_S3_SERVER_DIR ?? path.join(os.tmpdir(), 'mgbackup-s3-server');
}

/** Starts (or finds) the server and reads the AWS_* lines it prints. */
export function s3TestServer(): Promise<S3TestServer> {
  server ??= (async () => {
    const dir = s3ServerDir();
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)('bash', [S3_SERVER_SCRIPT, 'start', dir], { timeout: 600_000 }));
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`the S3 test server did not start: ${e.stderr?.trim() || e.message}`);
    }
    const env = Object.fromEntries(stdout.trim().split('\n').map((l) => {
      const eq = l.indexOf('=');
      return [l.slice(0, eq), l.slice(eq + 1)];
    }));
    return {
      dir, endpoint: env.AWS_ENDPOINT_URL!, accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, region: env.AWS_REGION!,
    };
  })();
  return server;
}

/**
 * The CLI's environment for the test server: its AWS_* only (never the caller's profile, session or real
 * credentials); `over` replaces any of them (another endpoint, a wrong secret).
 */
export function cliEnv(s: S3TestServer, over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_REGION: s.region, AWS_ENDPOINT_URL: s.endpoint,
    AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', ...over,
  };
}

/** Backend options for the test server; the ambient AWS_* environment is ignored (never real AWS). */
export function s3Options(s: S3TestServer, bucket: string, extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  return {
    bucket, prefix: 'repo', endpoint: s.endpoint, region: s.region,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, env: {}, ...extra,
  };
}

export function adminClient(s: S3TestServer, endpoint = s.endpoint): S3Client {
  return new S3Client({
    endpoint, region: s.region, forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface TestBucket {
  server: S3TestServer;
  bucket: string;
  backend: S3Backend;
  /** Every object key in the bucket (including those outside the repository prefix). */
  keys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** A new, empty bucket and a backend on it (prefix "repo"). cleanup empties and removes the bucket. */
export async function freshBucket(extra: Partial<S3BackendOptions> = {}): Promise<TestBucket> {
  const s = await s3TestServer();
  const bucket = `mgb-test-${randomBytes(6).toString('hex')}`;
  const admin = adminClient(s);
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const backend = new S3Backend(s3Options(s, bucket, extra));
  const keys = async () => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const c of page.Contents ?? []) out.push(c.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  };
  return {
    server: s, bucket, backend, keys,
    cleanup: async () => {
      backend.destroy();
      await backend.cleanupIncomplete().catch(() => 0);
      const all = await keys();
      // Swift deletes about 80 objects a second: a bucket of a thousand (the paging test) is left to
      // the server's folder, which is temporary, rather than doubling the test's time.
      if (all.length > 200) return void admin.destroy();
      // One by one (Swift's s3api wants a Content-MD5 on DeleteObjects), 16 at a time.
      for (let i = 0; i < all.length; i += 16) {
        await Promise.all(all.slice(i, i + 16).map((k) => admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }))));
      }
      // Cleanup never masks the test's own outcome: a bucket that will not go is left to the server's folder.
      await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
      admin.destroy();
    },
  };
}
