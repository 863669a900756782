// Benchmark (not a test): the S3 backend's streaming upload (src/repo/s3-backend.ts) against
// `aws s3 cp` (Debian's awscli) of the same file to the same real server (Swift's s3api, started by
// scripts/s3-server.sh), in the same run. Issue 13 asks for at least 0.9x of its throughput, and for a
// peak RSS during upload that does not grow with the file: both are printed for two sizes.
//
// Each upload of ours runs in a fresh child process (this file with --child) so that its peak RSS
// (getrusage maxrss) is that upload's alone; a child that only loads the SDK gives the baseline.
// Rounds alternate the two sides so that a change in the machine's load hits both; the best round of
// each is compared (the machine is shared: the best round is the one least disturbed). The sha256 our
// put returns is checked against the file's, and the object aws wrote is read back and hashed once.
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/s3-upload.js [--sizes 64,512] [--rounds 3]
//       [--part-size 8MiB] [--concurrency 4] [--aws-same]
//       (server folder: $MGBACKUP_S3_SERVER_DIR or $TMPDIR/mgbackup-s3-bench)
// --part-size and --concurrency take what the CLI's --s3-part-size / --s3-concurrency take (the same
// parsers); --part-mib and --queue are older spellings. --aws-same gives aws s3 cp the same part size and
// requests in flight (multipart_chunksize, max_concurrent_requests) instead of its defaults.
import { DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Backend } from '../../src/repo/s3-backend.js';
import { parseS3Concurrency, parseS3PartSize } from '../../src/repo/repo-url.js';
import { awsCp, runChild as runChildHelper, benchBucket, writeRandom } from './s3-bench-server.js';
import { peakRssKiB } from './peak-rss.js';
import { arg } from './bench-args.js';

const MiB = 1024 * 1024;

interface ChildArgs {
  endpoint: string; region: string; accessKeyId: string; secretAccessKey: string;
  bucket: string; key: string; file?: string; partSize: number; queue: number;
}

interface ChildResult { ms: number; maxRssMiB: number; sha256?: string; size?: number }

/** --child: one upload (or none, for the baseline), then its timing and peak RSS on stdout. */
async function child(a: ChildArgs): Promise<void> {
  const backend = new S3Backend({
    bucket: a.bucket, prefix: '', endpoint: a.endpoint, region: a.region, env: {},
    credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey },
    partSize: a.partSize, queueSize: a.queue,
  });
  const started = performance.now();
  let res: { sha256: string; size: number } | undefined;
  if (a.file !== undefined) res = await backend.put(a.key, fs.createReadStream(a.file, { highWaterMark: MiB }));
  else await backend.stat('baseline-probe');
  const ms = performance.now() - started;
  backend.destroy();
  const out: ChildResult = { ms, maxRssMiB: peakRssKiB() / 1024, ...res };
  process.stdout.write(JSON.stringify(out));
}

const runChild = (a: ChildArgs) => runChildHelper<ChildArgs, ChildResult>(import.meta.url, a, 'upload');



async function main(): Promise<void> {
  const sizes = arg('sizes', '64,512').split(',').map(Number);
  const rounds = Number(arg('rounds', '3'));
  const partSize = parseS3PartSize(arg('part-size', `${arg('part-mib', '8')}MiB`));
  const queue = parseS3Concurrency(arg('concurrency', arg('queue', '4')));
  const awsSame = process.argv.includes('--aws-same');
  if (!fs.existsSync('/usr/bin/aws')) throw new Error('the baseline needs Debian\'s awscli: apt-get install awscli');

  const { env, creds, bucket, admin, awsEnv: awsDefaults } = await benchBucket('mgbackup-s3-bench');
  const base: Omit<ChildArgs, 'key'> = {
    endpoint: env.AWS_ENDPOINT_URL!, region: env.AWS_REGION!, ...creds, bucket, partSize, queue,
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-s3-bench-'));
  // awscli reads its transfer settings only from a config file (its "MB" is MiB, as ours).
  const awsConfig = path.join(tmp, 'aws-config');
  fs.writeFileSync(awsConfig, `[default]\ns3 =\n  multipart_chunksize = ${partSize / MiB}MB\n  max_concurrent_requests = ${queue}\n`);
  const awsEnv = awsSame ? { ...awsDefaults, AWS_CONFIG_FILE: awsConfig } : awsDefaults;
  const partMiB = partSize / MiB;
  const keys: string[] = [];
  try {
    const baseline = await runChild({ ...base, key: 'none' });
    console.log(`server ${env.AWS_ENDPOINT_URL} (Swift s3api), part ${partMiB} MiB x ${queue} in flight; aws s3 cp ` +
      (awsSame ? `with the same (${partMiB} MiB parts, ${queue} in flight)` : 'with its defaults (8 MiB parts, 10 in flight)') + `; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`baseline child (SDK loaded, one request): peak RSS ${baseline.maxRssMiB.toFixed(0)} MiB`);
    const rss: number[] = [];
    for (const sizeMiB of sizes) {
      const file = path.join(tmp, `in-${sizeMiB}`);
      const sha = writeRandom(file, sizeMiB * MiB);
      let best = { ours: Infinity, aws: Infinity, rss: 0 };
      for (let r = 0; r < rounds; r++) {
        const key = `ours-${sizeMiB}`;
        const res = await runChild({ ...base, key, file });
        if (res.sha256 !== sha || res.size !== sizeMiB * MiB) throw new Error(`our upload reported ${res.sha256} / ${res.size}, the file is ${sha}`);
        best.ours = Math.min(best.ours, res.ms);
        best.rss = Math.max(best.rss, res.maxRssMiB);
        best.aws = Math.min(best.aws, await awsCp([file, `s3://${bucket}/aws-${sizeMiB}`], awsEnv));
        keys.push(key, `aws-${sizeMiB}`);
      }
      // The baseline's object is what we think it is (read back through our backend once).
      const reader = new S3Backend({ bucket, prefix: '', endpoint: base.endpoint, region: base.region, env: {}, credentials: creds });
      const h = crypto.createHash('sha256');
      for await (const c of await reader.get(`aws-${sizeMiB}`)) h.update(c as Buffer);
      reader.destroy();
      if (h.digest('hex') !== sha) throw new Error('the object aws s3 cp wrote does not hash to the file');
      fs.rmSync(file);
      const mbps = (ms: number) => (sizeMiB * MiB) / 1e6 / (ms / 1000);
      rss.push(best.rss);
      console.log(
        `${String(sizeMiB).padStart(5)} MiB: mgbackup ${mbps(best.ours).toFixed(1)} MB/s, aws s3 cp ${mbps(best.aws).toFixed(1)} MB/s, ` +
        `mgbackup/aws throughput ratio ${(best.aws / best.ours).toFixed(2)}x; peak RSS of our upload ${best.rss.toFixed(0)} MiB; ` +
        `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      );
    }
    if (rss.length >= 2) {
      console.log(`peak RSS ${sizes[sizes.length - 1]} MiB vs ${sizes[0]} MiB: ${(rss[rss.length - 1]! / rss[0]!).toFixed(2)}x for a ${(sizes[sizes.length - 1]! / sizes[0]!).toFixed(0)}x larger file`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const k of new Set(keys)) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: k })).catch(() => {});
    // Swift's s3api keeps parts in "<bucket>+segments"; deleting the manifests removes them.
    await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    admin.destroy();
  }
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]!) as ChildArgs);
else await main();
