// copyAndHash reads a file stream directly (one reused buffer) and any other stream through the
// pipeline: both copy and hash exactly the bytes the stream would have given.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { copyAndHash, hashFile, IO_CHUNK } from '../../src/store/checksum.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-checksum-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const data = Buffer.alloc(3 * IO_CHUNK + 12345);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
const src = path.join(dir, 'src.bin');
fs.writeFileSync(src, data);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let n = 0;
const dest = () => path.join(dir, `dest-${n++}`);

test('a path read stream is copied whole, with its hash, mode 0600', async (t) => {
  const to = dest();
  const r = await copyAndHash(fs.createReadStream(src), to);
  t.deepEqual(r, { size: data.length, sha256: sha(data) });
  t.deepEqual(fs.readFileSync(to), data);
  t.is(fs.statSync(to).mode & 0o777, 0o600);
});

test('a file handle read stream over a range copies just that range and closes the handle', async (t) => {
  const fh = await fs.promises.open(src, 'r');
  const to = dest();
  let reported = 0;
  const r = await copyAndHash(fh.createReadStream({ start: 100, end: IO_CHUNK + 99, autoClose: true }), to, { onBytes: (b) => (reported += b) });
  const want = data.subarray(100, IO_CHUNK + 100);
  t.deepEqual(r, { size: want.length, sha256: sha(want) });
  t.deepEqual(fs.readFileSync(to), want);
  t.is(reported, want.length);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await t.throwsAsync(fh.stat(), { code: 'EBADF' });
});

test('a stream that is not a file is copied through the pipeline', async (t) => {
  const to = dest();
  const r = await copyAndHash(Readable.from([data.subarray(0, 10), data.subarray(10)]), to);
  t.deepEqual(r, { size: data.length, sha256: sha(data) });
});

test('a missing source is an io error naming the file, and leaves no stray error', async (t) => {
  const e = await t.throwsAsync(copyAndHash(fs.createReadStream(path.join(dir, 'nope')), dest()));
  t.regex(e!.message, /nope|ENOENT/);
});

test('an aborted copy stops with the abort reason', async (t) => {
  const ac = new AbortController();
  const reason = new Error('stop');
  const e = await t.throwsAsync(copyAndHash(fs.createReadStream(src), dest(), { signal: ac.signal, onBytes: () => ac.abort(reason) }));
  t.is(e, reason);
});

test('hashFile hashes the whole file', async (t) => {
  t.deepEqual(await hashFile(src), { size: data.length, sha256: sha(data) });
});
