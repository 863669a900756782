// The load fast path: a run of DUMP vertex (or edge) statements becomes one parameterised UNWIND per
// label set + property names (or edge type + property names), so thousands of statements cost one
// round trip instead of one each. Runs are split where the kind changes, so an edge never runs before
// a vertex statement that preceded it in the file. The forms are fixed (the stand-in executes exactly
// these, test/standin/engine/unwind-forms.ts):
//   UNWIND $rows AS r CREATE (:`L1`:`L2` {`p1`: r[0], `p2`: r[1]})
//   UNWIND $rows AS r MATCH (u:`__mg_vertex__` {`__mg_id__`: r[0]}), (v:`__mg_vertex__` {`__mg_id__`: r[1]}) CREATE (u)-[:`T` {`p`: r[2]}]->(v)
// Each row is a list: property values in key order (edges: from id, to id, then properties).
import type { Params, Statement } from '../../bolt/graph-client.js';
import { renderName } from '../../cypher/render-value.js';
import { INTERNAL_LABEL, INTERNAL_PROPERTY } from '../../cypher/render-dump.js';
import type { Value } from '../../graph/value.js';
import type { Classified } from './classify.js';

export interface BatchItem {
  line: number;
  text: string;
  what: Classified;
}

function propsPattern(keys: string[], offset: number): string {
  if (keys.length === 0) return '';
  return ' {' + keys.map((k, i) => `${renderName(k)}: r[${i + offset}]`).join(', ') + '}';
}

export function vertexUnwindQuery(labels: string[], keys: string[]): string {
  return `UNWIND $rows AS r CREATE (${labels.map((l) => ':' + renderName(l)).join('')}${propsPattern(keys, 0)})`;
}

export function edgeUnwindQuery(type: string, keys: string[]): string {
  const endpoint = (v: string, i: number) => `(${v}:${renderName(INTERNAL_LABEL)} {${renderName(INTERNAL_PROPERTY)}: r[${i}]})`;
  return `UNWIND $rows AS r MATCH ${endpoint('u', 0)}, ${endpoint('v', 1)} CREATE (u)-[:${renderName(type)}${propsPattern(keys, 2)}]->(v)`;
}

/** A group key that cannot collide: JSON of the names. */
function groupKey(kind: string, names: string[], keys: string[]): string {
  return JSON.stringify([kind, names, keys]);
}

/** The statements one data transaction sends for these items, in an order equivalent to the file's. */
export function fastPathStatements(items: readonly BatchItem[]): Statement[] {
  const out: Statement[] = [];
  let run: Map<string, { query: string; rows: Value[] }> | undefined;
  let runKind: 'vertex' | 'edge' | undefined;
  const endRun = () => {
    if (run) for (const g of run.values()) out.push({ query: g.query, params: { rows: g.rows } as Params });
    run = undefined;
    runKind = undefined;
  };
  for (const item of items) {
    const w = item.what;
    if (w.kind !== 'vertex' && w.kind !== 'edge') {
      endRun();
      out.push({ query: item.text });
      continue;
    }
    if (runKind !== w.kind) {
      endRun();
      run = new Map();
      runKind = w.kind;
    }
    const keys = [...w.props.keys()];
    const values = [...w.props.values()];
    const key = groupKey(w.kind, w.kind === 'vertex' ? w.labels : [w.type], keys);
    let group = run!.get(key);
    if (!group) {
      group = { query: w.kind === 'vertex' ? vertexUnwindQuery(w.labels, keys) : edgeUnwindQuery(w.type, keys), rows: [] };
      run!.set(key, group);
    }
    group.rows.push(w.kind === 'vertex' ? values : [w.from, w.to, ...values]);
  }
  endRun();
  return out;
}

/** The same items as written, one statement each (the slow path, and the replay after a failure). */
export function plainStatements(items: readonly BatchItem[]): Statement[] {
  return items.map((i) => ({ query: i.text }));
}
