// The S3 backend's failures, against the real server (Swift's s3api): refusals map to exit codes with
// hints, a connection cut mid-upload (a real TCP reset through test/helpers/tcp-proxy.ts) leaves
// nothing visible and the retry succeeds, a killed uploader's parts are collected by
// cleanupIncomplete(), and putIfAbsent's election holds under races between separate clients.
import { ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MgBackupError } from '../../src/errors/errors.js';
import { exitCodeOf } from '../../src/errors/codes.js';
import { listAll } from '../../src/repo/repo-backend.js';
import { S3Backend } from '../../src/repo/s3-backend.js';
import { adminClient, freshBucket, s3Options, s3TestServer } from '../helpers/s3-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A body in uneven chunks, as a pipe would deliver it. */
function chunked(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let off = 0, n = 1; off < data.length; off += n, n = (n * 7 + 65_521) % 900_001 + 1) pieces.push(data.subarray(off, off + n));
  return Readable.from(pieces);
}

async function uploadsIn(bucket: string, endpoint?: string): Promise<{ key: string; id: string }[]> {
  const s = await s3TestServer();
  const admin = adminClient(s, endpoint);
  try {
    const res = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (res.Uploads ?? []).map((u) => ({ key: u.Key!, id: u.UploadId! }));
  } finally {
    admin.destroy();
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('wrong credentials: authFailed (exit 11) with a hint, and the secret is not in the message', async (t) => {
  const b = await freshBucket();
  try {
    const s = b.server;
    const wrong = new S3Backend(s3Options(s, b.bucket, { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: 'not-the-secret-42' } }));
    const err = await t.throwsAsync(wrong.put('x', Buffer.from('x')), { instanceOf: MgBackupError });
    t.is(err!.kind, 'authFailed');
    t.is(err!.exitCode, 11);
    t.true(err!.hints.some((h) => h.includes('AWS_SECRET_ACCESS_KEY')), err!.hints.join('\n'));
    t.false(JSON.stringify({ m: err!.message, h: err!.hints, d: err!.details }).includes('not-the-secret-42'));
    wrong.destroy();
    t.deepEqual(await b.keys(), []);
  } finally {
    await b.cleanup();
  }
});

test('unknown bucket: notFound (exit 12) naming the bucket, for reads and writes alike', async (t) => {
  const s = await s3TestServer();
  const backend = new S3Backend(s3Options(s, 'mgb-no-such-bucket-here'));
  for (const op of [() => backend.put('a', Buffer.from('a')), () => backend.stat('a'), () => listAll(backend, '')]) {
    const err = await t.throwsAsync(op(), { instanceOf: MgBackupError });
    t.is(err!.kind, 'notFound');
    t.is(err!.exitCode, exitCodeOf('notFound'));
    t.regex(err!.message, /^bucket "mgb-no-such-bucket-here" does not exist at "http:\/\/127\.0\.0\.1:\d+"$/);
    t.true(err!.hints[0]!.includes('create the bucket'), err!.hints.join('\n'));
  }
  backend.destroy();
});

test('endpoint down: cannotConnect (exit 10) naming the endpoint, after the SDK\'s bounded retries', async (t) => {
  const s = await s3TestServer();
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const backend = new S3Backend(s3Options(s, 'any-bucket', { endpoint: `http://127.0.0.1:${port}` }));
  const err = await t.throwsAsync(backend.put('a', Buffer.from('a')), { instanceOf: MgBackupError });
  t.is(err!.kind, 'cannotConnect');
  t.is(err!.exitCode, 10);
  t.is(err!.message, `cannot reach the S3 endpoint "http://127.0.0.1:${port}" (ECONNREFUSED) to open bucket "any-bucket"`);
  t.true(err!.hints[0]!.includes('AWS_ENDPOINT_URL'));
  backend.destroy();
});

test('a connection cut mid-upload leaves no object and no upload behind; the retry stores the right bytes', async (t) => {
  const b = await freshBucket();
  const s = b.server;
  const url = new URL(s.endpoint);
  // Reset every connection when the request for part 2 starts (part 1 stored or in flight): part 2
  // never reaches the server, so the upload cannot complete however fast the machine is.
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) }, { pattern: Buffer.from('partNumber=2&'), when: 'before' });
  const backend = new S3Backend(s3Options(s, b.bucket, {
    endpoint: `http://127.0.0.1:${proxy.port}`, partSize: 5 * MiB, queueSize: 2, maxAttempts: 1,
  }));
  try {
    const data = randomBytes(13 * MiB);
    const err = await t.throwsAsync(backend.put('backups/big.bin', chunked(data)), { instanceOf: MgBackupError });
    t.true(proxy.cut);
    t.is(err!.kind, 'io', err!.message);
    t.regex(err!.message, /broke while trying to write object "backups\/big\.bin" \(ECONNRESET\)/);
    t.is(await backend.stat('backups/big.bin'), undefined);
    t.deepEqual(await listAll(backend, ''), []);
    t.deepEqual(await b.keys(), []);
    t.deepEqual(await uploadsIn(b.bucket), []);
    // The proxy forwards again (the rule fires once): the same call now completes.
    const res = await backend.put('backups/big.bin', chunked(data));
    t.deepEqual(res, { size: data.length, sha256: sha(data) });
    t.is(sha(await backend.getBytes('backups/big.bin')), sha(data));
    t.deepEqual(await uploadsIn(b.bucket), []);
  } finally {
    backend.destroy();
    await proxy.close();
    await b.cleanup();
  }
});

test('a connection cut mid-download fails the read with a typed error; a new get reads it whole', async (t) => {
  const b = await freshBucket();
  const url = new URL(b.server.endpoint);
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
  const backend = new S3Backend(s3Options(b.server, b.bucket, { endpoint: `http://127.0.0.1:${proxy.port}`, maxAttempts: 1 }));
  try {
    // Larger than the socket buffers on both sides of the proxy, so the cut loses bytes not yet read.
    const data = randomBytes(24 * MiB);
    await b.backend.put('big', data);
    const body = await backend.get('big');
    let got = 0;
    const err = await t.throwsAsync(async () => {
      for await (const c of body) {
        got += (c as Buffer).length;
        if (got > MiB && !proxy.cut) {
          proxy.cut = true;
          proxy.cutAll();
        }
      }
    }, { instanceOf: MgBackupError });
    t.true(got < data.length);
    t.is(err!.kind, 'io');
    t.regex(err!.message, /broke while trying to read object "big"/);
    t.is(sha(await backend.getBytes('big')), sha(data));
  } finally {
    backend.destroy();
    await proxy.close();
    await b.cleanup();
  }
});

test('a 13 MiB streamed put is a 3-part multipart upload that round-trips with the right sha256', async (t) => {
  const b = await freshBucket({ partSize: 5 * MiB, queueSize: 2 });
  try {
    const data = randomBytes(13 * MiB);
    const res = await b.backend.put('data/13mib.bin', chunked(data));
    t.deepEqual(res, { size: data.length, sha256: sha(data) });
    const hash = createHash('sha256');
    for await (const c of await b.backend.get('data/13mib.bin')) hash.update(c as Buffer);
    t.is(hash.digest('hex'), sha(data));
    t.is((await b.backend.stat('data/13mib.bin'))?.size, data.length);
    // The part count is in the multipart ETag ("<md5 of md5s>-3"): proof the multipart path ran.
    const admin = adminClient(b.server);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await admin.send(new HeadObjectCommand({ Bucket: b.bucket, Key: 'repo/data/13mib.bin' }));
    admin.destroy();
    t.regex(head.ETag ?? '', /-3"?$/);
  } finally {
    await b.cleanup();
  }
});

test('a killed uploader leaves an invisible multipart upload that cleanupIncomplete() aborts', async (t) => {
  const b = await freshBucket();
  const child = spawn(process.execPath, [
    fileURLToPath(new URL('./s3-put-child.js', import.meta.url)), JSON.stringify(s3Options(b.server, b.bucket)),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    const admin = adminClient(b.server);
    const upload = await waitFor('a stored part', async () => {
      if (child.exitCode !== null) throw new Error(`the uploader exited early: ${stderr}`);
      const [u] = await uploadsIn(b.bucket);
      if (u === undefined) return undefined;
      const parts = await admin.send(new ListPartsCommand({ Bucket: b.bucket, Key: u.key, UploadId: u.id }));
      return (parts.Parts ?? []).length > 0 ? u : undefined;
    });
    admin.destroy();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    t.is(upload.key, 'repo/killed/upload.bin');
    t.deepEqual(await listAll(b.backend, ''), []);
    t.is(await b.backend.stat('killed/upload.bin'), undefined);
    t.is(await b.backend.cleanupIncomplete(3_600_000), 0, 'a recent upload is kept when asked for old ones only');
    t.is((await uploadsIn(b.bucket)).length, 1);
    t.is(await b.backend.cleanupIncomplete(), 1);
    t.deepEqual(await uploadsIn(b.bucket), []);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await b.cleanup();
  }
});

test('putIfAbsent on Swift: If-None-Match gets 501, so the election runs; separate clients racing get one winner per round', async (t) => {
  const b = await freshBucket();
  const others = [0, 1].map(() => new S3Backend(s3Options(b.server, b.bucket)));
  try {
    const all = [b.backend, ...others];
    for (let round = 0; round < 3; round++) {
      const key = `locks/round-${round}`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => all[i % all.length]!.putIfAbsent(key, Buffer.from(`caller ${i}`))),
      );
      t.is(results.filter(Boolean).length, 1, `round ${round}: ${results.join(',')}`);
      t.is(Buffer.from(await b.backend.getBytes(key)).toString(), `caller ${results.indexOf(true)}`);
    }
    t.is(b.backend.putIfAbsentMode, 'election');
    // Only the objects remain: every caller removed its election record.
    t.deepEqual((await b.keys()).sort(), ['repo/locks/round-0', 'repo/locks/round-1', 'repo/locks/round-2']);
    t.deepEqual((await listAll(b.backend, '')).map((o) => o.key), ['locks/round-0', 'locks/round-1', 'locks/round-2']);
  } finally {
    for (const o of others) o.destroy();
    await b.cleanup();
  }
});

test('putIfAbsent election: a live rival record makes callers give up busy (13); a dead caller\'s record is cleared once stale', async (t) => {
  const b = await freshBucket({ conditionalWrites: 'never', election: { timeoutMs: 1_500 } });
  const admin = adminClient(b.server);
  const reaper = new S3Backend(s3Options(b.server, b.bucket, { conditionalWrites: 'never', election: { staleMs: 8_000 } }));
  try {
    // The record a caller leaves when it dies between writing its record and removing it.
    const dead = 'repo/.putIfAbsent/locks/a//0123456789abcdef';
    await admin.send(new PutObjectCommand({ Bucket: b.bucket, Key: dead, Body: new Uint8Array() }));
    const written = Date.now();
    const err = await t.throwsAsync(b.backend.putIfAbsent('locks/a', Buffer.from('x')), { instanceOf: MgBackupError });
    t.is(err!.kind, 'busy');
    t.is(err!.exitCode, 13);
    t.is(err!.message, 'could not create "locks/a" in "' + b.backend.location + '": other writers kept racing for it');
    t.is(await b.backend.stat('locks/a'), undefined);
    // Well past the reaper's staleness (8 s by the server's clock), the record is a dead caller's.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, written + 10_000 - Date.now())));
    t.true(await reaper.putIfAbsent('locks/a', Buffer.from('mine')));
    t.is(Buffer.from(await b.backend.getBytes('locks/a')).toString(), 'mine');
    t.deepEqual(await b.keys(), ['repo/locks/a']);
  } finally {
    reaper.destroy();
    admin.destroy();
    await b.cleanup();
  }
});
