// The one behaviour every RepoBackend must show (local folder, memory, S3). Each backend's test file
// calls backendContract with a factory; only this file states what "correct" means.
import type { ExecutionContext, TestFn } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MgBackupError } from '../../src/errors/errors.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteKeys, dirNames, listAll, type RepoBackend } from '../../src/repo/repo-backend.js';
import { downloadObject } from '../../src/store/remote-store.js';

export interface BackendSetup {
  backend: RepoBackend;
  cleanup(): Promise<void>;
}

/** A fresh, empty repository for each call. */
export type BackendFactory = () => Promise<BackendSetup>;

async function bytesOf(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function backendContract(test: TestFn, name: string, factory: BackendFactory): void {
  const withBackend = (fn: (t: ExecutionContext, b: RepoBackend) => Promise<void>) => async (t: ExecutionContext) => {
    const s = await factory();
    try {
      await fn(t, s.backend);
    } finally {
      await s.cleanup();
    }
  };

  test(`${name}: put then get returns the same bytes, size and sha256`, withBackend(async (t, b) => {
    const data = randomBytes(300_000);
    const res = await b.put('a/b/c.bin', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    t.deepEqual(res, { size: data.length, sha256: sha(data) });
    t.true((await bytesOf(await b.get('a/b/c.bin'))).equals(data));
    t.true(Buffer.from(await b.getBytes('a/b/c.bin')).equals(data));
    const st = await b.stat('a/b/c.bin');
    t.is(st?.key, 'a/b/c.bin');
    t.is(st?.size, data.length);
    t.true(Number.isFinite(st?.mtimeMs));
  }));

  test(`${name}: put without a digest stores the same bytes from many small pieces; the size is right, the sha256 empty or right`, withBackend(async (t, b) => {
    // Pieces as an encrypting wrapper sends them: 64 KiB bodies and 16-byte tags, more than one write batch.
    const pieces: Buffer[] = [];
    for (let i = 0; i < 40; i++) pieces.push(randomBytes(65536), randomBytes(16));
    const data = Buffer.concat(pieces);
    const res = await b.put('pieces.bin', Readable.from(pieces), { digest: false });
    t.is(res.size, data.length);
    t.true(res.sha256 === '' || res.sha256 === sha(data), res.sha256);
    t.true((await bytesOf(await b.get('pieces.bin'))).equals(data));
  }));

  test(`${name}: an empty object is an object`, withBackend(async (t, b) => {
    t.deepEqual(await b.put('empty', new Uint8Array()), { size: 0, sha256: sha(new Uint8Array()) });
    t.is((await b.stat('empty'))?.size, 0);
    t.is((await b.getBytes('empty')).length, 0);
  }));

  test(`${name}: get with a range returns exactly those bytes`, withBackend(async (t, b) => {
    const data = randomBytes(10_000);
    await b.put('r', data);
    t.true((await bytesOf(await b.get('r', { start: 100, end: 250 }))).equals(data.subarray(100, 250)));
    t.true((await bytesOf(await b.get('r', { start: 9_990 }))).equals(data.subarray(9_990)));
    t.true((await bytesOf(await b.get('r', { end: 10 }))).equals(data.subarray(0, 10)));
  }));

  test(`${name}: put replaces an object whole`, withBackend(async (t, b) => {
    await b.put('x', Buffer.from('first version, longer'));
    await b.put('x', Buffer.from('second'));
    t.is(Buffer.from(await b.getBytes('x')).toString(), 'second');
  }));

  test(`${name}: a put whose body fails leaves no object and no listing entry`, withBackend(async (t, b) => {
    async function* failing() {
      yield Buffer.alloc(70_000, 1);
      throw new Error('source broke');
    }
    await t.throwsAsync(b.put('broken/obj', Readable.from(failing())));
    t.is(await b.stat('broken/obj'), undefined);
    t.deepEqual(await listAll(b, ''), []);
  }));

  test(`${name}: a put whose body fails keeps the previous version`, withBackend(async (t, b) => {
    await b.put('keep', Buffer.from('old'));
    async function* failing() {
      yield Buffer.from('new partial');
      throw new Error('source broke');
    }
    await t.throwsAsync(b.put('keep', Readable.from(failing())));
    t.is(Buffer.from(await b.getBytes('keep')).toString(), 'old');
  }));

  test(`${name}: missing objects are notFound for get and getBytes, undefined for stat`, withBackend(async (t, b) => {
    for (const read of [() => b.get('nope/x'), () => b.getBytes('nope/x')]) {
      const err = await t.throwsAsync(read(), { instanceOf: MgBackupError });
      t.is(err!.kind, 'notFound');
      t.true(err!.message.includes('"nope/x"'), err!.message);
    }
    t.is(await b.stat('nope/x'), undefined);
  }));

  test(`${name}: list yields every key under a prefix in byte order, with sizes`, withBackend(async (t, b) => {
    const keys = ['b/2', 'a/x/1', 'a-b', 'a/y', 'a/x/0', 'c', 'a/x-1', 'ab'];
    for (const [i, k] of keys.entries()) await b.put(k, Buffer.alloc(i + 1));
    const all = await listAll(b, '');
    t.deepEqual(all.map((o) => o.key), [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    t.deepEqual(all.map((o) => o.size), all.map((o) => keys.indexOf(o.key) + 1));
    t.deepEqual((await listAll(b, 'a/')).map((o) => o.key), ['a/x-1', 'a/x/0', 'a/x/1', 'a/y']);
    t.deepEqual((await listAll(b, 'a/x')).map((o) => o.key), ['a/x-1', 'a/x/0', 'a/x/1']);
    t.deepEqual((await listAll(b, 'a')).map((o) => o.key), ['a-b', 'a/x-1', 'a/x/0', 'a/x/1', 'a/y', 'ab']);
    t.deepEqual(await listAll(b, 'zzz/'), []);
  }));

  test(`${name}: list pages through more keys than one request returns`, withBackend(async (t, b) => {
    const n = 1_100; // S3 returns at most 1,000 keys per ListObjectsV2 call
    const keys = Array.from({ length: n }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < n; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => b.put(k, Buffer.from(k))));
    t.deepEqual((await listAll(b, 'many/')).map((o) => o.key), keys);
  }));

  test(`${name}: delete removes an object and is idempotent`, withBackend(async (t, b) => {
    await b.put('d/1', Buffer.from('1'));
    await b.put('d/2', Buffer.from('2'));
    await b.delete('d/1');
    await b.delete('d/1');
    await b.delete('never/there');
    t.is(await b.stat('d/1'), undefined);
    t.deepEqual((await listAll(b, 'd/')).map((o) => o.key), ['d/2']);
  }));

  test(`${name}: deleteKeys (the batch delete where offered) removes every key given, and only those`, withBackend(async (t, b) => {
    const keys = Array.from({ length: 40 }, (_, i) => `batch/${i % 3}/${String(i).padStart(3, '0')}`);
    for (const k of keys) await b.put(k, Buffer.from(k));
    await deleteKeys(b, [...keys.filter((_, i) => i % 2 === 0), 'batch/never/there']);
    t.deepEqual((await listAll(b, 'batch/')).map((o) => o.key), keys.filter((_, i) => i % 2 === 1).sort());
    await deleteKeys(b, keys);
    t.deepEqual(await listAll(b, 'batch/'), []);
  }));

  test(`${name}: putIfAbsent creates once; exactly one of racing callers wins`, withBackend(async (t, b) => {
    t.true(await b.putIfAbsent('locks/one', Buffer.from('first')));
    t.false(await b.putIfAbsent('locks/one', Buffer.from('second')));
    t.is(Buffer.from(await b.getBytes('locks/one')).toString(), 'first');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => b.putIfAbsent('locks/race', Buffer.from(`caller ${i}`))),
    );
    t.is(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    t.is(Buffer.from(await b.getBytes('locks/race')).toString(), `caller ${winner}`);
    await b.delete('locks/race');
    t.true(await b.putIfAbsent('locks/race', Buffer.from('again')));
  }));

  test(`${name}: keys that could escape the repository are refused`, withBackend(async (t, b) => {
    for (const key of ['', '/abs', '../up', 'a/../b', 'a//b', 'a/./b', 'dir/']) {
      const err = await t.throwsAsync(b.put(key, Buffer.from('x')), { instanceOf: MgBackupError }, key);
      t.is(err!.kind, 'usage', key);
    }
    t.deepEqual(await listAll(b, ''), []);
  }));

  test(`${name}: an aborted put stores nothing`, withBackend(async (t, b) => {
    const ac = new AbortController();
    async function* slow() {
      yield Buffer.alloc(1024, 7);
      ac.abort(new Error('stop'));
      yield Buffer.alloc(1024, 7);
    }
    await t.throwsAsync(b.put('aborted', Readable.from(slow()), { signal: ac.signal }));
    t.is(await b.stat('aborted'), undefined);
  }));

  test(`${name}: downloadObject (the backend's download where it has one) writes new files with the object's bytes and sha256`, withBackend(async (t, b) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-contract-dl-'));
    try {
      for (const n of [0, 1, 300_000]) {
        const data = randomBytes(n);
        await b.put(`dl/${n}`, data);
        const dest = path.join(dir, String(n));
        t.deepEqual(await downloadObject(b, `dl/${n}`, dest, { size: n }), { size: n, sha256: sha(data) });
        t.true(fs.readFileSync(dest).equals(data));
        t.is(fs.statSync(dest).mode & 0o777, 0o600);
      }
      // An existing file is never overwritten; a missing key is notFound and leaves no file.
      await t.throwsAsync(downloadObject(b, 'dl/1', path.join(dir, '0')), { instanceOf: MgBackupError });
      t.is(fs.statSync(path.join(dir, '0')).size, 0);
      const err = await t.throwsAsync(downloadObject(b, 'dl/none', path.join(dir, 'none')), { instanceOf: MgBackupError });
      t.is(err!.kind, 'notFound');
      t.false(fs.existsSync(path.join(dir, 'none')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));

  test(`${name}: dirNames gives the folders one level below a prefix, in byte order, not the objects beside them`, withBackend(async (t, b) => {
    for (const k of ['top', 'b/1', 'a/x/1', 'a/x/2', 'a-b/1', 'a/y', 'c/d/e/f', 'ab/1']) await b.put(k, Buffer.from(k));
    t.deepEqual(await dirNames(b, ''), ['a', 'a-b', 'ab', 'b', 'c']);
    t.deepEqual(await dirNames(b, 'a/'), ['x']);
    t.deepEqual(await dirNames(b, 'c/'), ['d']);
    t.deepEqual(await dirNames(b, 'zzz/'), []);
  }));
}
