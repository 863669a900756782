// `mgbackup convert --to-ts TS` through the built CLI: the graph as of a commit timestamp. At the last
// commit the output equals the dump Memgraph itself recorded for the fixture; at earlier targets it
// equals the whole WAL replayed with only the transactions at or before the target (and a snapshot
// taken later than the target is passed over). Refusals: outside the window (12, naming it), behind
// a hole (14, naming the missing sequence number), not a number (2).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { decodeWal } from '../../src/format/index.js';
import { encodeSnapshot } from '../format/encoder.js';
import { dumpOf, graphAt } from '../format/pitr-helpers.js';
import { splitWal } from '../format/wal-chain-split.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mgbackup-convert-to-ts-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, bytes: Uint8Array): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const sets = fixtureSets().filter((s) => ['v14/test_all', 'v30/test_edges', 'v36/test_all', 'v37/test_all'].includes(s.name));
const t = skipIf(test, sets.length === 4 ? undefined : NO_FIXTURES_REASON);
const canonical = (text: string): string[] => canonicalDump(text.split('\n'));

for (const set of sets) {
  t(`${set.name}: --to-ts at the last commit prints the dump Memgraph recorded; earlier targets the graph at that commit`, async (tt) => {
    const walPath = path.join(set.dir, 'wal.bin');
    const snapPath = path.join(set.dir, 'snapshot.bin');
    const wal = readFileSync(walPath);
    const { transactions } = decodeWal(wal);
    const last = transactions.at(-1)!.timestamp;
    const atLast = await runCli(['convert', snapPath, walPath, '--to-ts', String(last)]);
    tt.is(atLast.code, 0, atLast.stderr);
    tt.is(atLast.stderr, '');
    tt.deepEqual(canonical(atLast.stdout), canonicalDump(readFileSync(path.join(set.dir, 'expected_wal.cypher'), 'utf8').split('\n')));
    // The fixture's snapshot holds everything up to the last commit: an earlier target is restored
    // from the WAL (sequence 0) alone, cut at the target.
    for (const tx of [transactions[1]!, transactions[Math.floor(transactions.length / 2)]!]) {
      const r = await runCli(['convert', snapPath, walPath, '--to-ts', String(tx.timestamp)]);
      tt.is(r.code, 0, r.stderr);
      tt.deepEqual(canonical(r.stdout), dumpOf(graphAt(wal, tx.timestamp)), `target ${tx.timestamp}`);
    }
  });
}

t('a chain of files and a snapshot between them: each target exports the graph at it; refusals name the window or the hole', async (tt) => {
  const set = sets.find((s) => s.name === 'v36/test_all')!;
  const wal = readFileSync(path.join(set.dir, 'wal.bin'));
  const { info, transactions } = decodeWal(wal);
  const files = splitWal(wal, [20, 40, 60]).map((f) => ({ ...f, path: put(f.name, f.bytes) }));
  const tsS = transactions[30]!.timestamp;
  const snap = put(`20260101120000000500_timestamp_${tsS}`, encodeSnapshot(graphAt(wal, tsS),
    { version: 36, uuid: info.uuid, epochId: info.epochId, startTimestamp: tsS, durableTimestamp: tsS }));
  const all = files.map((f) => f.path);
  for (const ts of [tsS, tsS + 1n, files[2]!.fromTs, files[2]!.toTs, transactions[65]!.timestamp, transactions.at(-1)!.timestamp]) {
    const r = await runCli(['convert', snap, ...all, '--to-ts', String(ts)]);
    tt.is(r.code, 0, r.stderr);
    tt.deepEqual(canonical(r.stdout), dumpOf(graphAt(wal, ts)), `target ${ts}`);
  }
  const first = transactions[0]!.timestamp, last = transactions.at(-1)!.timestamp;
  const before = await runCli(['convert', snap, ...all.slice(1), '--to-ts', String(tsS - 1n)]);
  tt.is(before.code, 12);
  tt.is(before.stdout, '');
  tt.is(before.stderr, `mgbackup: error: target commit timestamp "${tsS - 1n}" is before the restore window (commit timestamps ${tsS} to ${last})\n`
    + `hint: the earliest restorable point is commit timestamp ${tsS}: older states are in no snapshot or wal file kept\n`);
  const after = await runCli(['convert', snap, ...all, '--to-ts', String(last + 1n)]);
  tt.is(after.code, 12);
  tt.regex(after.stderr, new RegExp(`is after the restore window \\(commit timestamps ${first} to ${last}\\)`));
  const hole = await runCli(['convert', snap, all[0]!, all[1]!, all[3]!, '--to-ts', String(last)]);
  tt.is(hole.code, 14);
  tt.is(hole.stdout, '');
  tt.regex(hole.stderr, /lies behind a hole in the wal chain: sequence number 2 is missing between/);
  const bad = await runCli(['convert', snap, ...all, '--to-ts', '12:30']);
  tt.is(bad.code, 2);
  tt.is(bad.stderr, 'mgbackup: error: --to-ts "12:30" is not a commit timestamp\n'
    + 'hint: give a whole number such as 812: the timestamps of wal files show in their names (_from_<ts>_to_<ts>) and in "mgbackup inspect"\n');
});
