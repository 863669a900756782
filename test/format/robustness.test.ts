// Damaged input never escapes as a foreign exception, hang or huge allocation: truncations and byte
// flips of real files give either a correct prefix of whole transactions (WAL) or a typed MgBackupError.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { decodeSnapshot, decodeWal, type WalContents } from '../../src/format/index.js';
import { NO_FIXTURES_REASON, fixturesRoot } from '../helpers/fixtures.js';

const root = fixturesRoot();
const file = (name: string): Buffer => readFileSync(path.join(root!, name));
const maybe = root === undefined ? test.skip : test;
if (root === undefined) test.skip(`robustness on fixtures: ${NO_FIXTURES_REASON}`, () => {});

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

maybe('byte flips in a v36 wal never change a transaction that is returned', (t) => {
  const rnd = prng(36);
  const orig = file('v36/test_all/wal.bin');
  const full = decodeWal(orig);
  const json = (w: WalContents): string[] => w.transactions.map((x) => JSON.stringify(x.ops, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v instanceof Map ? [...v] : v)));
  const want = json(full);
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.from(orig);
    const at = full.info.deltasOffset + Math.floor(rnd() * (bytes.length - full.info.deltasOffset));
    bytes[at] = bytes[at]! ^ (1 + Math.floor(rnd() * 255));
    const got = typed(() => decodeWal(bytes));
    if (got === undefined) continue;
    const ops = json(got);
    t.deepEqual(ops, want.slice(0, ops.length), `flip at ${at}`);
    t.true(got.transactions.every((x) => x.end <= at), `flip at ${at} inside a returned transaction`);
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
