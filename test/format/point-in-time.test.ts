// planPointInTime's choices and refusals: a hole in the chain (exit kind integrity, naming the missing
// sequence numbers) only when the target lies behind it, a later snapshot that bridges a hole, a
// `_current` twin of a finalized file staged once, a chain whose first file does not reach back to the
// snapshot, and a target outside the window (notFound, naming it). Real bytes where the replay matters.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { decodeWal } from '../../src/format/index.js';
import { planPointInTime, restoreIntervals, restoreWindow } from '../../src/format/point-in-time.js';
import { chainFor } from '../../src/format/recovery-chain.js';
import { fixtureSets } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { encodeSnapshot } from './encoder.js';
import { chainOf, dumpOf, graphAt, restoreAt, type TestSnapshot } from './pitr-helpers.js';
import { splitWal } from './wal-chain-split.js';

const w = (name: string, seq: number, span: [number, number]) => ({
  name, uuid: 'u', seqNum: BigInt(seq), span: () => ({ fromTs: BigInt(span[0]), toTs: BigInt(span[1]) }),
});
const snap = (ts: number, name = `20260101000000000000_timestamp_${ts}`) => ({ name, uuid: 'u', durableTs: BigInt(ts) });
const names = (ws: { name: string }[]) => ws.map((x) => x.name);

const chain = [
  w('20260101000000000001_from_1_to_10', 0, [1, 10]), w('20260101000000000002_from_11_to_20', 1, [11, 20]),
  w('20260101000000000005_from_41_to_50', 4, [41, 50]), w('20260101000000000006_from_51_to_60', 5, [51, 60]),
];

test('a target behind a hole is refused with exit kind integrity naming the missing sequence numbers', (t) => {
  t.deepEqual(restoreWindow([], chain), { from: 1n, to: 20n });
  const e = t.throws(() => planPointInTime([snap(5)], [...chain, w('20260101000000000009_from_71_to_80', 8, [71, 80])], 45n), { instanceOf: MgBackupError })!;
  t.is(e.kind, 'integrity');
  t.is(e.message, 'commit timestamp "45" lies behind a hole in the wal chain: sequence numbers 2 and 3 are missing between "20260101000000000002_from_11_to_20" and "20260101000000000005_from_41_to_50"');
  t.deepEqual(e.details, { missingSequenceNumbers: ['2', '3'], reachable: '20' });
  // Up to the hole is fine, and needs no file after it.
  const ok = planPointInTime([snap(5)], chain, 15n);
  t.deepEqual(names(ok.wals), ['20260101000000000001_from_1_to_10']);
  t.is(ok.cut?.name, '20260101000000000002_from_11_to_20');
  t.is(ok.snapshot?.durableTs, 5n);
  t.is(ok.upTo, 10n, 'the whole file ends at 10; the cut decides the rest');
  t.is(planPointInTime([], chain, 5n).upTo, undefined);
  t.is(planPointInTime([snap(5)], chain, 20n).upTo, 20n);
  // A gap of three names the range.
  const three = [w('20260101000000000001_from_1_to_10', 0, [1, 10]), w('20260101000000000005_from_41_to_50', 4, [41, 50]), w('20260101000000000006_from_51_to_60', 5, [51, 60])];
  t.throws(() => planPointInTime([], three, 55n), { message: /sequence numbers 1 to 3 are missing/ });
});

test('a snapshot after the hole bridges it: its chain starts at the file that reaches back to it', (t) => {
  const p = planPointInTime([snap(5), snap(44, '20260102000000000000_timestamp_44')], chain, 55n);
  t.is(p.snapshot?.durableTs, 44n);
  t.deepEqual(names(p.wals), ['20260101000000000005_from_41_to_50']);
  t.is(p.cut?.name, '20260101000000000006_from_51_to_60');
  t.deepEqual(restoreIntervals([snap(5), snap(44)], chain).map((i) => [i.from, i.to, i.hole?.missing]), [[1n, 20n, [2n, 3n]], [5n, 20n, [2n, 3n]], [44n, 60n, undefined]]);
  // Between the reach of the old base and the new snapshot there is nothing to restore from.
  t.throws(() => planPointInTime([snap(5), snap(44)], chain, 30n), { message: /lies behind a hole/ });
  // Exactly at the snapshot: the snapshot and the file reaching back to it, cut at its durable timestamp.
  const at = planPointInTime([snap(5), snap(44)], chain, 44n);
  t.deepEqual([at.snapshot?.durableTs, names(at.wals), at.cut?.name], [44n, [], '20260101000000000005_from_41_to_50']);
});

test('a target between two files needs no cut; a _current twin of a finalized file is staged once', (t) => {
  const p = planPointInTime([], chain.slice(0, 2), 10n);
  t.deepEqual([names(p.wals), p.cut], [['20260101000000000001_from_1_to_10'], undefined]);
  const twin = w('20260101000000000002_current', 1, [11, 14]);
  const q = planPointInTime([], [...chain.slice(0, 2), twin], 17n);
  t.deepEqual([names(q.wals), q.cut?.name], [['20260101000000000001_from_1_to_10'], '20260101000000000002_from_11_to_20']);
  const r = planPointInTime([], [...chain.slice(0, 2), twin], 13n);
  t.is(r.cut?.name, '20260101000000000002_from_11_to_20', 'the longer twin, cut');
});

test('outside the window: notFound naming it; a chain not reaching back to its snapshot leaves the snapshot alone', (t) => {
  const late = [w('20260101000000000005_from_41_to_50', 4, [41, 50])];
  t.deepEqual(restoreWindow([snap(30)], late), { from: 30n, to: 30n });
  // The file beyond the snapshot shows commits up to 50 happened: its predecessors are a hole, not the end.
  const e = t.throws(() => planPointInTime([snap(30)], late, 45n), { instanceOf: MgBackupError })!;
  t.is(e.kind, 'integrity');
  t.is(e.message, 'commit timestamp "45" lies in a stretch no wal file covers: the chain from snapshot "20260101000000000000_timestamp_30" ends at commit timestamp 30, and the wal files before "20260101000000000005_from_41_to_50" (sequence number 4) are missing');
  const after = t.throws(() => planPointInTime([snap(30)], late, 51n), { instanceOf: MgBackupError })!;
  t.is(after.kind, 'notFound');
  t.is(after.message, 'target commit timestamp "51" is after the restore window (commit timestamps 30 to 30)');
  t.deepEqual(planPointInTime([snap(30)], late, 30n).wals, []);
  t.throws(() => planPointInTime([snap(30)], late, 29n), { message: 'target commit timestamp "29" is before the restore window (commit timestamps 30 to 30)' });
  t.throws(() => planPointInTime([], late, 45n), { instanceOf: MgBackupError, message: /no snapshot and no wal chain from sequence number 0/ });
});

const v36 = fixtureSets().find((s) => s.name === 'v36/test_all');
skipIf(test, v36 ? undefined : 'the v36/test_all fixture is missing')('real bytes: every target up to a hole restores exactly, and what is staged passes the recovery rule', (t) => {
  const wal = readFileSync(path.join(v36!.dir, 'wal.bin'));
  const { info, transactions } = decodeWal(wal);
  const n = transactions.length;
  const files = splitWal(wal, [10, 25, 40, 55]);
  const holed = chainOf(files.filter((f) => f.seq !== 2n), info.uuid);
  const reach = files[1]!.toTs;
  for (let ts = transactions[0]!.timestamp; ts <= transactions[n - 1]!.timestamp; ts++) {
    if (ts <= reach) {
      const r = restoreAt([], holed, ts);
      t.deepEqual(dumpOf(r.graph), dumpOf(graphAt(wal, ts)), `target ${ts}`);
      t.notThrows(() => chainFor(undefined, r.staged.map((s) => ({ name: s.name, uuid: info.uuid, seqNum: decodeWal(s.bytes).info.sequenceNumber, span: () => ({ fromTs: 0n, toTs: 0n }) }))));
    } else {
      const e = t.throws(() => restoreAt([], holed, ts), { instanceOf: MgBackupError })!;
      t.is(e.kind, 'integrity', `target ${ts}`);
      t.deepEqual(e.details?.missingSequenceNumbers, ['2']);
    }
  }
  // A snapshot inside file 3 (after the hole) restores every later target.
  const tsS = transactions[45]!.timestamp;
  const snapshot: TestSnapshot = { name: `20260101120000000500_timestamp_${tsS}`, uuid: info.uuid, durableTs: tsS,
    bytes: encodeSnapshot(graphAt(wal, tsS), { version: 36, uuid: info.uuid, epochId: info.epochId, startTimestamp: tsS, durableTimestamp: tsS }) };
  for (let ts = tsS; ts <= transactions[n - 1]!.timestamp; ts++) {
    const r = restoreAt([snapshot], holed, ts);
    t.deepEqual(dumpOf(r.graph), dumpOf(graphAt(wal, ts)), `target ${ts} from the snapshot`);
    t.is(r.plan.wals[0]?.seq ?? r.plan.cut?.seq, 3n, 'the chain starts at the file that reaches back to the snapshot');
  }
});

test('one storage only: the newest snapshot gives the uuid, and files of another storage are no base', (t) => {
  const other = { ...w('20260101000000000001_from_1_to_10', 0, [1, 10]), uuid: 'elsewhere' };
  const ours = { ...snap(30, '20260105000000000000_timestamp_30'), uuid: 'u' };
  t.deepEqual(restoreWindow([ours], [other]), { from: 30n, to: 30n });
  t.throws(() => planPointInTime([ours], [other], 5n), { message: /is before the restore window \(commit timestamps 30 to 30\)/ });
  // Without a snapshot, the newest WAL's storage is the one.
  t.deepEqual(restoreWindow([], [other, w('20260102000000000001_from_3_to_8', 0, [3, 8])]), { from: 3n, to: 8n });
});
