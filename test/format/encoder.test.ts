// Encoder <-> decoder round trips, and the paths the fixtures lack: temporal/zoned values, edges without
// properties, uncommitted transactions, v37 summaries and multi-file WAL chains with and without gaps.
import test from 'ava';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { schemaKey } from '../../src/format/apply-wal.js';
import { decodeSnapshot, decodeWal, replay } from '../../src/format/index.js';
import type { Graph } from '../../src/graph/model.js';
import { encodeSnapshot, encodeWal, graphToWalOps } from './encoder.js';
import { sampleGraph } from './sample-graph.js';

const UUID = '11111111-2222-3333-4444-555555555555';

/** Decoders emit schema items in section order; compare them as a set. */
function norm(g: Graph): Graph {
  return { ...g, schema: [...g.schema].sort((a, b) => (schemaKey(a) < schemaKey(b) ? -1 : 1)) };
}

test('v36 snapshot round trip keeps every value kind, edge and schema item', (t) => {
  const g = sampleGraph();
  const bytes = encodeSnapshot(g, { uuid: UUID, startTimestamp: 9n, durableTimestamp: 8n, committedTransactions: 3n });
  const { info, graph } = decodeSnapshot(bytes);
  t.is(info.version, 36);
  t.is(info.uuid, UUID);
  t.is(info.durableTimestamp, 8n);
  t.is(info.committedTransactions, 3n);
  t.deepEqual(norm(graph), norm(sampleGraph()));
});

test('snapshot with properties on edges disabled has no edge records but keeps every edge', (t) => {
  const bytes = encodeSnapshot(sampleGraph({ edgeProps: false }), { uuid: UUID, startTimestamp: 1n, propertiesOnEdges: false });
  const { info, graph } = decodeSnapshot(bytes);
  t.false(info.propertiesOnEdges);
  t.is(info.edgeRecordCount, 0n);
  t.is(graph.edges.size, 3);
  t.deepEqual(norm(graph), norm(sampleGraph({ edgeProps: false })));
  t.throws(() => encodeSnapshot(sampleGraph(), { uuid: UUID, startTimestamp: 1n, propertiesOnEdges: false }));
});

test('v36 wal round trip: one transaction recreates the graph', (t) => {
  const bytes = encodeWal([{ timestamp: 5n, ops: graphToWalOps(sampleGraph()) }], { uuid: UUID, sequenceNumber: 0n });
  const wal = decodeWal(bytes);
  t.is(wal.transactions.length, 1);
  t.true(wal.transactions[0]!.crcChecked);
  t.deepEqual(canonicalDump(renderDump(replay(undefined, [bytes]).graph)), canonicalDump(renderDump(sampleGraph())));
});

test('every supported version round-trips what it can hold', (t) => {
  const base = (): Graph => {
    const g = sampleGraph({ schema: false });
    g.schema = [{ kind: 'labelIndex', label: 'Person' }, { kind: 'existenceConstraint', label: 'Person', property: 'name' }];
    return g;
  };
  for (let v = 14; v <= 37; v++) {
    const g = base();
    if (v < 18) {
      g.vertices.get(1n)!.props.delete('status');
      g.schema = g.schema.filter((s) => s.kind !== 'enum');
    } else g.schema.unshift({ kind: 'enum', name: 'Status', values: ['ACTIVE', 'DISABLED'] });
    if (v < 19) for (const p of ['where', 'where3']) g.vertices.get(1n)!.props.delete(p);
    const snap = decodeSnapshot(encodeSnapshot(g, { version: v, uuid: UUID, startTimestamp: 1n }));
    t.is(snap.info.version, v);
    t.deepEqual(norm(snap.graph), norm(g), `snapshot v${v}`);
    const wal = encodeWal([{ timestamp: 2n, ops: graphToWalOps(g) }], { version: v, uuid: UUID, sequenceNumber: 0n });
    t.deepEqual(canonicalDump(renderDump(replay(undefined, [wal]).graph)), canonicalDump(renderDump(g)), `wal v${v}`);
  }
});

test('uncommitted transactions are skipped', (t) => {
  const bytes = encodeWal([
    { timestamp: 2n, ops: [{ op: 'vertexCreate', gid: 0n }] },
    { timestamp: 3n, commit: false, ops: [{ op: 'vertexCreate', gid: 1n }] },
    { timestamp: 4n, ops: [{ op: 'vertexSetProperty', gid: 0n, property: 'p', value: 1n }] },
  ], { uuid: UUID, sequenceNumber: 0n });
  const wal = decodeWal(bytes);
  t.deepEqual(wal.transactions.map((x) => x.commit), [true, false, true]);
  const { graph } = replay(undefined, [bytes]);
  t.deepEqual([...graph.vertices.keys()], [0n]);
  t.is(graph.vertices.get(0n)!.props.get('p'), 1n);
});

test('v37 summary: finalized files must hold every delta, unfinalized ones may be torn', (t) => {
  const txs = [
    { timestamp: 2n, ops: [{ op: 'vertexCreate', gid: 0n } as const] },
    { timestamp: 3n, ops: [{ op: 'vertexCreate', gid: 1n } as const] },
  ];
  const done = encodeWal(txs, { version: 37, uuid: UUID, sequenceNumber: 0n, summary: { finalized: true } });
  const info = decodeWal(done).info;
  t.deepEqual(info.summary, { fromTimestamp: 2n, toTimestamp: 3n, numDeltas: 6n });
  t.throws(() => decodeWal(done.subarray(0, done.length - 3)), { instanceOf: MgBackupError });
  const current = encodeWal(txs, { version: 37, uuid: UUID, sequenceNumber: 0n, summary: { finalized: false } });
  const torn = decodeWal(current.subarray(0, current.length - 3));
  t.is(torn.transactions.length, 1);
  t.truthy(torn.tail);
});

test('a flipped byte inside a v36 transaction fails its CRC', (t) => {
  const bytes = encodeWal([{ timestamp: 2n, ops: [{ op: 'vertexSetProperty', gid: 0n, property: 'p', value: 'hello' }] }],
    { uuid: UUID, sequenceNumber: 0n });
  const bad = bytes.slice();
  const at = Buffer.from(bad).indexOf('hello');
  bad[at] = bad[at]! ^ 0x01;
  const e = t.throws(() => decodeWal(bad), { instanceOf: MgBackupError });
  t.regex(e!.message, /checksum mismatch/);
});

// ---------------------------------------------------------------------------------------------- chains

function chain(): { snapshot: Uint8Array; wals: Uint8Array[] } {
  const g: Graph = { vertices: new Map([[0n, { gid: 0n, labels: ['A'], props: new Map() }]]), edges: new Map(), schema: [] };
  const snapshot = encodeSnapshot(g, { uuid: UUID, startTimestamp: 10n, durableTimestamp: 10n });
  const wals = [
    // seq 0 overlaps the snapshot: its first two transactions are already in it.
    encodeWal([
      { timestamp: 5n, ops: [{ op: 'vertexCreate', gid: 0n }, { op: 'vertexAddLabel', gid: 0n, label: 'A' }] },
      { timestamp: 10n, ops: [{ op: 'schemaCreate', item: { kind: 'labelIndex', label: 'Ignored' } }] },
      { timestamp: 11n, ops: [{ op: 'vertexCreate', gid: 1n }] },
    ], { uuid: UUID, sequenceNumber: 0n }),
    encodeWal([{ timestamp: 12n, ops: [{ op: 'edgeCreate', gid: 0n, edgeType: 'T', from: 0n, to: 1n }] }], { uuid: UUID, sequenceNumber: 1n }),
    encodeWal([{ timestamp: 13n, ops: [{ op: 'vertexSetProperty', gid: 1n, property: 'x', value: 3n }] }], { uuid: UUID, sequenceNumber: 2n }),
  ];
  return { snapshot, wals };
}

test('snapshot + wal chain replays only what is newer than the snapshot, in sequence order', (t) => {
  const { snapshot, wals } = chain();
  const other = encodeWal([{ timestamp: 50n, ops: [{ op: 'vertexCreate', gid: 9n }] }], { uuid: 'other', sequenceNumber: 3n });
  const res = replay(snapshot, [wals[2]!, other, wals[0]!, wals[1]!]);
  t.deepEqual(res.ignored, [1]);
  t.deepEqual(res.wals.map((w) => [w.index, w.applied, w.skipped]), [[2, 1, 2], [3, 1, 0], [0, 1, 0]]);
  t.is(res.lastTimestamp, 13n);
  t.deepEqual([...res.graph.vertices.keys()].sort(), [0n, 1n]);
  t.is(res.graph.edges.get(0n)!.type, 'T');
  t.is(res.graph.vertices.get(1n)!.props.get('x'), 3n);
  t.deepEqual(res.graph.schema, []);
});

test('a gap in wal sequence numbers is an error naming the missing file', (t) => {
  const { snapshot, wals } = chain();
  const e = t.throws(() => replay(snapshot, [wals[0]!, wals[2]!]), { instanceOf: MgBackupError });
  t.regex(e!.message, /sequence gap/);
  t.regex(e!.hints.join('\n'), /sequence number 1 is missing/);
});

test('wal files that do not start at sequence 0 need a snapshot', (t) => {
  const { snapshot, wals } = chain();
  t.throws(() => replay(undefined, [wals[1]!, wals[2]!]), { instanceOf: MgBackupError, message: /no snapshot/ });
  // With a snapshot, the first file must reach back to it (timestamp 11 lives only in sequence 0).
  t.throws(() => replay(snapshot, [wals[1]!, wals[2]!]), { instanceOf: MgBackupError, message: /after the snapshot/ });
  t.is(replay(snapshot, wals).lastTimestamp, 13n);
});

test('a torn middle file of a chain is an error, a torn last file is not', (t) => {
  const { snapshot, wals } = chain();
  const torn = wals[1]!.subarray(0, wals[1]!.length - 4);
  t.throws(() => replay(snapshot, [wals[0]!, torn, wals[2]!]), { instanceOf: MgBackupError });
  const res = replay(snapshot, [wals[0]!, torn]);
  t.is(res.lastTimestamp, 11n);
});
