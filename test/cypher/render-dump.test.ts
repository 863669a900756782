import test from 'ava';
import { renderDump, renderStatement, triggerStatement } from '../../src/cypher/render-dump.js';
import { emptyGraph, type Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';

function props(entries: [string, Value][]): Map<string, Value> {
  return new Map(entries);
}

function sample(): Graph {
  const g = emptyGraph();
  // Inserted out of gid order: DUMP prints vertices by gid.
  g.vertices.set(1n, { gid: 1n, labels: ['label', 'label2'], props: props([['prop', 'joj'], ['ext', 2n]]) });
  g.vertices.set(0n, { gid: 0n, labels: ['label2'], props: props([['prop2', ['kaj', 2n]], ['prop', 'joj']]) });
  g.vertices.set(2n, { gid: 2n, labels: [], props: new Map() });
  g.edges.set(5n, { gid: 5n, from: 2n, to: 0n, type: 'e', props: new Map() });
  g.edges.set(3n, { gid: 3n, from: 1n, to: 0n, type: 'link', props: props([['prop', -1n]]) });
  g.edges.set(4n, { gid: 4n, from: 1n, to: 1n, type: 'link', props: props([['prop', -1n]]) });
  g.schema.push(
    { kind: 'typeConstraint', label: 'label', property: 'b', type: 'BOOLEAN' },
    { kind: 'edgeTypeIndex', edgeType: 'link' },
    { kind: 'labelIndex', label: 'label' },
    { kind: 'enum', name: 'Status', values: ['ACTIVE', 'DISABLED'] },
    { kind: 'uniqueConstraint', label: 'label2', properties: ['prop2', 'prop'] },
    { kind: 'description', target: { on: 'label', labels: ['label'] }, text: 'Label for testing' },
    { kind: 'ttl', period: '1000s', startTime: '12:00:00' },
  );
  return g;
}

test('renders every statement in the HEAD order', (t) => {
  t.deepEqual([...renderDump(sample())], [
    'CREATE ENUM Status VALUES { ACTIVE, DISABLED };',
    'CREATE (:__mg_vertex__:`label2` {__mg_id__: 0, `prop2`: ["kaj", 2], `prop`: "joj"});',
    'CREATE (:__mg_vertex__:`label`:`label2` {__mg_id__: 1, `prop`: "joj", `ext`: 2});',
    'CREATE (:__mg_vertex__ {__mg_id__: 2});',
    'CREATE INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 0 CREATE (u)-[:`link` {`prop`: -1}]->(v);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 1 CREATE (u)-[:`link` {`prop`: -1}]->(v);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 2 AND v.__mg_id__ = 0 CREATE (u)-[:`e`]->(v);',
    'DROP INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
    'CREATE INDEX ON :`label`;',
    'CREATE CONSTRAINT ON (u:`label2`) ASSERT u.`prop2`, u.`prop` IS UNIQUE;',
    'CREATE CONSTRAINT ON (u:`label`) ASSERT u.`b` IS TYPED BOOL;',
    'CREATE EDGE INDEX ON :`link`;',
    'ENABLE TTL EVERY "1000s" AT "12:00:00";',
    'SET DESCRIPTION ON LABEL :`label` "Label for testing";',
  ]);
});

test('an empty graph has no helper index statements', (t) => {
  const g = emptyGraph();
  g.schema.push({ kind: 'labelIndex', label: 'x' });
  t.deepEqual([...renderDump(g)], ['CREATE INDEX ON :`x`;']);
});

test('schema statements', (t) => {
  const cfg = { dimension: 2, metric: 'l2sq', capacity: 10, resizeCoefficient: 2, scalarKind: 'f32' };
  t.is(renderStatement({ kind: 'labelPropertyIndex', label: 'nested', properties: [['a', 'b', 'c']] }), 'CREATE INDEX ON :`nested`(`a`.`b`.`c`);');
  t.is(
    renderStatement({ kind: 'labelPropertyIndex', label: 'd', properties: [['a'], ['b']], descending: true }),
    'CREATE INDEX ON :`d`(`a`, `b`) WITH CONFIG {"order": "DESC"};',
  );
  t.is(renderStatement({ kind: 'textIndex', name: 't', label: 'text', properties: [] }), 'CREATE TEXT INDEX `t` ON :`text`;');
  t.is(renderStatement({ kind: 'textEdgeIndex', name: 't', edgeType: 'R', properties: ['a', 'b'] }), 'CREATE TEXT EDGE INDEX `t` ON :`R`(`a`, `b`);');
  t.is(renderStatement({ kind: 'pointIndex', label: 'p', property: 'c' }), 'CREATE POINT INDEX ON :`p`(`c`);');
  t.is(
    renderStatement({ kind: 'vectorIndex', name: 'v', labels: ['C', 'D'], labelMode: 'and', property: 'e', config: cfg }),
    'CREATE VECTOR INDEX `v` ON :`C`&`D`(`e`) WITH CONFIG { "dimension": 2, "metric": "l2sq", "capacity": 10, "resize_coefficient": 2, "scalar_kind": "f32" };',
  );
  t.is(
    renderStatement({ kind: 'vectorEdgeIndex', name: 'w', edgeTypes: [], property: 'e', config: cfg }),
    'CREATE VECTOR EDGE INDEX `w` ON (`e`) WITH CONFIG { "dimension": 2, "metric": "l2sq", "capacity": 10, "resize_coefficient": 2, "scalar_kind": "f32" };',
  );
  t.is(renderStatement({ kind: 'globalIndex', property: 'p' }), 'CREATE GLOBAL INDEX ON :(`p`);');
  t.is(renderStatement({ kind: 'globalEdgeIndex', property: 'p' }), 'CREATE GLOBAL EDGE INDEX ON :(`p`);');
  t.is(renderStatement({ kind: 'edgeTypePropertyIndex', edgeType: 'T', property: 'p' }), 'CREATE EDGE INDEX ON :`T`(`p`);');
  t.is(renderStatement({ kind: 'existenceConstraint', label: 'l', property: 'e' }), 'CREATE CONSTRAINT ON (u:`l`) ASSERT EXISTS (u.`e`);');
  t.is(renderStatement({ kind: 'typeConstraint', label: 'l', property: 'z', type: 'ZONED DATETIME' }), 'CREATE CONSTRAINT ON (u:`l`) ASSERT u.`z` IS TYPED ZONED DATE TIME;');
  t.is(renderStatement({ kind: 'ttl', period: '1d' }), 'ENABLE TTL EVERY "1d";');
  t.is(
    renderStatement({ kind: 'description', target: { on: 'edgeTypeProperty', edgeType: 'T', property: 'p', from: ['A'], to: [] }, text: 'x"y' }),
    'SET DESCRIPTION ON EDGE TYPE PROPERTY (:`A`)-[:`T`]->()(`p`) "x\\"y";',
  );
  t.is(
    renderStatement({ kind: 'description', target: { on: 'propertyValue', property: 'p', value: 3n }, text: 'd' }),
    'SET DESCRIPTION ON PROPERTY `p` VALUE 3 "d";',
  );
  t.is(renderStatement({ kind: 'description', target: { on: 'database' }, text: 'd' }), 'SET DESCRIPTION ON DATABASE `memgraph` "d";');
  t.is(
    renderStatement({ kind: 'trigger', statement: triggerStatement({ name: 'tr', phase: 'AFTER COMMIT', event: '() CREATE', body: 'UNWIND $createdVertices AS v\nSET v.x = 1' }) }),
    'CREATE TRIGGER tr SECURITY DEFINER ON () CREATE AFTER COMMIT EXECUTE UNWIND $createdVertices AS v SET v.x = 1;',
  );
});

test('vector-indexed vertex properties print with 6 significant float32 digits, others with 17', (t) => {
  const g = emptyGraph();
  g.schema.push({ kind: 'vectorIndex', name: 'v', labels: ['L'], property: 'emb', config: { dimension: 2, metric: 'l2sq', capacity: 10, resizeCoefficient: 2, scalarKind: 'f32' } });
  g.vertices.set(0n, { gid: 0n, labels: ['L'], props: props([['emb', [0.1, 1.0]], ['other', [0.1]]]) });
  g.vertices.set(1n, { gid: 1n, labels: ['M'], props: props([['emb', [0.1]]]) });
  const lines = [...renderDump(g)];
  t.is(lines[0], 'CREATE (:__mg_vertex__:`L` {__mg_id__: 0, `emb`: [0.1, 1], `other`: [0.10000000000000001]});');
  t.is(lines[1], 'CREATE (:__mg_vertex__:`M` {__mg_id__: 1, `emb`: [0.10000000000000001]});');
  t.is([...renderDump(g, { vectorIndexPrecision: false })][0], 'CREATE (:__mg_vertex__:`L` {__mg_id__: 0, `emb`: [0.10000000000000001, 1], `other`: [0.10000000000000001]});');
});
