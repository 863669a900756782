import test from 'ava';
import { canonicalDump } from '../../src/cypher/canonical.js';

test('labels, top-level properties and unique-constraint sets are sorted, then the lines', (t) => {
  const a = [
    'CREATE (:__mg_vertex__:`label2`:`label` {__mg_id__: 1, `prop`: "joj", `ext`: 2});',
    '',
    'CREATE CONSTRAINT ON (u:`label2`) ASSERT u.`prop2`, u.`prop` IS UNIQUE;',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 0 CREATE (u)-[:`link` {`prop`: -1, `ext`: [false, {`k`: "l"}]}]->(v);',
    'CREATE INDEX ON :`label`;',
  ];
  const b = [
    'CREATE INDEX ON :`label`;',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 0 CREATE (u)-[:`link` {`ext`: [false, {`k`: "l"}], `prop`: -1}]->(v);',
    'CREATE CONSTRAINT ON (u:`label2`) ASSERT u.`prop`, u.`prop2` IS UNIQUE;',
    '   ',
    'CREATE (:__mg_vertex__:`label`:`label2` {__mg_id__: 1, `ext`: 2, `prop`: "joj"});',
  ];
  t.deepEqual(canonicalDump(a), canonicalDump(b));
  t.deepEqual(canonicalDump(a), [
    'CREATE (:__mg_vertex__:`label`:`label2` {__mg_id__: 1, `ext`: 2, `prop`: "joj"});',
    'CREATE CONSTRAINT ON (u:`label2`) ASSERT u.`prop`, u.`prop2` IS UNIQUE;',
    'CREATE INDEX ON :`label`;',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 1 AND v.__mg_id__ = 0 CREATE (u)-[:`link` {`ext`: [false, {`k`: "l"}], `prop`: -1}]->(v);',
  ]);
});

test('values are kept as written: nested maps are not re-sorted and different values stay different', (t) => {
  t.notDeepEqual(canonicalDump(['CREATE (:__mg_vertex__ {__mg_id__: 0, `a`: 1});']), canonicalDump(['CREATE (:__mg_vertex__ {__mg_id__: 0, `a`: 1.0});']));
  t.deepEqual(canonicalDump(['CREATE (:__mg_vertex__ {__mg_id__: 0, `a`: {`z`: 1, `b`: 2}});']), ['CREATE (:__mg_vertex__ {__mg_id__: 0, `a`: {`z`: 1, `b`: 2}});']);
});

test('strings and names holding separators do not confuse the sort', (t) => {
  const tricky = 'CREATE (:__mg_vertex__:`x, y`:`a``b` {__mg_id__: 3, `z`: "}, `a`: 1", `a`: ["])", \'x\'], `m, n`: "\\"`"});';
  t.deepEqual(canonicalDump([tricky]), ['CREATE (:__mg_vertex__:`a``b`:`x, y` {__mg_id__: 3, `a`: ["])", \'x\'], `m, n`: "\\"`", `z`: "}, `a`: 1"});']);
  const edge = 'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = "-[" AND v.__mg_id__ = 2 CREATE (u)-[:`t]{` {`b`: "]->", `a`: 1}]->(v);';
  t.deepEqual(canonicalDump([edge]), ['MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = "-[" AND v.__mg_id__ = 2 CREATE (u)-[:`t]{` {`a`: 1, `b`: "]->"}]->(v);']);
});

test('lines that are not DUMP forms are compared as written', (t) => {
  t.deepEqual(canonicalDump(['MATCH (n) RETURN n;', 'CREATE (n:X {b: 1, a: 2}) RETURN n;']), ['CREATE (n:X {b: 1, a: 2}) RETURN n;', 'MATCH (n) RETURN n;']);
});
