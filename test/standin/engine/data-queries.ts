// The data statements the stand-in executes: every statement form DUMP produces (through src/cypher),
// plus the few checks mgbackup and its tests send. Everything else is a syntax error, as a query the
// grammar rejects would be.
import { INTERNAL_LABEL, INTERNAL_PROPERTY } from '../../../src/cypher/render-dump.js';
import type { Value } from '../../../src/graph/value.js';
import { normalize } from './admin-queries.js';
import type { DumpExecution, ParsedStatement } from './dump-bridge.js';
import type { TrackedGraph, TxLog } from './tx-log.js';

export type DataQuery =
  | { kind: 'countVertices' }
  | { kind: 'countEdges' }
  | { kind: 'detachDeleteAll' }
  | { kind: 'returnOne' }
  | { kind: 'dumpStatement'; stmt: ParsedStatement };

export function parseDataQuery(query: string, dump: DumpExecution | undefined): DataQuery | undefined {
  switch (normalize(query)) {
    case 'MATCH (N) RETURN COUNT(N)': return { kind: 'countVertices' };
    case 'MATCH ()-[R]->() RETURN COUNT(R)': return { kind: 'countEdges' };
    case 'MATCH (N) DETACH DELETE N': return { kind: 'detachDeleteAll' };
    case 'RETURN 1': return { kind: 'returnOne' };
  }
  const stmt = dump?.parse(query.trim());
  return stmt ? { kind: 'dumpStatement', stmt } : undefined;
}

export const isWrite = (q: DataQuery): boolean => q.kind === 'detachDeleteAll' || q.kind === 'dumpStatement';

export interface ReadResult {
  fields: string[];
  rows: Value[][];
}

export function runRead(q: DataQuery, graph: TrackedGraph): ReadResult {
  switch (q.kind) {
    case 'countVertices': return { fields: ['count(n)'], rows: [[BigInt(graph.vertices.size)]] };
    case 'countEdges': return { fields: ['count(r)'], rows: [[BigInt(graph.edges.size)]] };
    case 'returnOne': return { fields: ['1'], rows: [[1n]] };
    default: throw new Error(`not a read query: ${q.kind}`);
  }
}

const KNOWN_NON_VERTEX_EDITS = new Set(['vertex', 'edge', 'schema', 'helperIndex', 'dropHelperIndex']);

/** Records pre-images the tracking maps cannot see (in-place vertex edits, schema), then applies. */
export function runWrite(
  q: DataQuery, graph: TrackedGraph, log: TxLog, applier: () => { apply(s: ParsedStatement): void },
): void {
  if (q.kind === 'detachDeleteAll') {
    graph.edges.clear();
    graph.vertices.clear();
    return;
  }
  if (q.kind !== 'dumpStatement') throw new Error(`not a write query: ${q.kind}`);
  const kind = q.stmt.kind;
  if (kind !== 'vertex' && kind !== 'edge') log.touchSchema();
  if (!KNOWN_NON_VERTEX_EDITS.has(kind)) {
    // The cleanup statement (and any form not known to leave vertices alone) edits vertices in place.
    for (const v of graph.vertices.values()) {
      if (v.labels.includes(INTERNAL_LABEL) || v.props.has(INTERNAL_PROPERTY)) log.touchVertex(v.gid);
    }
  }
  applier().apply(q.stmt);
}
