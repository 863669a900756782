// The streaming snapshot check (verify --deep) and the working-set replay agree with full decoding,
// and catch damaged edge references that full decoding lets through.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { CorruptFileError } from '../../src/errors/errors.js';
import { decodeSnapshot, decodeSnapshotInfo, replay } from '../../src/format/index.js';
import { scanSnapshot } from '../../src/format/snapshot-scan.js';
import type { Graph } from '../../src/graph/model.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { encodeSnapshot, encodeWal } from './encoder.js';
import { sampleGraph } from './sample-graph.js';

const UUID = '11111111-2222-3333-4444-555555555555';
const sets = fixtureSets();

if (sets.length === 0) test.skip(`scan of the durability fixtures: ${NO_FIXTURES_REASON}`, () => {});

for (const set of sets) {
  test(`scan of snapshot ${set.name} counts and keeps what full decoding yields`, (t) => {
    const bytes = readFileSync(path.join(set.dir, 'snapshot.bin'));
    const { graph } = decodeSnapshot(bytes);
    const none = scanSnapshot(bytes);
    t.deepEqual(none.counts, { vertices: graph.vertices.size, edges: graph.edges.size });
    t.is(none.vertices.size + none.edges.size, 0);
    const all = scanSnapshot(bytes, { vertices: new Set(graph.vertices.keys()), edges: new Set(graph.edges.keys()) });
    t.deepEqual(all.vertices, graph.vertices);
    t.deepEqual(all.edges, graph.edges);
    t.deepEqual(all.schema, graph.schema);
  });
}

for (const edgeProps of [true, false]) {
  test(`working-set replay matches full replay (properties on edges: ${edgeProps})`, (t) => {
    const snapshot = encodeSnapshot(sampleGraph({ edgeProps }), { uuid: UUID, startTimestamp: 10n, durableTimestamp: 10n });
    const wal = encodeWal([
      { timestamp: 11n, ops: [{ op: 'vertexCreate', gid: 9n }, { op: 'edgeCreate', gid: 9n, edgeType: 'NEW', from: 9n, to: 5n }] },
      { timestamp: 12n, ops: [{ op: 'vertexSetProperty', gid: 1n, property: 'name', value: 'Bo' }] },
      { timestamp: 13n, ops: [{ op: 'edgeDelete', gid: 7n, edgeType: 'KNOWS', from: 1n, to: 0n }] },
    ], { uuid: UUID, sequenceNumber: 0n });
    const full = replay(snapshot, [wal]);
    const partial = replay(snapshot, [wal], { workingSet: true });
    t.deepEqual(partial.counts, { vertices: full.graph.vertices.size, edges: full.graph.edges.size });
    t.deepEqual(partial.counts, { vertices: 4, edges: 3 });
    // Only what the WAL names is held: vertices 9, 5 (edge 9's end), 1; edges 9 (7 was deleted).
    t.deepEqual([...partial.graph.vertices.keys()].sort(), [1n, 5n, 9n]);
    t.deepEqual([...partial.graph.edges.keys()], [9n]);
    for (const [gid, v] of partial.graph.vertices) t.deepEqual(v, full.graph.vertices.get(gid));
    t.deepEqual(partial.graph.schema, full.graph.schema);
    t.is(partial.lastTimestamp, 13n);
  });
}

/** sampleGraph plus vertex 3, with edge 0x4142434445 from 1 to 2 (a byte pattern easy to find). */
function referenceGraph(): { bytes: Uint8Array; edgeAt: number[] } {
  const g: Graph = sampleGraph();
  g.vertices.set(2n, { gid: 2n, labels: [], props: new Map() });
  g.vertices.set(3n, { gid: 3n, labels: [], props: new Map() });
  g.edges.set(0x4142434445n, { gid: 0x4142434445n, from: 1n, to: 2n, type: 'KNOWS', props: new Map() });
  const bytes = encodeSnapshot(g, { uuid: UUID, startTimestamp: 1n });
  const pattern = Buffer.alloc(8);
  pattern.writeBigUInt64LE(0x4142434445n);
  const buf = Buffer.from(bytes);
  const edgeAt: number[] = [];
  for (let at = buf.indexOf(pattern, decodeSnapshotInfo(bytes).offsets.vertices!); at >= 0; at = buf.indexOf(pattern, at + 1)) edgeAt.push(at);
  return { bytes, edgeAt };
}

test('an in-edge that names the wrong source vertex fails the scan', (t) => {
  const { bytes, edgeAt } = referenceGraph();
  t.notThrows(() => scanSnapshot(bytes));
  // Vertex 1 holds the out-edge first, vertex 2 the in-edge: [12][edge gid][12][from gid][12][type].
  t.is(edgeAt.length, 2);
  const bad = bytes.slice();
  Buffer.from(bad.buffer, bad.byteOffset).writeBigUInt64LE(3n, edgeAt[1]! + 9);
  t.notThrows(() => decodeSnapshot(bad));
  const e = t.throws(() => scanSnapshot(bad), { instanceOf: CorruptFileError });
  t.regex(e!.message, /in-edges stored with the vertices do not match their out-edges/);
});

test('an out-edge to a vertex that does not hold it fails the scan', (t) => {
  const { bytes, edgeAt } = referenceGraph();
  const bad = bytes.slice();
  Buffer.from(bad.buffer, bad.byteOffset).writeBigUInt64LE(99n, edgeAt[0]! + 9);
  const e = t.throws(() => scanSnapshot(bad), { instanceOf: CorruptFileError });
  t.regex(e!.message, /do not match their out-edges/);
});
