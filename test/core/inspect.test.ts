// inspect reads counts and schema without decoding the records: they agree with full decoding on
// every fixture, and on encoder files with and without properties on edges.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { inspectSource } from '../../src/core/inspect.js';
import { BufferSource, decodeSnapshot, decodeWal } from '../../src/format/index.js';
import type { SchemaItem } from '../../src/graph/model.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { encodeSnapshot } from '../format/encoder.js';
import { sampleGraph } from '../format/sample-graph.js';

function kinds(schema: SchemaItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of schema) out[s.kind] = (out[s.kind] ?? 0) + 1;
  return out;
}

const sets = fixtureSets();
if (sets.length === 0) test.skip(`inspect of the fixtures: ${NO_FIXTURES_REASON}`, () => {});
for (const set of sets) {
  test(`inspect ${set.name} agrees with full decoding`, async (t) => {
    const snap = readFileSync(path.join(set.dir, 'snapshot.bin'));
    const { graph } = decodeSnapshot(snap);
    const r = await inspectSource('s', new BufferSource(snap));
    t.like(r.counts, { vertices: graph.vertices.size, edges: graph.edges.size });
    t.deepEqual(r.schema, kinds(graph.schema));
    const walBytes = readFileSync(path.join(set.dir, 'wal.bin'));
    const wal = decodeWal(walBytes, { lenientEnums: true });
    const w = await inspectSource('w', new BufferSource(walBytes));
    t.deepEqual(w.counts, {
      sequenceNumber: String(wal.info.sequenceNumber), transactions: wal.transactions.length,
      uncommitted: wal.transactions.filter((x) => !x.commit).length, deltas: wal.transactions.reduce((n, x) => n + x.frames, 0),
    });
    t.deepEqual(w.timestamps, { from: String(wal.transactions[0]!.timestamp), to: String(wal.transactions.at(-1)!.timestamp) });
  });
}

for (const edgeProps of [true, false]) {
  test(`inspect counts edges with properties on edges ${edgeProps ? 'on' : 'off'}`, async (t) => {
    const bytes = encodeSnapshot(sampleGraph({ edgeProps }), { uuid: 'u', startTimestamp: 1n, ...(edgeProps ? {} : { propertiesOnEdges: false }) });
    const r = await inspectSource('s', new BufferSource(bytes));
    t.like(r.counts, { vertices: 3, edges: 3 });
  });
}
