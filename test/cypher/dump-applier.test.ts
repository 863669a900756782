import test from 'ava';
import { DumpApplier } from '../../src/cypher/dump-applier.js';
import { parseDumpStatement } from '../../src/cypher/dump-statement.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { emptyGraph, type Graph } from '../../src/graph/model.js';

function run(graph: Graph, ...lines: string[]): DumpApplier {
  const a = new DumpApplier(graph);
  for (const line of lines) {
    const stmt = parseDumpStatement(line);
    if (stmt === undefined) throw new Error(`unparsed: ${line}`);
    a.apply(stmt);
  }
  return a;
}

test('vertices get gids in creation order, continuing after the largest existing gid', (t) => {
  const g = emptyGraph();
  g.vertices.set(7n, { gid: 7n, labels: ['Old'], props: new Map() });
  run(g, 'CREATE (:__mg_vertex__ {__mg_id__: 0});', 'CREATE (:__mg_vertex__ {__mg_id__: 1});');
  t.deepEqual([...g.vertices.keys()], [7n, 8n, 9n]);
});

test('properties are stored in first-seen id order, not by name and not as written', (t) => {
  const g = emptyGraph();
  run(g,
    'CREATE (:__mg_vertex__ {__mg_id__: 0, `z`: 1, `a`: 2});',
    'CREATE (:__mg_vertex__ {__mg_id__: 1, `a`: 1, `m`: 2, `z`: 3});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T` {`m`: 1, `new`: 2, `a`: 3}]->(v);');
  t.deepEqual([...(g.vertices.get(1n)?.props.keys() ?? [])], ['__mg_id__', 'z', 'a', 'm']);
  t.deepEqual([...(g.edges.get(0n)?.props.keys() ?? [])], ['a', 'm', 'new']);
});

test('labels keep insertion order; cleanup moves the last label into __mg_vertex__\'s slot as Memgraph does', (t) => {
  const g = emptyGraph();
  run(g,
    'CREATE (:__mg_vertex__:`B`:`A`:`C` {__mg_id__: 0});',
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 1});',
    'CREATE INDEX ON :__mg_vertex__(__mg_id__);',
    'DROP INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;');
  t.deepEqual(g.vertices.get(0n)?.labels, ['C', 'B', 'A']);
  t.deepEqual(g.vertices.get(1n)?.labels, ['A']);
  t.false(g.vertices.get(0n)?.props.has('__mg_id__'));
  t.deepEqual(g.schema, []);
});

test('edges match vertices by __mg_vertex__ and __mg_id__ (1 matches 1.0); Null properties are not stored', (t) => {
  const g = emptyGraph();
  run(g,
    'CREATE (:__mg_vertex__ {__mg_id__: 10, `gone`: Null});',
    'CREATE (:__mg_vertex__ {__mg_id__: 20});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 20 AND v.__mg_id__ = 10.0 CREATE (u)-[:`R` {`x`: Null, `y`: 1}]->(v);');
  t.deepEqual(g.edges.get(0n), { gid: 0n, from: 1n, to: 0n, type: 'R', props: new Map([['y', 1n]]) });
  t.false(g.vertices.get(0n)?.props.has('gone'));
});

test('an edge whose endpoint is missing is a server error naming the id', (t) => {
  const g = emptyGraph();
  const err = t.throws(() => run(g,
    'CREATE (:__mg_vertex__ {__mg_id__: 0});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 5 CREATE (u)-[:`R`]->(v);'), { instanceOf: MgBackupError });
  t.is(err?.kind, 'server');
  t.regex(err?.message ?? '', /__mg_id__ = 5/);
  // After cleanup the helper label is gone, so nothing matches any more.
  t.throws(() => run(g, 'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 0 CREATE (u)-[:`R`]->(v);'), { instanceOf: MgBackupError });
});

test('duplicate indexes and existence/unique constraints are no-ops; duplicate type constraints and enums fail', (t) => {
  const g = emptyGraph();
  run(g,
    'CREATE INDEX ON :`L`;', 'CREATE INDEX ON :`L`;',
    'CREATE INDEX ON :`L`(`a`, `b`);', 'CREATE INDEX ON :`L`(`a`, `b`);',
    'CREATE CONSTRAINT ON (u:`L`) ASSERT u.`a`, u.`b` IS UNIQUE;', 'CREATE CONSTRAINT ON (u:`L`) ASSERT u.`b`, u.`a` IS UNIQUE;',
    'CREATE CONSTRAINT ON (u:`L`) ASSERT EXISTS (u.`a`);', 'CREATE CONSTRAINT ON (u:`L`) ASSERT EXISTS (u.`a`);',
    'CREATE CONSTRAINT ON (u:`L`) ASSERT u.`a` IS TYPED INTEGER;',
    'CREATE ENUM Status VALUES { A, B };',
    'ENABLE TTL EVERY "1s";', 'ENABLE TTL EVERY "2s" AT "01:00:00";');
  t.deepEqual(g.schema.map((s) => s.kind), ['labelIndex', 'labelPropertyIndex', 'uniqueConstraint', 'existenceConstraint', 'typeConstraint', 'enum', 'ttl']);
  t.deepEqual(g.schema.at(-1), { kind: 'ttl', period: '2s', startTime: '01:00:00' });
  t.throws(() => run(g, 'CREATE CONSTRAINT ON (u:`L`) ASSERT u.`a` IS TYPED STRING;'), { instanceOf: MgBackupError, message: /already exists/ });
  t.throws(() => run(g, 'CREATE ENUM Status VALUES { C };'), { instanceOf: MgBackupError, message: 'Enum already exists.' });
});
