// The proof of point-in-time restore on Memgraph's own files: every fixture WAL (versions 14-37) is
// split into a chain of three segments, an intermediate snapshot is made, and for a sample of targets
// (every file boundary, one before and after it, the snapshot's timestamp, every commit of a short
// file, seeded others) what a
// restore stages (planPointInTime + cutWal), replayed on its own, must equal the whole WAL replayed
// with only the transactions at or before the target. The last target is anchored to the dump
// Memgraph itself recorded. Cut files must read as unfinalized files with a valid header.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { decodeWal, decodeWalInfo } from '../../src/format/index.js';
import { restoreWindow } from '../../src/format/point-in-time.js';
import { walSpan } from '../../src/format/recovery-chain.js';
import { UNFINALIZED_SUMMARY } from '../../src/format/wal-cut.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { encodeSnapshot } from './encoder.js';
import { chainOf, dumpOf, graphAt, restoreAt, type TestSnapshot } from './pitr-helpers.js';
import { prng } from './prng.js';
import { splitWal } from './wal-chain-split.js';

const sets = fixtureSets();
if (sets.length === 0) test.skip(`point-in-time cuts of the fixture WALs: ${NO_FIXTURES_REASON}`, () => {});

/** Every commit timestamp of a file with up to this many transactions; otherwise a seeded sample. */
const ALL_UP_TO = 30;
/** Seeded extra targets per fixture besides the boundaries (the ranges are up to 150 long). */
const SAMPLED = 16;

sets.forEach((set, setIndex) => {
  test(`${set.name}: a restore at each sampled commit timestamp replays to the graph at that timestamp`, (t) => {
    const wal = readFileSync(path.join(set.dir, 'wal.bin'));
    const { info, transactions } = decodeWal(wal);
    const n = transactions.length;
    const files = splitWal(wal, [Math.floor(n / 3), Math.floor((2 * n) / 3)]);
    t.true(files.length >= 2, 'the fixture WAL splits into a chain');
    const chain = chainOf(files, info.uuid);
    const tsS = transactions[Math.floor(n / 2)]!.timestamp;
    const snapshot: TestSnapshot = {
      name: `20260101120000000500_timestamp_${tsS}`, uuid: info.uuid, durableTs: tsS,
      bytes: encodeSnapshot(graphAt(wal, tsS), { version: info.version, uuid: info.uuid, epochId: info.epochId, startTimestamp: tsS, durableTimestamp: tsS }),
    };
    const first = transactions[0]!.timestamp, last = transactions[n - 1]!.timestamp;
    t.deepEqual(restoreWindow([snapshot], chain), { from: first, to: last });
    // The reference is anchored to what Memgraph printed after recovering the whole WAL.
    t.deepEqual(dumpOf(graphAt(wal, last)), canonicalDump(readFileSync(path.join(set.dir, 'expected_wal.cypher'), 'utf8').split('\n')));

    const targets = new Set<bigint>([first, last, tsS, tsS - 1n]);
    for (const f of files) for (const x of [f.fromTs - 1n, f.fromTs, f.toTs, f.toTs + 1n]) targets.add(x);
    if (n <= ALL_UP_TO) for (const x of transactions) targets.add(x.timestamp);
    const rnd = prng(1000 + setIndex);
    for (let i = 0; i < SAMPLED; i++) targets.add(first + BigInt(Math.floor(rnd() * Number(last - first + 1n))));
    for (const ts of [...targets].filter((x) => x >= first && x <= last).sort((a, b) => (a < b ? -1 : 1))) {
      const r = restoreAt([snapshot], chain, ts);
      t.deepEqual(dumpOf(r.graph), dumpOf(graphAt(wal, ts)), `target ${ts}`);
      t.is(r.plan.snapshot?.name, ts >= tsS ? snapshot.name : undefined, `base for ${ts}`);
      const inside = files.find((f) => f.fromTs <= ts && ts < f.toTs);
      t.is(r.plan.cut?.name, inside?.name, `cut for ${ts}`);
      if (r.cut === undefined) continue;
      const kept = r.cut.transactions.slice(0, r.cut.kept);
      t.true(kept.every((x) => x.commitTs <= ts) && r.cut.transactions.slice(r.cut.kept).every((x) => x.commitTs > ts));
      t.regex(r.cut.name, /^\d{20}_current$/);
      // Our verifier reads the cut as an unfinalized file: header CRC valid, v37 summary all zeros
      // with its own CRC, no torn tail, and the span recovery would read from its deltas.
      const cutInfo = decodeWalInfo(r.cut.bytes, r.cut.name);
      t.is(cutInfo.sequenceNumber, inside!.seq);
      if (info.version >= 36) t.true(cutInfo.headerCrcOk);
      if (info.summary !== undefined) {
        t.deepEqual(cutInfo.summary, { fromTimestamp: 0n, toTimestamp: 0n, numDeltas: 0n });
        t.deepEqual(Buffer.from(r.cut.bytes.subarray(cutInfo.deltasOffset - 36, cutInfo.deltasOffset)), Buffer.from(UNFINALIZED_SUMMARY));
      }
      const decoded = decodeWal(r.cut.bytes, { name: r.cut.name, lenientEnums: true });
      t.is(decoded.tail, undefined);
      t.is(decoded.transactions.length, r.cut.kept);
      t.deepEqual(walSpan(r.cut.name, () => r.cut!.bytes), { fromTs: inside!.fromTs, toTs: kept.at(-1)!.commitTs });
    }
    // Outside the window: exit kind notFound, the message naming the window.
    const window = `commit timestamps ${first} to ${last}`;
    if (first > 0n) t.throws(() => restoreAt([snapshot], chain, first - 1n), { instanceOf: MgBackupError, message: new RegExp(`is before the restore window \\(${window}\\)`) });
    const after = t.throws(() => restoreAt([snapshot], chain, last + 1n), { instanceOf: MgBackupError, message: new RegExp(`is after the restore window \\(${window}\\)`) });
    t.is((after as MgBackupError).kind, 'notFound');
  });
});
