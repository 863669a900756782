// A restore's cut files in a backup folder pass `mgbackup verify --deep` (the built CLI): the cut
// `_current` file reads as an unfinalized file (v37: zero summary with a valid CRC; v36: header CRC
// unchanged), its chain passes the recovery rule, and the deep replay yields the graph at the target.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { decodeWal } from '../../src/format/index.js';
import { fixtureSets } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';
import { writeFilesBackup } from '../restore/helpers.js';
import { encodeSnapshot } from './encoder.js';
import { chainOf, graphAt, restoreAt, type TestSnapshot } from './pitr-helpers.js';
import { splitWal } from './wal-chain-split.js';

const sets = fixtureSets().filter((s) => s.name === 'v36/test_all' || s.name === 'v37/test_all');
const t = skipIf(test, sets.length === 2 ? undefined : 'the v36/v37 test_all fixtures are missing');
const ID = '20260101T120000Z-0a0b0c0d';

for (const set of sets) {
  t(`${set.name}: a snapshot, a whole WAL and a cut _current pass verify --deep with the graph at the target`, async (tt) => {
    const wal = readFileSync(path.join(set.dir, 'wal.bin'));
    const { info, transactions } = decodeWal(wal);
    const n = transactions.length;
    const files = splitWal(wal, [Math.floor(n / 3), Math.floor((2 * n) / 3)]);
    const tsS = transactions[Math.floor(n / 2)]!.timestamp;
    const snapshot: TestSnapshot = {
      name: `20260101120000000500_timestamp_${tsS}`, uuid: info.uuid, durableTs: tsS,
      bytes: encodeSnapshot(graphAt(wal, tsS), { version: info.version, uuid: info.uuid, epochId: info.epochId, startTimestamp: tsS, durableTimestamp: tsS }),
    };
    const ts = transactions[n - 3]!.timestamp;
    const r = restoreAt([snapshot], chainOf(files, info.uuid), ts);
    tt.not(r.cut, undefined);
    tt.true(r.staged.length >= 2, 'a whole file and the cut');
    const repo = mkdtempSync(path.join(tmpdir(), 'mgbackup-cut-verify-'));
    tt.teardown(() => rmSync(repo, { recursive: true, force: true }));
    await writeFilesBackup(repo, ID, [
      { rel: `snapshots/${snapshot.name}`, bytes: snapshot.bytes },
      ...r.staged.map((s) => ({ rel: `wal/${s.name}`, bytes: s.bytes })),
    ]);
    const v = await runCli(['verify', ID, '--repo', repo, '--deep', '--json']);
    tt.is(v.code, 0, v.stderr);
    const want = graphAt(wal, ts);
    const deep = JSON.stringify(JSON.parse(v.stdout));
    tt.true(deep.includes(`"vertices":${want.vertices.size},"edges":${want.edges.size},"walTransactions":`), deep);
  });
}
