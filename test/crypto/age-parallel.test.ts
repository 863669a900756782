// The batched payload paths (src/crypto/chunk-stream.ts): 1 MiB batches of 64 KiB chunks, sealed and opened
// on this thread or on worker threads and put back in order. Checked against the `age` CLI at sizes around
// chunk and batch boundaries, on both paths, and for damage that only position-bound chunks reveal: a
// chunk flipped in the middle, chunks swapped, the last chunk (or the last batch) missing.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { decryptStream, encryptStream, fileKeyOf, parseIdentityFile } from '../../src/crypto/age-crypto.js';
import { CHUNK, PayloadError, payloadKey, PLAIN_BATCH, SEALED_CHUNK } from '../../src/crypto/age-format.js';
import { chunkPool } from '../../src/crypto/chunk-pool.js';
import { openChunks, SEALED_BATCH } from '../../src/crypto/chunk-stream.js';
import { MgBackupError } from '../../src/errors/errors.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function scratch(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-agep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function keygen(dir: string): { file: string; identity: string; recipient: string } {
  const file = path.join(dir, 'key.txt');
  const r = spawnSync('age-keygen', ['-o', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  const text = fs.readFileSync(file, 'utf8');
  return { file, identity: parseIdentityFile(text, file)[0]!, recipient: /public key: (age1\S+)/.exec(text)![1]! };
}

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Reads until the stream fails; returns what came before and the error. */
async function readToError(s: Readable): Promise<{ got: Buffer; err: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  } catch (err) {
    return { got: Buffer.concat(chunks), err };
  }
  return { got: Buffer.concat(chunks), err: undefined };
}

/** Pieces of odd sizes, so batches do not follow the caller's buffers. */
const pieces = (data: Buffer) => [data.subarray(0, 7), data.subarray(7, 300_001), data.subarray(300_001)].filter((p) => p.length > 0);

// Workers from the first batch, from the second, and none: every path must write and read real age.
const PATHS = [
  { name: 'workers', opts: { threads: 2, inlineBatches: 0, spill: false } },
  { name: 'this thread, then workers', opts: { threads: 2, inlineBatches: 1, spill: false } },
  { name: 'this thread only', opts: { threads: 0, inlineBatches: 0, spill: false } },
] as const;

/** Runs `f` and checks that it did (or did not) hand batches to the worker threads. */
async function onWorkers<T>(t: ExecutionContext, expected: boolean, what: string, f: () => Promise<T>): Promise<T> {
  const before = chunkPool(2).jobs;
  const out = await f();
  t.is(chunkPool(2).jobs > before, expected, `${what}: ${expected ? 'ran' : 'did not run'} on the workers`);
  return out;
}

const SIZES = [0, 1, CHUNK, PLAIN_BATCH - 1, PLAIN_BATCH, PLAIN_BATCH + 1, 2 * PLAIN_BATCH + CHUNK, 3 * PLAIN_BATCH + 17];

// Serial: the workers' job count is the process's, and the other tests here use the workers too.
test.serial('at sizes around chunk and batch boundaries, on every path, `age -d` opens what we write and we open what `age -r` writes', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const ids = { identities: [key.identity], passphrases: [] };
  for (const size of SIZES) {
    const data = randomBytes(size);
    fs.writeFileSync(path.join(dir, 'plain'), data);
    const theirs = path.join(dir, 'theirs.age');
    const r = spawnSync('age', ['-r', key.recipient, '-o', theirs, path.join(dir, 'plain')]);
    t.is(r.status, 0, r.stderr.toString());
    for (const p of PATHS) {
      const ours = path.join(dir, 'ours.age');
      // The workers take batches from `inlineBatches` on: a first batch when it is not also the last.
      const workers = p.opts.threads > 0 && (p.opts.inlineBatches === 0 || size > PLAIN_BATCH);
      fs.writeFileSync(ours, await onWorkers(t, workers, `${p.name}, ${size}`, async () =>
        collect(await encryptStream(Readable.from(pieces(data)), { recipients: [key.recipient] }, p.opts))));
      const back = spawnSync('age', ['-d', '-i', key.file, ours], { maxBuffer: 1 << 26 });
      t.is(back.status, 0, `${p.name}, ${size}: ${back.stderr.toString()}`);
      t.is(sha(back.stdout), sha(data), `age CLI opens ours: ${p.name}, ${size} bytes`);
      const opened = await onWorkers(t, workers, `${p.name}, ${size}`, async () =>
        collect(await decryptStream(fs.createReadStream(theirs, { highWaterMark: 100_000 }), ids, 'theirs.age', p.opts)));
      t.is(sha(opened), sha(data), `we open the CLI's: ${p.name}, ${size} bytes`);
    }
  }
});

test('a damaged chunk in the middle is integrity (14) naming it, and nothing from its batch or after is passed on', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const data = randomBytes(3 * PLAIN_BATCH + 5000);
  fs.writeFileSync(path.join(dir, 'plain'), data);
  const file = path.join(dir, 'x.age');
  t.is(spawnSync('age', ['-r', key.recipient, '-o', file, path.join(dir, 'plain')]).status, 0);
  const stored = fs.readFileSync(file);
  const payload = stored.indexOf('\n--- ') + 1 + '--- '.length + 44 + 16; // header, MAC line, payload nonce
  const bad = Buffer.from(stored);
  bad[payload + 20 * SEALED_CHUNK + 1000]! ^= 0x40; // chunk 20: the second batch, chunk 4 of it
  for (const p of PATHS) {
    const { got, err } = await readToError(await decryptStream(Readable.from([bad]), { identities: [key.identity], passphrases: [] }, 'file "x.age"', p.opts));
    t.true(err instanceof MgBackupError, p.name);
    t.is((err as MgBackupError).kind, 'integrity', p.name);
    t.is((err as MgBackupError).message, 'file "x.age" is damaged: its encrypted data does not authenticate (chunk 20 does not authenticate)', p.name);
    t.true(got.length <= 16 * CHUNK, `${p.name}: ${got.length} bytes passed on`);
    t.true(got.equals(data.subarray(0, got.length)), `${p.name}: what came before is the plaintext`);
  }
});

test('two chunks swapped, the last chunk missing, or the whole last batch missing: integrity (14), never a shorter file', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const data = randomBytes(2 * PLAIN_BATCH + 3 * CHUNK + 100); // 36 chunks: batches of 16, 16 and 4
  const enc = await collect(await encryptStream(Readable.from([data]), { recipients: [key.recipient] }, { threads: 2, inlineBatches: 0, spill: false }));
  const payload = enc.indexOf('\n--- ') + 1 + '--- '.length + 44 + 16;
  const at = (i: number) => payload + i * SEALED_CHUNK;
  const swapped = Buffer.concat([enc.subarray(0, at(17)), enc.subarray(at(18), at(19)), enc.subarray(at(17), at(18)), enc.subarray(at(19))]);
  const cases = {
    swapped,
    'last chunk missing': enc.subarray(0, at(35)),
    'last batch missing': enc.subarray(0, payload + 2 * SEALED_BATCH),
    'one batch only': enc.subarray(0, payload + SEALED_BATCH),
    'cut inside the last chunk': enc.subarray(0, enc.length - 17),
  };
  for (const [name, bad] of Object.entries(cases)) {
    fs.writeFileSync(path.join(dir, 'bad.age'), bad);
    t.not(spawnSync('age', ['-d', '-i', key.file, '-o', path.join(dir, 'out'), path.join(dir, 'bad.age')]).status, 0, `the age CLI rejects it too: ${name}`);
    for (const p of PATHS) {
      const { got, err } = await readToError(await decryptStream(Readable.from([bad]), { identities: [key.identity], passphrases: [] }, 'f', p.opts));
      t.true(err instanceof MgBackupError, `${name}, ${p.name}`);
      t.is((err as MgBackupError).kind, 'integrity', `${name}, ${p.name}`);
      t.true(got.length < data.length && got.equals(data.subarray(0, got.length)), `${name}, ${p.name}`);
    }
  }
  t.is(sha(await collect(await decryptStream(Readable.from([enc]), { identities: [key.identity], passphrases: [] }, 'f'))), sha(data));
});

test('many streams at once share the workers and each gets its own bytes back', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const inputs = Array.from({ length: 6 }, (_, i) => randomBytes(PLAIN_BATCH + i * 77_777));
  const opts = { threads: 2, inlineBatches: 0, spill: false };
  const outs = await Promise.all(inputs.map(async (d) => {
    const enc = await collect(await encryptStream(Readable.from(pieces(d)), { recipients: [key.recipient] }, opts));
    return collect(await decryptStream(Readable.from([enc]), { identities: [key.identity], passphrases: [] }, 'f', opts));
  }));
  outs.forEach((o, i) => t.is(sha(o), sha(inputs[i]!), `stream ${i}`));
});

test('a process that encrypted on the workers exits by itself: idle workers do not keep it alive', (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const script = path.join(dir, 'enc.mjs');
  const mod = new URL('../../src/crypto/age-crypto.js', import.meta.url).href;
  fs.writeFileSync(script, `import { Readable } from 'node:stream';
import { encryptStream } from ${JSON.stringify(mod)};
const s = await encryptStream(Readable.from([Buffer.alloc(${3 * PLAIN_BATCH + 1})]), { recipients: [${JSON.stringify(key.recipient)}] }, { threads: 2, inlineBatches: 0 });
let n = 0;
for await (const c of s) n += c.length;
console.log(n);
`);
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  t.is(r.signal, null, 'it had to be killed');
  t.is(r.status, 0, r.stderr);
  t.true(Number(r.stdout) > 3 * PLAIN_BATCH);
});

test('a stream of strings encrypts as its bytes; destroying an output before reading it closes the source file', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const ids = { identities: [key.identity], passphrases: [] };
  const enc = await collect(await encryptStream(Readable.from(['grüße ', 'aus ', 'Memgraph']), { recipients: [key.recipient] }));
  t.is((await collect(await decryptStream(Readable.from([enc]), ids, 'f'))).toString(), 'grüße aus Memgraph');
  fs.writeFileSync(path.join(dir, 'x.age'), enc);
  for (const make of [
    (src: Readable) => decryptStream(src, ids, 'x.age'),
    (src: Readable) => encryptStream(src, { recipients: [key.recipient] }),
  ]) {
    const src = fs.createReadStream(path.join(dir, 'x.age'));
    const closed = new Promise<void>((resolve) => src.once('close', resolve));
    (await make(src)).destroy();
    await closed;
    t.true(src.destroyed);
  }
});

test('a ranged read from a chunk in the middle opens the same bytes on the workers as here, and only with the right end flag', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const ids = { identities: [key.identity], passphrases: [] };
  const data = randomBytes(2 * PLAIN_BATCH + 3 * CHUNK + 100); // chunks 0..35
  const enc = await collect(await encryptStream(Readable.from([data]), { recipients: [key.recipient] }));
  const end = enc.indexOf('\n--- ') + 1 + '--- '.length + 44;
  const fileKey = await fileKeyOf(enc.subarray(0, end), ids, 'f');
  const pkey = payloadKey(fileKey, enc.subarray(end, end + 16));
  const from = (chunk: number) => enc.subarray(end + 16 + chunk * SEALED_CHUNK);
  for (const opts of [{ threads: 2, inlineBatches: 0, spill: false }, { threads: 0 }]) {
    // Chunks 5 to the end: the last one carries the end flag.
    t.true((await collect(Readable.from(openChunks(pkey, [from(5)], { ...opts, first: 5 })))).equals(data.subarray(5 * CHUNK)));
    // Chunks 5 to 29 only: none carries it.
    const mid = from(5).subarray(0, 25 * SEALED_CHUNK);
    t.true((await collect(Readable.from(openChunks(pkey, [mid], { ...opts, first: 5, lastFinal: false })))).equals(data.subarray(5 * CHUNK, 30 * CHUNK)));
    // Claiming chunk 29 is the last, or numbering from the wrong chunk, does not authenticate.
    for (const wrong of [{ first: 5, lastFinal: true }, { first: 4, lastFinal: false }]) {
      const { err } = await readToError(Readable.from(openChunks(pkey, [mid], { ...opts, ...wrong })));
      t.true(err instanceof PayloadError, JSON.stringify(wrong));
    }
  }
});
