// zstd on every core (src/io/parallel-compress.ts behind createCompressor): the input becomes one frame
// per block, compressed at the same time and written in order. Checked against the zstd program as the
// oracle (it must give back the input byte for byte and count the frames we claim), and for what a
// stream must never do: reorder, hang on destroy or on a failing reader, or hold more than it says.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Duplex, PassThrough, Readable, Transform, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import test from 'ava';
import * as tar from 'tar';
import { BLOCK_SIZE, classifyInputError, createCompressor, decompressed, defaultTuning } from '../../src/io/compression.js';
import { ParallelCompress } from '../../src/io/parallel-compress.js';
import type { MgBackupError } from '../../src/errors/errors.js';
import { copyStored, forwardReadAt, openPlainFile } from '../../src/store/stored-file.js';
import { skipIf } from '../helpers/skip.js';

const zstdTest = skipIf(test, spawnSync('zstd', ['--version']).status === 0 ? undefined : 'no zstd program on PATH (bash scripts/ensure-tools.sh installs it)');
const B = BLOCK_SIZE;
const IN_FLIGHT = defaultTuning().inFlight;

/** Bytes that compress like a backup file: runs of random bytes between repeated records. */
function sample(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  const random = crypto.createHash('sha512');
  let block = random.update(String(seed)).digest();
  for (let at = 0, i = 0; at < n; i++) {
    if (i % 3 === 0) {
      block = crypto.createHash('sha512').update(block).digest();
      at += block.copy(out, at);
    } else {
      at += out.write(`vertex ${i} label Person prop 0x${(i % 4096).toString(16)};`, at);
    }
  }
  return out;
}

/** The input in pieces of `piece` bytes (0: as one buffer), so block cuts fall inside and across chunks. */
function source(input: Buffer, piece: number): Readable {
  if (piece === 0) return Readable.from([input]);
  return Readable.from((function* () {
    for (let i = 0; i < input.length; i += piece) yield input.subarray(i, i + piece);
  })());
}

async function compress(input: Buffer, piece = 0): Promise<Buffer> {
  const z = createCompressor('zstd')!;
  const out = buffer(z);
  await pipeline(source(input, piece), z);
  return Buffer.from(await out);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-pzstd-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What `zstd -l` counts in a file: data frames. */
function framesOf(file: string): number {
  const r = spawnSync('zstd', ['-l', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.split('\n')[1]!.trim().split(/\s+/)[0]);
}

zstdTest('sizes around the block size: one frame per started block, and zstd -d gives back the input byte for byte', async (t) => {
  const all = sample(3 * B + 7);
  for (const n of [0, 1, B - 1, B, B + 1, 3 * B + 7]) {
    const input = all.subarray(0, n);
    for (const piece of [0, 100_003]) {
      const z = await compress(input, piece);
      const file = path.join(tmp, `${n}-${piece}.zst`);
      fs.writeFileSync(file, z);
      t.is(framesOf(file), Math.max(1, Math.ceil(n / B)), `${n} bytes in pieces of ${piece}`);
      const r = spawnSync('zstd', ['-d', '-c', '-q', file], { maxBuffer: 64 << 20 });
      t.is(r.status, 0, r.stderr?.toString());
      t.true(r.stdout.equals(input), `${n} bytes in pieces of ${piece}: zstd -d differs`);
      // The streaming reader too, fed in small pieces so frames are split across chunks.
      t.true(Buffer.from(await buffer(await decompressed(source(z, 65_537), 'x'))).equals(input));
      if (piece === 0) t.true(z.equals(await compress(input, 100_003)), 'the output does not depend on how the input was chunked');
    }
  }
});

zstdTest('every frame keeps the content checksum and the level: frame 1 is the first block compressed alone', async (t) => {
  const input = sample(2 * B + 5, 2);
  const z = await compress(input);
  const first = await compress(input.subarray(0, B));
  t.true(z.subarray(0, first.length).equals(first));
  const file = path.join(tmp, 'check.zst');
  fs.writeFileSync(file, z);
  const list = spawnSync('zstd', ['-lv', file], { encoding: 'utf8' });
  t.regex(list.stdout, /Check:\s+XXH64/);
  t.regex(list.stdout, /# Zstandard Frames: 3/);
});

zstdTest('a damaged frame in the middle is caught: integrity error (14), and zstd -t fails too', async (t) => {
  const input = sample(3 * B, 3);
  const z = await compress(input);
  const first = await compress(input.subarray(0, B));
  const second = await compress(input.subarray(B, 2 * B));
  const bad = Buffer.from(z);
  bad[first.length + Math.floor(second.length / 2)]! ^= 0x40;
  const err = await t.throwsAsync(buffer(await decompressed(source(bad, 1 << 20), 'dump.zst')));
  const typed = classifyInputError(err, 'dump.zst');
  t.is(typed.exitCode, 14, (err as Error).message);
  const file = path.join(tmp, 'bad.zst');
  fs.writeFileSync(file, bad);
  t.not(spawnSync('zstd', ['-t', '-q', file]).status, 0);
});

/** A source of `total` bytes made on demand; `made()` is how many it has handed out, `sha256()` of them. */
function lazySource(total: number): { src: Readable; made: () => number; sha256: () => string } {
  const chunk = sample(1 << 18, 4);
  const hash = crypto.createHash('sha256');
  let made = 0;
  const src = new Readable({
    read() {
      if (made >= total) return void this.push(null);
      made += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { src, made: () => made, sha256: () => hash.copy().digest('hex') };
}

/** A sink that decompresses what it gets (node:zlib) and hashes the result. */
function unzipSink(hold: boolean): { sink: Writable; release: () => void; plain: () => Promise<{ size: number; sha256: string }> } {
  const unzip = zlib.createZstdDecompress();
  const hash = crypto.createHash('sha256');
  let size = 0;
  unzip.on('data', (c: Buffer) => { hash.update(c); size += c.length; });
  const ended = new Promise<void>((resolve, reject) => { unzip.on('end', resolve); unzip.on('error', reject); });
  let held: (() => void) | undefined;
  let released = !hold;
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      unzip.write(c);
      if (released) cb();
      else held = () => cb();
    },
    final(cb) { unzip.end(); cb(); },
  });
  const release = () => { released = true; held?.(); };
  return { sink, release, plain: async () => { await ended; return { size, sha256: hash.digest('hex') }; } };
}

/** Resolves once `value()` has not changed for `quiet` polls in a row (generous: the machine is shared). */
async function settled(value: () => number, quiet = 10, every = 100): Promise<number> {
  let last = -1;
  let same = 0;
  while (same < quiet) {
    await new Promise((r) => setTimeout(r, every));
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}

test('a reader that does not read holds the writer: the bytes taken stay within the stated bound, then all arrive', async (t) => {
  const total = 128 << 20;
  const { src, made, sha256 } = lazySource(total);
  const { sink, release, plain } = unzipSink(true);
  const done = pipeline(src, createCompressor('zstd')!, sink);
  const held = await settled(made);
  // Taken from the source: the blocks in flight and the one being gathered; the frame the sink holds and
  // the frame in the readable buffer (Node reads until 16 KiB are buffered, a frame overshoots that),
  // each a block of input; the stream buffers (source, writable side, pipe): below 2 MiB. Unbounded
  // would be all 128 MiB.
  const bound = (IN_FLIGHT + 3) * B + (2 << 20);
  t.true(held <= bound, `${held} bytes taken from the source with nobody reading; bound ${bound}`);
  release();
  await done;
  t.deepEqual(await plain(), { size: made(), sha256: sha256() });
  t.true(made() >= total);
});

test('destroyed mid-stream, while the writer is held: it closes, the pipeline fails, nothing is pushed after', async (t) => {
  const { src, made } = lazySource(256 << 20);
  const z = createCompressor('zstd')!;
  let after = 0;
  const { sink } = unzipSink(true);
  const done = pipeline(src, z, sink);
  await settled(made);
  z.destroy();
  z.on('data', () => { after++; });
  const err = await t.throwsAsync(done);
  t.is((err as NodeJS.ErrnoException).code, 'ERR_STREAM_PREMATURE_CLOSE');
  t.true(src.destroyed);
  // The blocks that were compressing finish on the thread pool; nothing of theirs comes out.
  await new Promise((r) => setTimeout(r, 500));
  t.is(after, 0);
});

test('a reader that destroys it from its first data event: it closes, and the source is destroyed', async (t) => {
  const { src } = lazySource(64 << 20);
  const z = createCompressor('zstd')!;
  let chunks = 0;
  z.on('data', () => { chunks++; z.destroy(new Error('enough')); });
  const err = await t.throwsAsync(pipeline(src, z));
  t.is((err as Error).message, 'enough');
  t.is(chunks, 1);
  t.true(src.destroyed);
});

test('a sink that fails ends the pipeline with its error and destroys the compressor and the source', async (t) => {
  const { src } = lazySource(256 << 20);
  const z = createCompressor('zstd')!;
  let seen = 0;
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      seen += c.length;
      cb(seen > (1 << 20) ? Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }) : null);
    },
  });
  const err = await t.throwsAsync(pipeline(src, z, sink));
  t.is((err as NodeJS.ErrnoException).code, 'ENOSPC');
  t.true(z.destroyed);
  t.true(src.destroyed);
});

/** An engine that compresses nothing: it fails on the block numbered `bad`, and counts destroys. */
function fakeEngines(bad: number): { make: () => Duplex; destroyed: () => number } {
  let n = 0;
  let destroyed = 0;
  const make = () => {
    const k = n++;
    const e = new Transform({
      transform(c: Buffer, _e, cb) {
        if (k === bad) setTimeout(() => cb(Object.assign(new Error('ZSTD_error_memory_allocation'), { code: 'ZSTD_error_memory_allocation' })), 20);
        else setTimeout(() => cb(null, Buffer.from(`[${k}:${c.length}]`)), 50 - k * 10 > 0 ? 50 - k * 10 : 1);
      },
    });
    e.on('close', () => { if (!e.writableFinished || !e.readableEnded) destroyed++; });
    return e;
  };
  return { make, destroyed: () => destroyed };
}

test('frames leave in input order even when later blocks finish first', async (t) => {
  const { make } = fakeEngines(-1);
  const z = new ParallelCompress(make, { blockSize: 10, inFlight: 3 });
  const out = buffer(z);
  await pipeline(Readable.from([Buffer.alloc(25), Buffer.alloc(17)]), z);
  t.is(Buffer.from(await out).toString(), '[0:10][1:10][2:10][3:10][4:2]');
});

test('an engine error fails the stream with that error and destroys the engines still at work', async (t) => {
  const { make, destroyed } = fakeEngines(1);
  const z = new ParallelCompress(make, { blockSize: 10, inFlight: 3 });
  const err = await t.throwsAsync(pipeline(Readable.from([Buffer.alloc(100)]), z, new PassThrough()));
  t.is((err as NodeJS.ErrnoException).code, 'ZSTD_error_memory_allocation');
  t.true(z.destroyed);
  t.true(destroyed() >= 1, 'the blocks after the failed one were dropped');
});

test('a repository file of several frames: stored, streamed back, read at offsets across a frame boundary, damage named', async (t) => {
  const input = sample(2 * B + 333, 5);
  const src = path.join(tmp, 'snapshot');
  fs.writeFileSync(src, input);
  const dest = path.join(tmp, 'snapshot.stored');
  const r = await copyStored(fs.createReadStream(src), dest, { codec: 'zstd' });
  t.deepEqual(r.plain, { size: input.length, sha256: crypto.createHash('sha256').update(input).digest('hex') });
  t.is(r.stored!.size, fs.statSync(dest).size);
  t.true(Buffer.from(await buffer(openPlainFile(dest, r.stored))).equals(input));
  const reader = forwardReadAt(() => openPlainFile(dest, r.stored));
  try {
    for (const at of [0, B - 10, 2 * B - 1, 2 * B + 300]) t.true((await reader.readAt(at, 20)).equals(input.subarray(at, at + 20)), `at ${at}`);
    t.true((await reader.readAt(5, 3)).equals(input.subarray(5, 8)), 'a read before the last one reopens');
  } finally {
    reader.close();
  }
  const bytes = fs.readFileSync(dest);
  bytes[bytes.length - 100]! ^= 0x08; // in the last frame
  fs.writeFileSync(dest, bytes);
  const err = await t.throwsAsync(buffer(openPlainFile(dest, r.stored, 'snapshots/x')));
  t.is((err as MgBackupError).exitCode, 14);
  t.regex((err as Error).message, /^backup file "snapshots\/x" does not decompress/);
});

test('gzip is cut the same way: one member per block, and gzip -d and the streaming reader give back the input', async (t) => {
  const input = sample(2 * B + 99, 6);
  const z = createCompressor('gzip')!;
  const out = buffer(z);
  await pipeline(source(input, 100_003), z);
  const gz = Buffer.from(await out);
  const first = createCompressor('gzip')!;
  const firstOut = buffer(first);
  await pipeline(Readable.from([input.subarray(0, B)]), first);
  const member = Buffer.from(await firstOut);
  t.true(gz.subarray(0, member.length).equals(member), 'member 1 is the first block compressed alone');
  t.deepEqual([...gz.subarray(member.length, member.length + 2)], [0x1f, 0x8b], 'member 2 starts right after it');
  const r = spawnSync('gzip', ['-d', '-c'], { input: gz, maxBuffer: 64 << 20 });
  t.is(r.status, 0, r.stderr?.toString());
  t.true(r.stdout.equals(input));
  t.true(Buffer.from(await buffer(await decompressed(source(gz, 65_537), 'x.gz'))).equals(input));
});

test('a .tar.gz of several members unpacks with tar as restore reads archives (gzip found by its magic)', async (t) => {
  const from = path.join(tmp, 'tar-src');
  const to = path.join(tmp, 'tar-out');
  fs.mkdirSync(path.join(from, 'backup'), { recursive: true });
  fs.mkdirSync(to);
  const big = sample(2 * B + 17, 7);
  fs.writeFileSync(path.join(from, 'backup', 'snapshot'), big);
  fs.writeFileSync(path.join(from, 'backup', 'manifest.json'), '{}');
  const archive = path.join(tmp, 'backup.tar.gz');
  await pipeline(tar.c({ cwd: from }, ['backup']), createCompressor('gzip')!, fs.createWriteStream(archive));
  await pipeline(fs.createReadStream(archive), tar.x({ cwd: to, strict: true }) as unknown as Writable);
  t.true(fs.readFileSync(path.join(to, 'backup', 'snapshot')).equals(big));
  t.is(fs.readFileSync(path.join(to, 'backup', 'manifest.json'), 'utf8'), '{}');
});
