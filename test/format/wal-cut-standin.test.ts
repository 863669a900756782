// The independent check of point-in-time cuts: the files a restore stages (a snapshot, whole WAL files,
// the cut `_current` file) are written into a fresh data directory, the stand-in is started on it as a
// separate process, recovers by its own reading of Memgraph's startup rules (test/standin/engine/
// recovery.ts), and its DUMP, taken with the built CLI, must equal the graph at the target.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { spawnStandIn } from '../helpers/standin-process.js';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { decodeWal } from '../../src/format/index.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';
import { GRAMMAR_MISSING_REASON, availableGrammars } from '../grammar/memgraph-parser.js';
import { encodeSnapshot } from './encoder.js';
import { chainOf, dumpOf, graphAt, restoreAt, type TestSnapshot } from './pitr-helpers.js';
import { splitWal } from './wal-chain-split.js';

const PICKED = ['v14/test_all', 'v21/test_edges', 'v28/test_all', 'v36/test_all', 'v37/test_all'];
const sets = fixtureSets().filter((s) => PICKED.includes(s.name));
const reason = sets.length === 0 ? NO_FIXTURES_REASON : availableGrammars().length < 2 ? GRAMMAR_MISSING_REASON : undefined;
// One at a time: each test starts three stand-in processes, and the machine may be loaded.
const t = skipIf(test.serial, reason);

for (const set of sets) {
  t(`${set.name}: the stand-in started on a restored cut recovers the graph at the target`, async (tt) => {
    const wal = readFileSync(path.join(set.dir, 'wal.bin'));
    const { info, transactions } = decodeWal(wal);
    const n = transactions.length;
    const files = splitWal(wal, [Math.floor(n / 3), Math.floor((2 * n) / 3)]);
    const chain = chainOf(files, info.uuid);
    const tsS = transactions[Math.floor(n / 2)]!.timestamp;
    const snapshot: TestSnapshot = {
      name: `20260101120000000500_timestamp_${tsS}`, uuid: info.uuid, durableTs: tsS,
      bytes: encodeSnapshot(graphAt(wal, tsS), { version: info.version, uuid: info.uuid, epochId: info.epochId, startTimestamp: tsS, durableTimestamp: tsS }),
    };
    // Inside the first file (no snapshot yet), at a file boundary, and inside the last file (from the snapshot).
    const targets = [transactions[Math.floor(n / 6)]!.timestamp, files[1]!.toTs, transactions[Math.floor((5 * n) / 6)]!.timestamp];
    for (const ts of targets) {
      const r = restoreAt([snapshot], chain, ts);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'mgbackup-pitr-'));
      tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
      mkdirSync(path.join(dir, 'snapshots'));
      mkdirSync(path.join(dir, 'wal'));
      if (r.plan.snapshot !== undefined) writeFileSync(path.join(dir, 'snapshots', r.plan.snapshot.name), r.plan.snapshot.bytes);
      for (const s of r.staged) writeFileSync(path.join(dir, 'wal', s.name), s.bytes);
      const { uri, stop } = await spawnStandIn(['--port', '0', '--data-dir', dir, '--version', info.version >= 37 ? '3.13.0' : '3.12.0']);
      tt.teardown(stop);
      const dump = await runCli(['dump', '--uri', uri]);
      await stop();
      tt.is(dump.code, 0, dump.stderr);
      tt.deepEqual(canonicalDump(dump.stdout.split('\n')), dumpOf(graphAt(wal, ts)), `target ${ts} (${r.cut === undefined ? 'no cut' : `cut ${r.cut.name}`})`);
    }
  });
}
