// Restore from s3:// when an object is not what its manifest says, against the real server (Swift's
// s3api) and the stand-in as its own process. A snapshot object replaced by different bytes of the
// same size passes every size check: only its sha256 can tell, and restore exits 14 naming the file
// before anything is moved into the target. An object replaced while it downloads (between its
// ranged GETs) fails as changed (the ranges are pinned to the first ETag) instead of mixing versions.
import test from 'ava';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MgBackupError } from '../../src/errors/errors.js';
import { S3Backend } from '../../src/repo/s3-backend.js';
import { runCli } from '../helpers/run-cli.js';
import { adminClient, freshBucket, s3Options } from '../helpers/s3-server.js';
import { bucketAndStandin } from '../helpers/s3-standin.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const MiB = 1024 * 1024;

test('restore from s3:// refuses a snapshot object whose bytes changed (same size): exit 14 naming it, the target untouched', async (t) => {
  const { b, root, data, server, env, repo } = await bucketAndStandin(t, 's3-restore-sha', ['CREATE (:__mg_vertex__:`P` {__mg_id__: 0, `n`: 0});']);
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const made = JSON.parse(c.stdout) as { id: string; files: { path: string; kind: string }[] };
  const snap = made.files.find((f) => f.kind === 'snapshot')!.path;
  await server.kill();

  // The same length, one byte different.
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  const key = `repo/${made.id}/${snap}`;
  const body = Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }))).Body!.transformToByteArray());
  body[body.length >> 1] ^= 0xff;
  await admin.send(new PutObjectCommand({ Bucket: b.bucket, Key: key, Body: body }));

  const target = path.join(root, 'restored');
  fs.mkdirSync(target);
  const r = await runCli(['restore', made.id, '--repo', repo, '--data-dir', target], { env });
  t.is(r.code, 14, r.stderr);
  t.regex(r.stderr, new RegExp(`^mgbackup: error: backup file "${snap.replace(/[.]/g, '\\.')}" has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}\n`));
  t.deepEqual(fs.readdirSync(target), [], 'nothing was moved into the target');
});

test('an object replaced between its ranged GETs: the download fails as changed (14), no mixed file is left', async (t) => {
  const b = await freshBucket({ partSize: 5 * MiB });
  t.teardown(() => b.cleanup());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-s3-changed-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const url = new URL(b.server.endpoint);
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
  t.teardown(() => proxy.close());
  // One range at a time; the answer to the second range's request is held until the object is replaced.
  proxy.hold({ pattern: Buffer.from(`bytes=${5 * MiB}-`), nth: 1, ms: Infinity });
  const backend = new S3Backend(s3Options(b.server, b.bucket, { endpoint: `http://127.0.0.1:${proxy.port}`, partSize: 5 * MiB, downloadQueueSize: 1 }));
  t.teardown(() => backend.destroy());
  await b.backend.put('obj', randomBytes(3 * 5 * MiB));
  const dest = path.join(dir, 'obj');
  const download = backend.download('obj', dest);
  // The first range is in the file: the second one's request is on its way or held.
  for (const deadline = Date.now() + 60_000; !(fs.existsSync(dest) && fs.statSync(dest).size >= 5 * MiB);) {
    if (Date.now() > deadline) throw new Error('the first range never arrived');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await b.backend.put('obj', randomBytes(3 * 5 * MiB));
  proxy.release();
  const err = await t.throwsAsync(download, { instanceOf: MgBackupError });
  t.is(err!.kind, 'integrity', err!.message);
  t.is(err!.exitCode, 14);
  t.is(err!.message, `object "obj" in "${backend.location}" changed while it was downloaded`);
  t.false(fs.existsSync(dest));
});
