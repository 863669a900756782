// A graph exercising every value kind and most schema kinds, for encoder round trips.
import type { Graph, SchemaItem } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';

const props = (entries: [string, Value][]): Map<string, Value> => new Map(entries);

/** Property keys and edges are listed in the order Memgraph's ids and a decoder would give them. */
export function sampleGraph(opts: { edgeProps?: boolean; schema?: boolean } = {}): Graph {
  const edgeProps = opts.edgeProps ?? true;
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  g.vertices.set(0n, {
    gid: 0n, labels: ['Person', 'Admin'],
    props: props([
      ['name', 'Ada'], ['age', 36n], ['score', 1.5], ['ok', true], ['nothing', [null, -1n, 'x']],
      ['nested', new Map<string, Value>([['a', new Map<string, Value>([['b', 1n]])], ['list', [1.25, false]]])],
    ]),
  });
  g.vertices.set(1n, {
    gid: 1n, labels: ['Person'],
    props: props([
      ['name', 'Bob'], ['born', { kind: 'temporal', type: 'Date', micros: -3650n }],
      ['wake', { kind: 'temporal', type: 'LocalTime', micros: 27_000_000_000n }],
      ['seen', { kind: 'temporal', type: 'LocalDateTime', micros: 1_700_000_000_123_456n }],
      ['took', { kind: 'temporal', type: 'Duration', micros: -90_000_000n }],
      ['met', { kind: 'zoned', micros: 1_600_000_000_000_000n, zone: { name: 'Europe/Zagreb' } }],
      ['left', { kind: 'zoned', micros: -5n, zone: { offsetMinutes: -330 } }],
      ['where', { kind: 'point', srid: 4326, x: 15.97, y: 45.81 }],
      ['where3', { kind: 'point', srid: 9157, x: 0, y: 1, z: -2.5 }],
      ['status', { kind: 'enum', type: 'Status', value: 'ACTIVE' }],
    ]),
  });
  g.vertices.set(5n, { gid: 5n, labels: [], props: new Map() });
  g.edges.set(0n, { gid: 0n, from: 0n, to: 1n, type: 'KNOWS', props: edgeProps ? props([['name', 'x'], ['since', 2020n]]) : new Map() });
  // Out-edges in source-vertex order: the order a snapshot decoder yields them.
  g.edges.set(7n, { gid: 7n, from: 1n, to: 0n, type: 'KNOWS', props: new Map() });
  g.edges.set(1n, { gid: 1n, from: 5n, to: 5n, type: 'SELF', props: new Map() });
  const schema: SchemaItem[] = [
    { kind: 'enum', name: 'Status', values: ['ACTIVE', 'DISABLED'] },
    { kind: 'labelIndex', label: 'Person' },
    { kind: 'labelPropertyIndex', label: 'Person', properties: [['name']] },
    { kind: 'labelPropertyIndex', label: 'Person', properties: [['name'], ['age']] },
    { kind: 'labelPropertyIndex', label: 'Person', properties: [['nested', 'a', 'b']] },
    { kind: 'labelPropertyIndex', label: 'Admin', properties: [['score']], descending: true },
    { kind: 'textIndex', name: 'txt', label: 'Person', properties: ['name'] },
    { kind: 'pointIndex', label: 'Person', property: 'where' },
    { kind: 'vectorIndex', name: 'vec', labels: ['Person', 'Admin'], labelMode: 'or', property: 'emb',
      config: { dimension: 2, metric: 'l2sq', capacity: 10, resizeCoefficient: 2, scalarKind: 'f16' } },
    { kind: 'vectorEdgeIndex', name: 'evec', edgeTypes: [], property: 'emb',
      config: { dimension: 3, metric: 'cos', capacity: 100, resizeCoefficient: 2, scalarKind: 'f32' } },
    { kind: 'existenceConstraint', label: 'Person', property: 'name' },
    { kind: 'uniqueConstraint', label: 'Person', properties: ['name', 'age'] },
    { kind: 'typeConstraint', label: 'Person', property: 'age', type: 'INTEGER' },
    { kind: 'edgeTypeIndex', edgeType: 'KNOWS' },
    { kind: 'edgeTypePropertyIndex', edgeType: 'KNOWS', property: 'since' },
    { kind: 'globalEdgeIndex', property: 'since' },
    { kind: 'textEdgeIndex', name: 'etxt', edgeType: 'KNOWS', properties: ['name'] },
    { kind: 'ttl', period: '3600s', startTime: '01:02:03' },
    { kind: 'description', target: { on: 'label', labels: ['Person'] }, text: 'people' },
    { kind: 'description', target: { on: 'edgeTypeProperty', edgeType: 'KNOWS', property: 'since', from: ['Person'], to: [] }, text: 'when' },
  ];
  g.schema = opts.schema === false ? schema.slice(0, 1) : schema;
  return g;
}
