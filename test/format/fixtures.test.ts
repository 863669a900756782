// Every Memgraph-written fixture decodes to exactly the dump Memgraph printed after recovering it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import { decodeSnapshot, decodeSnapshotInfo, decodeWal, decodeWalInfo, readFileHeader, replay } from '../../src/format/index.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { encodeSnapshot, encodeWal, graphToWalOps } from './encoder.js';

const sets = fixtureSets();
const expected = (dir: string, file: string): string[] => canonicalDump(readFileSync(path.join(dir, file), 'utf8').split('\n'));

if (sets.length === 0) {
  test.skip(`durability fixtures: ${NO_FIXTURES_REASON}`, () => {});
}

for (const set of sets) {
  test(`snapshot ${set.name} decodes to its expected dump`, (t) => {
    const bytes = readFileSync(path.join(set.dir, 'snapshot.bin'));
    const { info, graph } = decodeSnapshot(bytes);
    t.is(info.version, readFileHeader(bytes).version);
    t.deepEqual(decodeSnapshotInfo(bytes), info);
    t.is(BigInt(graph.vertices.size), info.vertexCount);
    t.deepEqual(canonicalDump(renderDump(graph)), expected(set.dir, 'expected_snapshot.cypher'));
  });

  test(`wal ${set.name} replays to its expected dump`, (t) => {
    const bytes = readFileSync(path.join(set.dir, 'wal.bin'));
    const wal = decodeWal(bytes);
    t.is(wal.tail, undefined);
    t.true(wal.transactions.length > 0);
    t.deepEqual(decodeWalInfo(bytes), wal.info);
    if (wal.info.version >= 36) {
      t.true(wal.info.headerCrcOk);
      t.true(wal.transactions.every((tx) => tx.crcChecked));
    }
    const frames = wal.transactions.reduce((n, tx) => n + tx.frames, 0);
    if (wal.info.summary !== undefined) t.is(BigInt(frames), wal.info.summary.numDeltas);
    const { graph } = replay(undefined, [bytes]);
    t.deepEqual(canonicalDump(renderDump(graph)), expected(set.dir, 'expected_wal.cypher'));
  });
}

// What the test stand-in relies on: any decoded graph re-encoded as a v36 (v37 if it needs global
// indices) snapshot or WAL decodes to the very same dump.
for (const set of sets.filter((s) => s.name.endsWith('test_all'))) {
  test(`snapshot ${set.name} re-encoded by the test encoder keeps its dump`, (t) => {
    const { info, graph } = decodeSnapshot(readFileSync(path.join(set.dir, 'snapshot.bin')));
    const want = canonicalDump(renderDump(graph));
    const version = graph.schema.some((s) => s.kind === 'globalIndex') ? 37 : 36;
    const snap = encodeSnapshot(graph, { version, uuid: info.uuid, epochId: info.epochId, startTimestamp: info.startTimestamp });
    t.deepEqual(canonicalDump(renderDump(decodeSnapshot(snap).graph)), want);
    const wal = encodeWal([{ timestamp: 1n, ops: graphToWalOps(graph) }], { version, uuid: info.uuid, sequenceNumber: 0n });
    t.deepEqual(canonicalDump(renderDump(replay(undefined, [wal]).graph)), want);
  });
}

// The folder names are the target versions; README lists the files that carry another one.
(sets.length === 0 ? test.skip : test)('fixture headers carry the documented versions', (t) => {
  const odd: string[] = [];
  for (const set of sets) {
    for (const f of ['snapshot.bin', 'wal.bin']) {
      const { version } = readFileHeader(readFileSync(path.join(set.dir, f)));
      if (version !== set.version) odd.push(`${set.name}/${f}=${version}`);
    }
  }
  t.deepEqual(odd.sort(), [
    'v17/test_edges/wal.bin=16', 'v17/test_vertices/wal.bin=16',
    'v18/test_edges/snapshot.bin=17', 'v18/test_edges/wal.bin=16', 'v18/test_vertices/snapshot.bin=17', 'v18/test_vertices/wal.bin=16',
    'v25/test_all/snapshot.bin=26', 'v25/test_all/wal.bin=26', 'v25/test_edges/snapshot.bin=26', 'v25/test_edges/wal.bin=26',
    'v25/test_vertices/snapshot.bin=26', 'v25/test_vertices/wal.bin=26',
  ]);
});
