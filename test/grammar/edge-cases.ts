// A generated dump that stresses what the load fast path turns into query text: names with backticks,
// spaces, unicode and reserved words; every value type (as DUMP prints it, through src's renderer, the
// text `convert --exact` writes: DUMP's own float spelling, `1e+308`, `inf`, `nan`, does not reload into
// Memgraph either, as its lexer has no `e+`); escapes, empty maps and lists, large ints, special floats; enums (which
// cannot travel as parameters and go as text).
import { renderDump } from '../../src/cypher/render-dump.js';
import { emptyGraph, type Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';

export const EDGE_NAMES = [
  'plain', 'with space', 'back`tick', '``', 'MATCH', 'CREATE', 'r', 'u', 'ünïcødé', 'スナップ', '😀', 'a.b', 'x:y',
  '{', ']', '$rows', '\'quote', '"dq"', 'tab\there', 'new\nline', '0starts-with-digit',
];

export const EDGE_VALUES: Value[] = [
  null, true, false, 0n, -1n, 9223372036854775807n, -9223372036854775808n, 0, -0, 1.5, 3.0, 1e308, 5e-324,
  Number.NaN, Infinity, -Infinity, '', 'plain', 'quote " and \' and \\ backslash', 'ctl \b\f\n\r\t', 'ünïcødé 😀 スナップ',
  '/* not a comment */ // nor this', 'semi;colon', [], [[]], [1n, 'two', null, [3.5]], new Map(),
  new Map<string, Value>([['k', 1n], ['back`tick', 'v'], ['', null], ['nested', new Map([['m', []]])]]),
  { kind: 'temporal', type: 'Date', micros: 19000n },
  { kind: 'temporal', type: 'LocalTime', micros: 3_600_000_001n },
  { kind: 'temporal', type: 'LocalDateTime', micros: 1_700_000_000_123_456n },
  { kind: 'temporal', type: 'Duration', micros: -90_061_000_001n },
  { kind: 'zoned', micros: 1_700_000_000_000_000n, zone: { name: 'Europe/Zagreb' } },
  { kind: 'zoned', micros: 1_700_000_000_000_000n, zone: { offsetMinutes: -330 } },
  { kind: 'point', srid: 7203, x: 0, y: 1 },
  { kind: 'point', srid: 4979, x: -73.93, y: 40.73, z: 10 },
  { kind: 'enum', type: 'Status', value: 'ACTIVE' },
];

/** One vertex per value (property named after the value's index) and per name (as label and key), and
 *  edges of every type name carrying every value. */
export function edgeCaseGraph(): Graph {
  const g = emptyGraph();
  g.schema.push({ kind: 'enum', name: 'Status', values: ['ACTIVE', 'DISABLED'] });
  let gid = 0n;
  const add = (labels: string[], props: [string, Value][]) => {
    g.vertices.set(gid, { gid, labels, props: new Map(props) });
    gid += 1n;
  };
  add([], []);
  EDGE_VALUES.forEach((v, i) => add(['Value'], [[`p${i}`, v]]));
  add(['Value'], EDGE_VALUES.map((v, i) => [`p${i}`, v]));
  for (const n of EDGE_NAMES) add([n, 'Other'], [[n, 1n]]);
  let eid = 0n;
  for (const n of EDGE_NAMES) {
    g.edges.set(eid, { gid: eid, from: 0n, to: 1n, type: n, props: new Map([[n, 'x']]) });
    eid += 1n;
  }
  EDGE_VALUES.forEach((v, i) => {
    g.edges.set(eid, { gid: eid, from: 1n, to: 0n, type: 'T', props: new Map([[`p${i}`, v]]) });
    eid += 1n;
  });
  g.edges.set(eid, { gid: eid, from: 2n, to: 2n, type: 'EMPTY', props: new Map() });
  return g;
}

export function edgeCaseDump(): string {
  return [...renderDump(edgeCaseGraph(), { exact: true })].join('\n') + '\n';
}
