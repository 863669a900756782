// In-process gzip/zstd (node:zlib) checked against independent oracles: the zstd and gzip command-line
// programs must read what mgbackup writes, and mgbackup must read what they write.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import {
  checkLevel, classifyInputError, createCompressor, decompressed, type Compression,
} from '../../src/io/compression.js';

const zstdCli = spawnSync('zstd', ['--version']).status === 0;
const zstdTest = zstdCli ? test : test.skip;
if (!zstdCli) console.log('skipping the zstd CLI interoperability tests: no zstd program on PATH (bash scripts/ensure-tools.sh installs it)');

/** Text that compresses like a dump: repetitive statements with varying numbers and random ids. */
function dumpLikeText(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`CREATE (:__mg_vertex__:\`Person\` {__mg_id__: ${i}, \`name\`: "${crypto.randomBytes(6).toString('hex')}", \`age\`: ${i % 97}});`);
  }
  return Buffer.from(out.join('\n') + '\n');
}

async function compress(c: Compression, input: Buffer, level?: number): Promise<Buffer> {
  const z = createCompressor(c, level)!;
  const done = buffer(z);
  await pipeline(Readable.from([input]), z);
  return Buffer.from(await done);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-compress-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

zstdTest('the zstd CLI decompresses what mgbackup wrote, and its checksum check passes', async (t) => {
  const plain = dumpLikeText(20_000);
  const file = path.join(tmp, 'ours.zst');
  fs.writeFileSync(file, await compress('zstd', plain));
  const check = spawnSync('zstd', ['-t', '-q', file], { encoding: 'utf8' });
  t.is(check.status, 0, check.stderr);
  const r = spawnSync('zstd', ['-d', '-c', '-q', file], { maxBuffer: 64 << 20 });
  t.is(r.status, 0, r.stderr?.toString());
  t.true(r.stdout.equals(plain));
  // The frame says it carries a content checksum (as the CLI's own frames do).
  const list = spawnSync('zstd', ['-lv', file], { encoding: 'utf8' });
  t.regex(list.stdout, /Check:\s+XXH64/);
});

zstdTest('mgbackup decompresses what the zstd CLI wrote, at a high level, multithreaded, and as concatenated frames', async (t) => {
  const a = dumpLikeText(5_000);
  const b = dumpLikeText(3_000);
  const fa = path.join(tmp, 'a.txt');
  const fb = path.join(tmp, 'b.txt');
  fs.writeFileSync(fa, a);
  fs.writeFileSync(fb, b);
  const za = spawnSync('zstd', ['-19', '-q', '-c', fa]).stdout;
  const zb = spawnSync('zstd', ['-T0', '-1', '-q', '--no-check', '-c', fb]).stdout;
  for (const [bytes, want] of [[za, a], [zb, b], [Buffer.concat([za, zb]), Buffer.concat([a, b])]] as const) {
    const out = await buffer(await decompressed(Readable.from([bytes]), 'x'));
    t.true(Buffer.from(out).equals(want));
  }
});

test('gzip: the gzip program reads what mgbackup wrote', async (t) => {
  const plain = dumpLikeText(5_000);
  const file = path.join(tmp, 'ours.gz');
  fs.writeFileSync(file, await compress('gzip', plain));
  const r = spawnSync('gzip', ['-d', '-c', file], { maxBuffer: 64 << 20 });
  t.is(r.status, 0, r.stderr?.toString());
  t.true(r.stdout.equals(plain));
});

test('levels change the output: zstd 19 is smaller than zstd 1, gzip 9 smaller than gzip 1, and both read back', async (t) => {
  const plain = dumpLikeText(20_000);
  for (const c of ['zstd', 'gzip'] as const) {
    const [lo, hi] = c === 'zstd' ? [1, 19] : [1, 9];
    const fast = await compress(c, plain, lo);
    const small = await compress(c, plain, hi);
    t.true(small.length < fast.length, `${c}: level ${hi} ${small.length} B vs level ${lo} ${fast.length} B`);
    for (const z of [fast, small]) t.true(Buffer.from(await buffer(await decompressed(Readable.from([z]), c))).equals(plain));
  }
});

test('the default zstd level is 3: its output is byte for byte that of an explicit level 3', async (t) => {
  const plain = dumpLikeText(20_000);
  const def = await compress('zstd', plain);
  t.true(def.equals(await compress('zstd', plain, 3)));
  t.false(def.equals(await compress('zstd', plain, 1)));
});

test('a level outside the range is a usage error quoting what was typed', (t) => {
  const e = t.throws(() => checkLevel('zstd', 23, '23'), { instanceOf: MgBackupError });
  t.is(e!.exitCode, 2);
  t.is(e!.message, 'compression level "23" is not valid for zstd');
  t.deepEqual(e!.hints, ['zstd takes a whole number from 1 to 19 (default 3)']);
  t.is(checkLevel('gzip', 9), 9);
  t.throws(() => checkLevel('gzip', 0), { message: 'compression level "0" is not valid for gzip' });
  t.is(checkLevel('none', 99), undefined);
});

test('a damaged zstd stream is an integrity error (exit 14), not garbage: truncation and a flipped byte', async (t) => {
  const plain = dumpLikeText(5_000);
  const z = await compress('zstd', plain);
  const flipped = Buffer.from(z);
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  for (const bad of [z.subarray(0, z.length - 7), flipped]) {
    const out = await decompressed(Readable.from([bad]), 'dump.zst');
    const err = await t.throwsAsync(buffer(out));
    // load turns codec errors into this typed error; check it recognises this one.
    const typed = classifyInputError(err, 'dump.zst');
    t.is(typed.exitCode, 14, `${(err as Error).message}`);
    t.regex(typed.message, /^compressed input "dump\.zst" is truncated or corrupt/);
  }
});
