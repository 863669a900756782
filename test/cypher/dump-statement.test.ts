import test from 'ava';
import { parseDumpStatement } from '../../src/cypher/dump-statement.js';
import { renderStatement } from '../../src/cypher/render-dump.js';
import { CypherSyntaxError } from '../../src/cypher/literal-parser.js';
import type { SchemaItem } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';

test('vertex, edge and helper statements', (t) => {
  t.deepEqual(parseDumpStatement('CREATE (:__mg_vertex__:`label`:`la``b` {__mg_id__: 1, `prop`: "joj", `ext`: 2});'), {
    kind: 'vertex', labels: ['__mg_vertex__', 'label', 'la`b'], props: new Map<string, Value>([['__mg_id__', 1n], ['prop', 'joj'], ['ext', 2n]]),
  });
  t.deepEqual(parseDumpStatement('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 0 CREATE (u)-[:`link` {`ext`: [false]}]->(v);'), {
    kind: 'edge', from: 1n, to: 0n, type: 'link', props: new Map<string, Value>([['ext', [false]]]),
  });
  t.deepEqual(parseDumpStatement('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 8 AND v.__mg_id__ = 9 CREATE (u)-[:`edge_type`]->(v);'), {
    kind: 'edge', from: 8n, to: 9n, type: 'edge_type', props: new Map(),
  });
  t.deepEqual(parseDumpStatement('CREATE INDEX ON :__mg_vertex__(__mg_id__);'), { kind: 'helperIndex' });
  t.deepEqual(parseDumpStatement('DROP INDEX ON :__mg_vertex__(__mg_id__);'), { kind: 'dropHelperIndex' });
  t.deepEqual(parseDumpStatement('MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;'), { kind: 'cleanup' });
});

test('whitespace-tolerant and case-insensitive keywords, optional semicolon', (t) => {
  t.deepEqual(parseDumpStatement('  match (u:__mg_vertex__) ,(v:__mg_vertex__)\n where u.__mg_id__=1 and v.__mg_id__ = 2\n create (u)-[:T]->(v)  '), {
    kind: 'edge', from: 1n, to: 2n, type: 'T', props: new Map(),
  });
  t.deepEqual(parseDumpStatement('create index on : `L` ( `a` , `b` ) with config { "order" : "desc" }'), {
    kind: 'schema', item: { kind: 'labelPropertyIndex', label: 'L', properties: [['a'], ['b']], descending: true },
  });
  t.deepEqual(parseDumpStatement('Create Constraint On (n:L) Assert n.p Is Typed Local DateTime;'), {
    kind: 'schema', item: { kind: 'typeConstraint', label: 'L', property: 'p', type: 'LOCAL DATETIME' },
  });
});

test('every schema form renders back to itself', (t) => {
  const items: SchemaItem[] = [
    { kind: 'enum', name: 'Status', values: ['ACTIVE', 'DISABLED'] },
    { kind: 'labelIndex', label: 'label' },
    { kind: 'labelPropertyIndex', label: 'nested', properties: [['a', 'b', 'c'], ['d']] },
    { kind: 'textIndex', name: 't', label: 'text', properties: ['p1', 'p2'] },
    { kind: 'textEdgeIndex', name: 'te', edgeType: 'R', properties: [] },
    { kind: 'pointIndex', label: 'has_coord', property: 'coord' },
    { kind: 'vectorIndex', name: 'v', labels: ['A', 'B'], labelMode: 'or', property: 'e', config: { dimension: 2, metric: 'cos', capacity: 10, resizeCoefficient: 2, scalarKind: 'f16' } },
    { kind: 'vectorIndex', name: 'w', labels: [], property: 'e', config: { dimension: 2, metric: 'l2sq', capacity: 10, resizeCoefficient: 2, scalarKind: 'f32' } },
    { kind: 'vectorEdgeIndex', name: 've', edgeTypes: ['R1', 'R2'], edgeTypeMode: 'or', property: 'e', config: { dimension: 3, metric: 'l2sq', capacity: 1000, resizeCoefficient: 2, scalarKind: 'f32' } },
    { kind: 'globalIndex', property: 'prop' },
    { kind: 'edgeTypeIndex', edgeType: 'edge_type' },
    { kind: 'edgeTypePropertyIndex', edgeType: 'edge_type', property: 'prop' },
    { kind: 'globalEdgeIndex', property: 'ttl' },
    { kind: 'existenceConstraint', label: 'label', property: 'ext' },
    { kind: 'uniqueConstraint', label: 'label2', properties: ['prop2', 'prop'] },
    { kind: 'typeConstraint', label: 'l', property: 'z', type: 'ZONED DATETIME' },
    { kind: 'typeConstraint', label: 'l', property: 'b', type: 'BOOLEAN' },
    { kind: 'ttl', period: '1000s', startTime: '12:00:00' },
    { kind: 'ttl' },
    { kind: 'description', target: { on: 'database', name: 'memgraph' }, text: 'db "quoted"' },
    { kind: 'description', target: { on: 'label', labels: ['A', 'B'] }, text: 'x' },
    { kind: 'description', target: { on: 'edgeType', edgeType: 'T' }, text: 'x' },
    { kind: 'description', target: { on: 'edgeType', edgeType: 'T', from: ['A'], to: [] }, text: 'x' },
    { kind: 'description', target: { on: 'labelProperty', labels: ['A'], property: 'p' }, text: 'x' },
    { kind: 'description', target: { on: 'edgeTypeProperty', edgeType: 'T', property: 'p' }, text: 'x' },
    { kind: 'description', target: { on: 'edgeTypeProperty', edgeType: 'T', property: 'p', from: [], to: ['B', 'C'] }, text: 'x' },
    { kind: 'description', target: { on: 'property', property: 'p' }, text: 'x' },
    { kind: 'description', target: { on: 'propertyValue', property: 'p', value: 'v;1' }, text: 'x' },
    { kind: 'trigger', statement: 'CREATE TRIGGER tr SECURITY INVOKER ON () CREATE BEFORE COMMIT EXECUTE UNWIND $createdVertices AS v SET v.x = "a;b"' },
  ];
  for (const item of items) {
    const text = renderStatement(item);
    t.deepEqual(parseDumpStatement(text), { kind: 'schema', item }, text);
  }
});

test('hand-written Cypher is not a DUMP form', (t) => {
  for (const text of [
    'MATCH (n) RETURN n;',
    'CREATE (n:Person {name: "x"});',
    'CREATE (:A)-[:R]->(:B);',
    'MATCH (u:X), (v:X) WHERE u.id = 1 AND v.id = 2 CREATE (u)-[:T]->(v);',
    'CREATE INDEX ON :L(p) extra;',
    'DROP INDEX ON :L(p);',
    'MATCH (u) REMOVE u:Other;',
    'SHOW INDEX INFO;',
    '',
  ]) {
    t.is(parseDumpStatement(text), undefined, text);
  }
});

test('a DUMP form with a broken value is an error, not a silent skip', (t) => {
  const err = t.throws(() => parseDumpStatement('CREATE (:__mg_vertex__ {__mg_id__: 0, `d`: DATE("2020-02-30")});'), { instanceOf: CypherSyntaxError });
  t.true((err?.offset ?? 0) > 40);
  t.throws(() => parseDumpStatement('CREATE (:__mg_vertex__ {__mg_id__: 0, `s`: "open});'), { instanceOf: CypherSyntaxError });
});
