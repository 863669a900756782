// Damaged input never escapes as a foreign exception, hang or huge allocation: truncations and byte
// flips of real files give either a correct prefix of whole transactions (WAL) or a typed MgBackupError.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { decodeSnapshot, decodeWal, type WalContents } from '../../src/format/index.js';
import { NO_FIXTURES_REASON, fixturesRoot } from '../helpers/fixtures.js';
import { prng } from './prng.js';

const root = fixturesRoot();
const file = (name: string): Buffer => readFileSync(path.join(root!, name));
const maybe = root === undefined ? test.skip : test;
if (root === undefined) test.skip(`robustness on fixtures: ${NO_FIXTURES_REASON}`, () => {});

/** Runs fn; returns its result, or undefined when it threw an MgBackupError; anything else fails. */
function typed<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MgBackupError) return undefined;
    throw e;
  }
}

/** Cut points: every byte near the start and around transaction boundaries, plus a dense stride. */
function cutPoints(size: number, boundaries: number[], stride: number): number[] {
  const pts = new Set<number>();
  for (let i = 0; i < Math.min(size, 200); i++) pts.add(i);
  for (let i = 0; i < size; i += stride) pts.add(i);
  for (const b of boundaries) for (let d = -2; d <= 2; d++) if (b + d >= 0 && b + d < size) pts.add(b + d);
  return [...pts].sort((a, b) => a - b);
}

const txKey = (w: WalContents): string[] => w.transactions.map((t) => `${t.offset}-${t.end}-${t.timestamp}-${t.frames}`);

for (const name of ['v36/test_all/wal.bin', 'v30/test_edges/wal.bin', 'v14/test_edges/wal.bin', 'v16/test_all/wal.bin']) {
  maybe(`truncated ${name} yields exactly the complete transactions`, (t) => {
    const bytes = file(name);
    const full = decodeWal(bytes);
    const ends = full.transactions.map((x) => x.end);
    let prefixes = 0;
    for (const cut of cutPoints(bytes.length, ends, 5)) {
      const got = typed(() => decodeWal(bytes.subarray(0, cut)));
      if (got === undefined) {
        // Only a cut inside the header may fail outright.
        t.true(cut < full.info.deltasOffset, `cut ${cut} threw`);
        continue;
      }
      const complete = full.transactions.filter((x) => x.end <= cut).length;
      t.deepEqual(txKey(got), txKey(full).slice(0, complete), `cut ${cut}`);
      t.is(got.tail === undefined, cut === full.info.deltasOffset || ends.includes(cut), `tail at cut ${cut}`);
      prefixes++;
    }
    t.true(prefixes > 100);
  });
}

maybe('a truncated finalized v37 wal is an integrity error, never a silent prefix', (t) => {
  const bytes = file('v37/test_all/wal.bin');
  for (const cut of cutPoints(bytes.length, [], 97)) {
    const e = t.throws(() => decodeWal(bytes.subarray(0, cut)));
    t.true(e instanceof MgBackupError, `cut ${cut}: ${String(e)}`);
  }
});

for (const name of ['v37/test_all/snapshot.bin', 'v24/test_all/snapshot.bin', 'v15/test_edges/snapshot.bin']) {
  maybe(`truncated ${name} is always a typed error`, (t) => {
    const bytes = file(name);
    for (const cut of cutPoints(bytes.length, [], 7)) {
      const e = t.throws(() => decodeSnapshot(bytes.subarray(0, cut)));
      t.true(e instanceof MgBackupError, `cut ${cut}: ${String(e)}`);
    }
  });
}

maybe('random byte flips give a typed error or a decodable file, never another exception', (t) => {
  const rnd = prng(0x6d67);
  const names = ['v37/test_all/snapshot.bin', 'v36/test_all/wal.bin', 'v22/test_all/snapshot.bin', 'v20/test_all/wal.bin', 'v14/test_all/snapshot.bin'];
  let errors = 0;
  for (let i = 0; i < 400; i++) {
    const name = names[i % names.length]!;
    const bytes = Buffer.from(file(name));
    const at = Math.floor(rnd() * bytes.length);
    bytes[at] = bytes[at]! ^ (1 + Math.floor(rnd() * 255));
    const res = typed(() => (name.endsWith('wal.bin') ? decodeWal(bytes) : decodeSnapshot(bytes)));
    if (res === undefined) errors++;
  }
  t.true(errors > 0);
});

// Before issue 9 item 8 a flip that broke the frame layout was taken for a torn tail, and the
// transactions after it were dropped; every byte of a v36 file is under a CRC, so every flip must fail.
maybe('every byte flip in a v36 wal is an integrity error naming the offset', (t) => {
  const rnd = prng(36);
  const orig = file('v36/test_all/wal.bin');
  const full = decodeWal(orig);
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.from(orig);
    const at = full.info.deltasOffset + Math.floor(rnd() * (bytes.length - full.info.deltasOffset));
    bytes[at] = bytes[at]! ^ (1 + Math.floor(rnd() * 255));
    const e = t.throws(() => decodeWal(bytes), { instanceOf: MgBackupError }, `flip at ${at}`);
    t.is(e?.kind, 'integrity', `flip at ${at}`);
    t.regex(e?.message ?? '', / at offset \d+$/);
  }
});

maybe('a length field claiming more than the file holds fails before allocating', (t) => {
  const bytes = Buffer.from(file('v36/test_all/snapshot.bin'));
  // The mapper count: 2^40 entries would be terabytes.
  const { info } = decodeSnapshot(bytes);
  bytes.writeBigUInt64LE(1n << 40n, info.offsets.mapper! + 2);
  const e = t.throws(() => decodeSnapshot(bytes), { instanceOf: MgBackupError });
  t.regex(e!.message, /exceeds the remaining file size at offset \d+/);
});
