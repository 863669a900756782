// The load's quick reader (src/core/load/dump-record-reader.ts) against the general parser: wherever the
// reader answers it must give exactly parseDumpStatement's record; where it gives up, the general parser decides.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDumpRecord } from '../../src/core/load/dump-record-reader.js';
import { parseDumpStatement } from '../../src/cypher/dump-statement.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import type { Edge, Vertex } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { fixtureSets, NO_FIXTURES_REASON } from '../helpers/fixtures.js';

function agreeOn(t: import('ava').ExecutionContext, lines: string[]): number {
  let answered = 0;
  for (const line of lines) {
    const quick = readDumpRecord(line);
    if (quick === undefined) continue;
    answered++;
    t.deepEqual(quick, parseDumpStatement(line), line);
  }
  return answered;
}

test('agrees with the general parser on tricky spellings, and gives up on the rest', (t) => {
  const answered = [
    'CREATE ();', 'CREATE (:A:`B``c`);', 'CREATE (:A {x: -0.0, y: -0, z: 1.50, w: [], v: [1, [2, "a"]], u: Null, t: true, s: false, m: {`k`: {}}});',
    'CREATE (:A {x: "a\\"b\\\\c\\n\\t\\r\\b\\f\\/\\\'"});', 'CREATE (:_1 {_x1: 1});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 2 CREATE (u)-[:`T`]->(v);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = "a" AND v.__mg_id__ = -2 CREATE (u)-[:`T` {`k`: [1.5, -2.25]}]->(v);',
  ];
  t.is(agreeOn(t, answered), answered.length);
  const givesUp = [
    'CREATE (:A {x: "\\u0041"});', 'CREATE (:A {x: 1e5});', 'CREATE (:A {x: Nullable::V});', 'CREATE (:A {x: trueish});', 'create (:A {x: 1});',
    'CREATE (:A {x:1});', 'CREATE (:A{x: 1});', 'CREATE (:A {x: 1}) ;', 'CREATE (:A {x: DATE("2020-01-01")});', 'CREATE (:Aé {x: 1});',
    'CREATE (:A$ {x: 1});', 'CREATE (n:A {x: 1});', 'CREATE (:A)-[:R]->(:B);', 'CREATE (:A {x: "unterminated});', 'CREATE (:A {x: 1.});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 2 CREATE (v)-[:`T`]->(u);',
  ];
  for (const line of givesUp) t.is(readDumpRecord(line), undefined, line);
});

test('a repeated map key: the reader gives up and the general parser refuses it as Memgraph does', (t) => {
  for (const line of ['CREATE (:A {x: 1, x: 2});', 'CREATE (:A {m: {k: 1, `k`: 2}});']) {
    t.is(readDumpRecord(line), undefined, line);
    t.throws(() => parseDumpStatement(line), { message: /^Same key can't appear twice in a map literal\./ }, line);
  }
});

test('agrees with the general parser on rendered random graphs', (t) => {
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const strs = ['', 'a', 'x"y', 'back\\slash', 'nl\nx', 'tab\t', "q'", 'é✓', '😀', '\u0001', '`tick`', '/', '\b\f\r'];
  const name = () => ['A', 'b_1', 'with space', 'x`y', 'é', '$d', 'Null'][rnd(7)]!;
  const val = (d = 0): Value => {
    switch (rnd(d > 1 ? 6 : 8)) {
      case 0: return BigInt(rnd(2e9) - 1e9) * (rnd(3) ? 1n : 99999999999n);
      case 1: return (rnd(1000) - 500) / 7 * 10 ** rnd(30);
      case 2: return strs[rnd(strs.length)]! + strs[rnd(strs.length)]!;
      case 3: return rnd(2) === 0;
      case 4: return rnd(2) ? 0.5 : -0;
      case 5: return BigInt(rnd(100));
      case 6: return Array.from({ length: rnd(4) }, () => val(d + 1));
      default: return new Map(Array.from({ length: rnd(3) }, () => [name(), val(d + 1)] as const));
    }
  };
  const lines: string[] = [];
  for (let round = 0; round < 50; round++) {
    const vertices = new Map<bigint, Vertex>();
    const edges = new Map<bigint, Edge>();
    for (let i = 0n; i < 20n; i++) {
      vertices.set(i, { gid: i, labels: [...new Set(Array.from({ length: rnd(3) }, name))], props: new Map(Array.from({ length: rnd(4) }, () => [name(), val()] as const)) });
      edges.set(i, { gid: i, from: BigInt(rnd(20)), to: BigInt(rnd(20)), type: name(), props: new Map(Array.from({ length: rnd(3) }, () => [name(), val()] as const)) });
    }
    lines.push(...renderDump({ vertices, edges, schema: [] }));
  }
  t.true(agreeOn(t, lines) > lines.length / 2);
});

const sets = fixtureSets();
if (sets.length === 0) {
  console.log(`# skipping quick reader on fixture dumps: ${NO_FIXTURES_REASON}`);
  test.skip('quick reader on every expected dump (fixtures absent)', () => {});
} else {
  test('agrees with the general parser on every line of every expected dump', (t) => {
    const lines = sets.flatMap((s) => ['expected_snapshot.cypher', 'expected_wal.cypher']
      .map((f) => path.join(s.dir, f)).filter((f) => fs.existsSync(f))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '')));
    t.true(agreeOn(t, lines) > 1000);
  });
}
