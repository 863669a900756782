import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { DumpApplier } from '../../src/cypher/dump-applier.js';
import { parseDumpStatement } from '../../src/cypher/dump-statement.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import { emptyGraph } from '../../src/graph/model.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';

const files = fixtureSets().flatMap((set) =>
  readdirSync(set.dir).filter((f) => /^expected_.*\.cypher$/.test(f)).map((f) => ({ name: `${set.name}/${f}`, file: path.join(set.dir, f) })),
);

if (files.length === 0) {
  console.log(`cypher round-trip tests skipped: ${NO_FIXTURES_REASON}`);
  test.skip('fixture dumps round-trip', () => {});
}

for (const { name, file } of files) {
  test(`parse -> apply -> renderDump reproduces ${name}`, (t) => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const graph = emptyGraph();
    const applier = new DumpApplier(graph);
    for (const line of lines) {
      if (line.trim() === '') continue;
      const stmt = parseDumpStatement(line);
      if (stmt === undefined) return t.fail(`not recognised as a DUMP statement: ${line}`);
      applier.apply(stmt);
    }
    const rendered = [...renderDump(graph)];
    t.deepEqual(canonicalDump(rendered), canonicalDump(lines));
    // The helper label/property are gone after cleanup, and gids are the dump's __mg_id__ values.
    t.true([...graph.vertices.values()].every((v) => !v.labels.includes('__mg_vertex__') && !v.props.has('__mg_id__')));
    t.deepEqual([...graph.vertices.keys()], [...graph.vertices.keys()].map((_, i) => BigInt(i)));
  });
}
