// Benchmark support (not a test): the local S3 server (scripts/s3-server.sh, Swift with s3api) and a
// fresh bucket on it, shared by the S3 benches, plus the random input files they upload.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;

export interface BenchBucket {
  /** The AWS_* lines the server script printed. */
  env: Record<string, string>;
  creds: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  /** A client for setup and cleanup (no SDK checksums: Swift rejects them). */
  admin: S3Client;
  /** The environment for the `aws` CLI baseline: this server only, no profile or metadata lookups. */
  awsEnv: NodeJS.ProcessEnv;
}

/** Starts (or finds) the server in $MGBACKUP_S3_SERVER_DIR (else $TMPDIR/`defaultDir`) and makes a bucket. */
export async function benchBucket(defaultDir = 'mgbackup-s3-server'): Promise<BenchBucket> {
  const script = fileURLToPath(new URL('../../../scripts/s3-server.sh', import.meta.url));
  const dir = process.env.MGBACKUP_S3_SERVER_DIR ?? path.join(os.tmpdir(), defaultDir);
  const lines = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = Object.fromEntries(lines.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const creds = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
  const bucket = `mgb-bench-${crypto.randomBytes(4).toString('hex')}`;
  const admin = new S3Client({
    endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: creds,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const awsEnv = { ...process.env, ...env, AWS_PAGER: '', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  return { env, creds, bucket, admin, awsEnv };
}

/** `bytes` random bytes into `file` (its folder made); returns their sha256. */
export function writeRandom(file: string, bytes: number): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha256');
  for (let left = bytes; left > 0; left -= 4 * MiB) {
    const chunk = crypto.randomBytes(Math.min(4 * MiB, left));
    hash.update(chunk);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

/** Runs this bench script again as `--child JSON` (its own process: its peak RSS is its own) and parses its stdout. */
export function runChild<A, R>(script: string, a: A, what: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(script), '--child', JSON.stringify(a)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as R) : reject(new Error(`${what} child exited ${code}`))));
  });
}

/** `aws s3 cp ARGS` timed in ms. awscli 2.9 (Debian 12) predates AWS_ENDPOINT_URL: the endpoint goes on its command line. */
export function awsCp(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn('/usr/bin/aws', ['s3', 'cp', '--only-show-errors', '--no-progress', '--endpoint-url', env.AWS_ENDPOINT_URL!, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`aws s3 cp exited ${code}`))));
  });
}
