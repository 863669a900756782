// `mgbackup copy` with the real S3 server (Swift's s3api, scripts/s3-server.sh) on one side: local -> S3
// (a second run uploads nothing: every object keeps its LastModified), a damaged backup refused with
// nothing of it in the bucket, then S3 -> local SIGKILLed in the middle of a file (a proxy in front of
// the server stalls the snapshot's download halfway) and completed by the next run; the local copy
// verifies and restores to the source's DUMP. And local -> S3 SIGKILLed with a multipart upload open.
import { AbortMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import test from 'ava';
import { spawn } from 'node:child_process';
import crypto, { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, runCli } from '../helpers/run-cli.js';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { adminClient, freshBucket, type S3TestServer } from '../helpers/s3-server.js';
import { serializeManifest, type Manifest } from '../../src/store/manifest.js';
import { tempRoot } from '../pitr/helpers.js';
import { checkCopy, makeSource, type CopyJson } from './helpers.js';

const s3Env = (s: S3TestServer, endpoint = s.endpoint): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey, AWS_REGION: s.region,
  AWS_ENDPOINT_URL_S3: '', AWS_PROFILE: '', AWS_SESSION_TOKEN: '',
});

/**
 * Forwards to the S3 server; the answer to the first request whose line contains `stallOn` gets its
 * headers and `bodyBytes` of its body (nothing at all when negative), then nothing more (the
 * connection stays open): a download or an upload stopped mid-file, for as long as the test wants.
 */
async function stallProxy(target: string, stallOn: string, bodyBytes: number) {
  const url = new URL(target);
  const sockets = new Set<net.Socket>();
  let fired = false;
  const state = { stalled: false };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(url.port), url.hostname);
    sockets.add(client).add(upstream);
    let watching = false;
    let budget = -1;
    client.on('data', (chunk: Buffer) => {
      if (!fired && chunk.toString('latin1').split('\r\n')[0]!.includes(stallOn)) fired = watching = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!watching) return void client.write(chunk);
      if (budget < 0) {
        const end = chunk.indexOf('\r\n\r\n');
        // bodyBytes < 0: not even the status line gets through.
        budget = bodyBytes < 0 ? 0 : end + 4 + bodyBytes;
      }
      if (budget > 0) client.write(chunk.subarray(0, budget));
      budget -= Math.min(budget, chunk.length);
      if (budget === 0) state.stalled = true;
    });
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => { client.destroy(); upstream.destroy(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    state,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('local -> S3 -> local: incremental by hash, a damaged backup refused, a SIGKILLed download completed by the next run', async (t) => {
  const src = await makeSource(t, 'copy-s3', 2);
  const bucket = await freshBucket();
  t.teardown(() => bucket.cleanup());
  const s = bucket.server;
  const env = s3Env(s);
  const remote = `s3://${bucket.bucket}/off-site`;

  const up = await runCli(['copy', '--from', src.repo, '--to', remote, '--all', '--json'], { env });
  t.is(up.code, 0, up.stderr);
  const first = JSON.parse(up.stdout) as CopyJson;
  t.like(first, { type: 'copy', from: src.repo, to: remote });
  t.deepEqual(first.backups.map((b) => [b.id, b.action]), src.ids.map((id) => [id, 'copied']));
  const keys = await bucket.keys();
  for (const id of src.ids) t.true(keys.includes(`off-site/${id}/manifest.json`), keys.join(' '));
  t.true(keys.includes('off-site/mgbackup-repo.json'));
  t.false(keys.some((k) => k.startsWith('off-site/locks/')), 'the lock is released');

  // Again: nothing is uploaded, so no object's LastModified changes.
  const admin = adminClient(s);
  t.teardown(() => admin.destroy());
  const stamps = async () => {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: 'off-site/' }));
    return new Map((page.Contents ?? []).filter((c) => !c.Key!.includes('/locks/')).map((c) => [c.Key!, c.LastModified!.getTime()]));
  };
  const before = await stamps();
  const again = await runCli(['copy', '--from', src.repo, '--to', remote, '--all', '--json'], { env });
  t.is(again.code, 0, again.stderr);
  t.like(JSON.parse(again.stdout), { copied: 0, bytes: 0, archive: { copied: 0, skipped: first.archive.copied } });
  t.deepEqual(await stamps(), before);

  // A damaged backup: refused, and not one object of its folder reaches the bucket.
  const damagedRepo = path.join(src.root, 'damaged');
  fs.cpSync(src.repo, damagedRepo, { recursive: true });
  const id = src.ids[1]!;
  const snapDir = path.join(damagedRepo, id, 'snapshots');
  const snap = path.join(snapDir, fs.readdirSync(snapDir)[0]!);
  const bytes = fs.readFileSync(snap);
  bytes[20] ^= 0x01;
  fs.writeFileSync(snap, bytes);
  const expected = createHash('sha256').update(fs.readFileSync(path.join(src.repo, id, 'snapshots', path.basename(snap)))).digest('hex');
  const other = `s3://${bucket.bucket}/other`;
  const bad = await runCli(['copy', '--from', damagedRepo, '--to', other, id], { env });
  t.is(bad.code, 14, bad.stderr);
  t.is(bad.stderr, `mgbackup: error: backup "${id}" in "${damagedRepo}" is damaged, not copied: "${damagedRepo}/${id}/snapshots/${path.basename(snap)}": `
    + `sha256 ${createHash('sha256').update(bytes).digest('hex')}, its manifest gives ${expected}\n`
    + `hint: check it with \`mgbackup verify --repo ${damagedRepo} ${id}\`; nothing of it was published in the target\n`);
  t.deepEqual((await bucket.keys()).filter((k) => k.startsWith(`other/${id}/`)), []);

  // S3 -> local, killed while the snapshot is half downloaded (half of it in the target's temporary file).
  const r2 = path.join(src.root, 'r2');
  const proxy = await stallProxy(s.endpoint, `/${id}/snapshots/`, Math.floor(bytes.length / 2));
  t.teardown(() => proxy.close());
  const child = spawn(process.execPath, [BIN, 'copy', '--from', remote, '--to', r2, id], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...s3Env(s, proxy.endpoint) },
  });
  let childErr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (childErr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, signal) => resolve(signal)));
  t.teardown(() => void child.kill('SIGKILL'));
  const tmp = path.join(r2, '.tmp');
  await waitFor('half the snapshot in the target\'s temporary file', () => proxy.state.stalled
    && fs.existsSync(tmp) && fs.readdirSync(tmp).some((n) => fs.statSync(path.join(tmp, n)).size === Math.floor(bytes.length / 2)))
    .catch((err: unknown) => {
      t.log(childErr);
      throw err;
    });
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  t.false(fs.existsSync(path.join(r2, id, 'manifest.json')));
  const l = await runCli(['list', '--repo', r2, '--json']);
  t.deepEqual((JSON.parse(l.stdout) as { backups: unknown[] }).backups, []);

  const down = await runCli(['copy', '--from', remote, '--to', r2, id, '--json'], { env });
  t.is(down.code, 0, down.stderr);
  // The killed run's shared lock records do not stand in the way (shared holders do not conflict).
  const b = (JSON.parse(down.stdout) as CopyJson).backups[0]!;
  t.like(b, { id, action: 'copied' });
  const m = JSON.parse(fs.readFileSync(path.join(src.repo, id, 'manifest.json'), 'utf8')) as { files: unknown[]; archived?: unknown[] };
  t.is(b.copied + b.skipped, m.files.length + (m.archived?.length ?? 0));
  t.log(`after the kill: ${b.copied} copied, ${b.skipped} kept (${m.files.length} files, ${m.archived?.length ?? 0} archived WAL)`);
  await checkCopy(t, r2, id, src.dump);
});

test('SIGKILL during a multipart upload to S3: no object of the backup is visible, the next run completes it', async (t) => {
  // A repository made by hand: copy checks bytes against the manifest and does not parse them, and a
  // 12 MiB file needs two parts of the default 8 MiB.
  const root = tempRoot(t, 'copy-s3-kill');
  const r1 = path.join(root, 'r1');
  const id = '20261203T070000Z-0badc0de';
  const big = crypto.randomBytes(12 * 1024 * 1024);
  const uuid = '5b0e6c6e-0000-4000-8000-000000000001';
  const m: Manifest = {
    format: 'mgbackup-backup', formatVersion: 2, id, createdAt: '2026-12-03T07:00:00.000Z', mgbackupVersion: '0.2.0',
    memgraph: { version: '3.7.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid },
    counts: { vertices: null, edges: null }, snapshotOnly: true, source: 'test',
    files: [{ path: 'snapshots/big', kind: 'snapshot', size: big.length, sha256: createHash('sha256').update(big).digest('hex'), durabilityVersion: 37, uuid, durableTs: '5', pinnedBy: 'copy' }],
    timings: { totalMs: 1, snapshotMs: 1, lockWindowMs: 1, copyMs: 1 }, labels: {}, tags: [], warnings: [],
  };
  fs.mkdirSync(path.join(r1, id, 'snapshots'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(r1, id, 'snapshots', 'big'), big);
  fs.writeFileSync(path.join(r1, id, 'manifest.json'), serializeManifest(m));

  const bucket = await freshBucket();
  t.teardown(() => bucket.cleanup());
  const s = bucket.server;
  const remote = `s3://${bucket.bucket}/kill`;
  const proxy = await stallProxy(s.endpoint, 'partNumber=2', -1);
  t.teardown(() => proxy.close());
  const child = spawn(process.execPath, [BIN, 'copy', '--from', r1, '--to', remote, id], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...s3Env(s, proxy.endpoint) },
  });
  let childErr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (childErr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, signal) => resolve(signal)));
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor('part 2 of the upload held by the proxy', () => proxy.state.stalled).catch((err: unknown) => {
    t.log(childErr);
    throw err;
  });
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');

  // Mid-file: the multipart upload is open, and nothing of the backup is an object.
  const admin = adminClient(s);
  t.teardown(() => admin.destroy());
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket, Prefix: 'kill/' }));
  t.deepEqual((uploads.Uploads ?? []).map((u) => u.Key), [`kill/${id}/snapshots/big`]);
  t.deepEqual((await bucket.keys()).filter((k) => k.startsWith(`kill/${id}/`)), []);
  // Invisible but stored: left for the repository's cleanup of abandoned uploads (S3Backend.cleanupIncomplete).
  for (const u of uploads.Uploads ?? []) await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket.bucket, Key: u.Key, UploadId: u.UploadId }));

  const again = await runCli(['copy', '--from', r1, '--to', remote, id, '--json'], { env: s3Env(s) });
  t.is(again.code, 0, again.stderr);
  t.like((JSON.parse(again.stdout) as CopyJson).backups[0], { id, action: 'copied', copied: 1, bytes: big.length });
  const got = await admin.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: `kill/${id}/snapshots/big` }));
  t.is(createHash('sha256').update(await got.Body!.transformToByteArray()).digest('hex'), m.files[0]!.sha256);
  const stored = await admin.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: `kill/${id}/` }));
  t.deepEqual((stored.Contents ?? []).map((c) => [c.Key, c.Size]).sort(), [[`kill/${id}/manifest.json`, Buffer.byteLength(serializeManifest(m))], [`kill/${id}/snapshots/big`, big.length]]);
});
