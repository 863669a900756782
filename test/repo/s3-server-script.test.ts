// scripts/s3-server.sh itself: start prints the env lines and is idempotent, the server it starts
// speaks S3 with those credentials, and stop ends the processes start recorded and nothing else,
// even when a pid file names another process (a recycled pid).
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { S3_SERVER_SCRIPT, adminClient } from '../helpers/s3-server.js';

const run = (...args: string[]) => promisify(execFile)('bash', [S3_SERVER_SCRIPT, ...args], { timeout: 600_000 });
const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

test('start is idempotent and prints the AWS_* lines; stop ends only what start started', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-s3-script-'));
  const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
  try {
    const first = await run('start', dir);
    t.regex(first.stdout, /^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+\nAWS_ACCESS_KEY_ID=test:tester\nAWS_SECRET_ACCESS_KEY=testing\nAWS_REGION=us-east-1\n$/);
    const pids = fs.readdirSync(path.join(dir, 'run')).sort();
    t.deepEqual(pids, ['account.pid', 'container.pid', 'memcached.pid', 'object.pid', 'proxy.pid']);
    const started = pids.map((f) => Number(fs.readFileSync(path.join(dir, 'run', f), 'utf8')));
    t.true(started.every(alive));

    const again = await run('start', dir);
    t.is(again.stdout, first.stdout);
    t.deepEqual(pids.map((f) => Number(fs.readFileSync(path.join(dir, 'run', f), 'utf8'))), started, 'the running server was reused');

    const endpoint = /AWS_ENDPOINT_URL=(\S+)/.exec(first.stdout)![1]!;
    const client = adminClient({ dir, endpoint, accessKeyId: 'test:tester', secretAccessKey: 'testing', region: 'us-east-1' });
    t.deepEqual((await client.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    client.destroy();

    // A pid file that names a process start did not run (as after a reboot and pid reuse) is ignored.
    fs.writeFileSync(path.join(dir, 'run', 'memcached.pid'), String(stranger.pid));
    await run('stop', dir);
    t.true(alive(stranger.pid!), 'a process start did not run survives stop');
    t.deepEqual(started.slice(0, 2).concat(started.slice(3)).filter(alive), [], 'the swift servers are gone');
    // The real memcached was left running by the doctored pid file: end it by its recorded pid.
    process.kill(started[2]!);
  } finally {
    stranger.kill();
    await run('stop', dir).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
