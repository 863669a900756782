// indexWalTransactions / committedPrefixLength / cutWal at the edges: aborted (commit=false)
// transactions, torn tails of unfinalized files (every cut-off byte of the last transaction), a
// finalized file that comes up short, a live file whose two-phase-commit flag is still false or half
// flipped, and a file read through a descriptor rather than from memory.
import { closeSync, fstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { FdSource, decodeWal, replay } from '../../src/format/index.js';
import { committedPrefixLength, indexWalTransactions } from '../../src/format/wal-transactions.js';
import { cutWal } from '../../src/format/wal-cut.js';
import type { WalOp } from '../../src/format/wal-types.js';
import { fixtureSets } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { encodeWal } from './encoder.js';
import { dumpOf, graphAt } from './pitr-helpers.js';

const UUID = '6d1f0a52-3c1e-4b7e-9a43-0c2b9d51e7aa';
const v = (gid: bigint, label: string): WalOp[] => [{ op: 'vertexCreate', gid }, { op: 'vertexAddLabel', gid, label }];
const txs = [
  { timestamp: 10n, ops: v(1n, 'A') },
  { timestamp: 11n, commit: false, ops: v(2n, 'Aborted') },
  { timestamp: 12n, ops: v(3n, 'C') },
  { timestamp: 14n, ops: [{ op: 'vertexSetProperty' as const, gid: 1n, property: 'x', value: 5n }] },
  { timestamp: 15n, commit: false, ops: v(4n, 'AbortedLast') },
];

for (const version of [28, 30, 36, 37]) {
  test(`v${version}: aborted transactions are indexed as such, cut like any other, and skipped on replay`, (t) => {
    const wal = encodeWal(txs, { version, uuid: UUID, sequenceNumber: 0n, ...(version === 37 ? { summary: { finalized: true } } : {}) });
    const index = indexWalTransactions(wal, { name: '20260101000000000000_from_10_to_15' });
    t.deepEqual(index.transactions.map((x) => [x.commitTs, x.committed]), [[10n, true], [11n, false], [12n, true], [14n, true], [15n, false]]);
    // Frames: start, two ops, end (one op for ts 14): what Memgraph's num_deltas counts.
    t.deepEqual(index.transactions.map((x) => x.deltas), [4, 4, 4, 3, 4]);
    t.is(index.committedPrefixLength, wal.length);
    t.is(index.tail, undefined);
    for (const [ts, kept, lastTs] of [[10n, 1, 10n], [11n, 2, 10n], [13n, 3, 12n], [15n, 5, 14n]] as const) {
      const cut = cutWal(wal, ts, '20260101000000000000_from_10_to_15');
      t.is(cut.kept, kept, `kept at ${ts}`);
      t.is(cut.lastTs, lastTs, `last commit at ${ts}`);
      t.is(cut.name, '20260101000000000000_current');
      t.deepEqual(dumpOf(replay(undefined, [cut.bytes], { walNames: [cut.name] }).graph), dumpOf(graphAt(wal, ts)), `graph at ${ts}`);
    }
    t.false(dumpOf(graphAt(wal, 15n)).some((l) => l.includes('Aborted')), 'the reference skips aborted transactions too');
  });
}

test('a torn tail: every cut-off point inside the last transaction leaves the transactions before it', (t) => {
  for (const version of [14, 16, 28, 36, 37]) {
    const ops = version < 28 ? txs.filter((x) => x.commit !== false) : txs;
    const wal = encodeWal(ops, { version, uuid: UUID, sequenceNumber: 0n, ...(version === 37 ? { summary: { finalized: false } } : {}) });
    const full = indexWalTransactions(wal);
    const lastStart = full.transactions.at(-1)!.start;
    for (let end = lastStart + 1; end < wal.length; end++) {
      const torn = wal.subarray(0, end);
      const index = indexWalTransactions(torn, { name: '20260101000000000000_current' });
      t.is(index.transactions.length, full.transactions.length - 1, `v${version} cut at ${end}`);
      t.is(index.committedPrefixLength, lastStart);
      t.is(index.tail?.offset, lastStart);
      t.is(committedPrefixLength(torn), lastStart);
      // Cutting after the end keeps the committed prefix and drops the torn bytes.
      t.deepEqual(Buffer.from(cutWal(torn, 99n, '20260101000000000000_current').bytes), Buffer.from(wal.subarray(0, lastStart)));
    }
  }
});

test('a file with a finalized name or summary may not end short: that is damage, not a tail', (t) => {
  const wal = encodeWal(txs, { version: 37, uuid: UUID, sequenceNumber: 0n, summary: { finalized: true } });
  const short = wal.subarray(0, wal.length - 3);
  const e = t.throws(() => indexWalTransactions(short), { instanceOf: MgBackupError });
  t.is((e as MgBackupError).kind, 'integrity');
  const v36 = encodeWal(txs, { version: 36, uuid: UUID, sequenceNumber: 0n });
  t.throws(() => indexWalTransactions(v36.subarray(0, v36.length - 3), { name: '20260101000000000000_from_10_to_15' }), { instanceOf: MgBackupError });
  t.is(indexWalTransactions(v36.subarray(0, v36.length - 3), { name: '20260101000000000000_current' }).transactions.length, 4);
});

const fixtures = fixtureSets().filter((s) => s.name === 'v36/test_all' || s.name === 'v37/test_all');
skipIf(test, fixtures.length === 2 ? undefined : 'the v36/v37 fixtures are missing')('Memgraph-written files: a v36 copy cut mid-transaction is a torn _current, a finalized v37 one is refused', (t) => {
  for (const set of fixtures) {
    const wal = readFileSync(path.join(set.dir, 'wal.bin'));
    const full = indexWalTransactions(wal);
    t.true(full.transactions.length > 10);
    t.true(full.transactions.every((x) => x.committed));
    t.is(full.committedPrefixLength, wal.length);
    const tenth = full.transactions[9]!;
    const torn = wal.subarray(0, tenth.end - 5);
    if (set.version === 36) {
      const index = indexWalTransactions(torn, { name: '20260101000000000000_current' });
      t.is(index.transactions.length, 9);
      t.is(index.committedPrefixLength, tenth.start);
    } else {
      // The v37 fixture states its delta count: replaying short of it fails recovery (wal.cpp:2252-2260).
      t.throws(() => indexWalTransactions(torn), { instanceOf: MgBackupError });
    }
  }
});

test('live: a last transaction with commit=false is not yet part of the committed prefix; a half-flipped flag is not damage', (t) => {
  const pending = [...txs.slice(0, 4), { timestamp: 15n, commit: false, ops: v(4n, 'D') }];
  const wal = encodeWal(pending, { version: 36, uuid: UUID, sequenceNumber: 0n });
  const done = indexWalTransactions(wal);
  const lastStart = done.transactions.at(-1)!.start;
  t.is(done.committedPrefixLength, wal.length, 'read as a finished file, the aborted transaction is complete');
  const live = indexWalTransactions(wal, { live: true });
  t.is(live.committedPrefixLength, lastStart);
  t.regex(live.tail!.reason, /not committed yet/);
  // UpdateCommitStatus writes the flag byte (after SECTION_DELTA, u64 ts, TRANSACTION_START, TYPE_BOOL)
  // before it patches the CRC: a reader in between sees the new flag and the old CRC.
  const half = Buffer.from(wal);
  t.is(half[lastStart + 12], 0x00);
  half[lastStart + 12] = 0xff;
  const halfLive = indexWalTransactions(half, { live: true });
  t.is(halfLive.committedPrefixLength, lastStart);
  t.regex(halfLive.tail!.reason, /still being committed/);
  t.throws(() => indexWalTransactions(half), { instanceOf: MgBackupError, message: /checksum mismatch/ });
  // Any other mismatch stays damage, live or not.
  const other = Buffer.from(wal);
  const label = other.subarray(0, wal.length - 9).lastIndexOf(0x44); // the label "D" of the last transaction
  t.true(label > lastStart);
  other[label] = 0x45;
  t.throws(() => indexWalTransactions(other, { live: true }), { instanceOf: MgBackupError, message: /checksum mismatch/ });
  // Once the flip is complete, the transaction is committed and in the prefix.
  const flipped = encodeWal([...txs.slice(0, 4), { timestamp: 15n, ops: v(4n, 'D') }], { version: 36, uuid: UUID, sequenceNumber: 0n });
  t.is(indexWalTransactions(flipped, { live: true }).committedPrefixLength, flipped.length);
});

test('through a file descriptor: the same index, and a header-only file has an empty prefix', (t) => {
  const wal = encodeWal(txs, { version: 37, uuid: UUID, sequenceNumber: 4n, summary: { finalized: false } });
  const file = path.join(os.tmpdir(), `mgbackup-walidx-${process.pid}`);
  writeFileSync(file, wal.subarray(0, wal.length - 7));
  const fd = openSync(file, 'r');
  try {
    const index = indexWalTransactions(new FdSource(fd, fstatSync(fd).size), { name: '20260101000000000004_current' });
    t.deepEqual(index, indexWalTransactions(wal.subarray(0, wal.length - 7), { name: '20260101000000000004_current' }));
    t.is(index.transactions.length, 4);
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  const empty = encodeWal([], { version: 37, uuid: UUID, sequenceNumber: 0n, summary: { finalized: false } });
  const index = indexWalTransactions(empty);
  t.deepEqual(index.transactions, []);
  t.is(index.committedPrefixLength, index.info.deltasOffset);
  t.is(index.committedPrefixLength, empty.length);
  t.is(decodeWal(empty).transactions.length, 0);
});

test('resume: indexing a grown file from an earlier index reads only what was appended and gives the same index', (t) => {
  for (const version of [16, 36, 37]) {
    const all = version < 28 ? txs.filter((x) => x.commit !== false) : txs;
    const wal = encodeWal(all, { version, uuid: UUID, sequenceNumber: 2n, ...(version === 37 ? { summary: { finalized: false } } : {}) });
    const full = indexWalTransactions(wal, { name: '20260101000000000002_current' });
    const k = full.transactions.findIndex((x) => x.commitTs === 14n);
    // Watch saw the file while the transaction at 14 was half written, and again when all was there.
    const early = indexWalTransactions(wal.subarray(0, full.transactions[k]!.start + 7), { name: '20260101000000000002_current', live: true });
    t.is(early.transactions.length, k);
    const resumed = indexWalTransactions(wal, { name: '20260101000000000002_current', live: true, resume: early });
    t.deepEqual(resumed.transactions, indexWalTransactions(wal, { name: '20260101000000000002_current', live: true }).transactions, `v${version}`);
    // Resuming reads from the old prefix on: damage before it is not seen again, damage after it is.
    const damaged = Buffer.from(wal);
    damaged[early.committedPrefixLength] = 0x00;
    t.throws(() => indexWalTransactions(damaged, { name: '20260101000000000002_current', resume: early }), { instanceOf: MgBackupError });
    // Another file under the same name (other sequence number) is indexed from its start.
    const other = encodeWal(all.slice(0, 1), { version, uuid: UUID, sequenceNumber: 3n, ...(version === 37 ? { summary: { finalized: false } } : {}) });
    t.is(indexWalTransactions(other, { resume: early }).transactions.length, 1);
  }
});

test('replay: a torn `_current` twin of a finalized file (a copy taken during a LOCK) is read as unfinalized', (t) => {
  const full = encodeWal(txs, { version: 36, uuid: UUID, sequenceNumber: 0n });
  const twin = full.subarray(0, indexWalTransactions(full).transactions[3]!.start + 5);
  const next = encodeWal([{ timestamp: 20n, ops: v(9n, 'Next') }], { version: 36, uuid: UUID, sequenceNumber: 1n });
  const names = ['20260101000000000000_current', '20260101000000000000_from_10_to_15', '20260101000000000001_current'];
  const res = replay(undefined, [twin, full, next], { walNames: names });
  t.is(res.lastTimestamp, 20n);
  t.deepEqual(dumpOf(res.graph).filter((l) => !l.includes('Next')), dumpOf(graphAt(full, 15n)));
  // A torn file followed by a higher sequence number is damage: it was finalized before the next began.
  t.throws(() => replay(undefined, [twin, next], { walNames: [names[0]!, names[2]!] }), { instanceOf: MgBackupError });
});
