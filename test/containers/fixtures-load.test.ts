// Every DUMP that real Memgraph wrote for the durability fixtures (../shared/memgraph-durability, v14..v37),
// loaded into a real Memgraph with `mgbackup load` (fast path: UNWIND batches) and dumped again: the
// canonical forms must be equal. This checks the fast path's statements against Memgraph's own parser
// and planner, which the stand-in cannot. Identical dumps (many fixture sets share one) load once.
// Runs wherever Docker runs and the fixtures are present; elsewhere skipped with the reason in the title
// (MGBACKUP_REQUIRE_CONTAINERS=1 makes a missing runtime a failure).
import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { probeContainerRuntime, REQUIRE_CONTAINERS } from '../helpers/container-runtime.js';
import { fixtureSets, NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { startMemgraph } from '../helpers/memgraph-container.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const { runtime, reason } = await probeContainerRuntime();

const distinct = new Map<string, { file: string; names: string[] }>();
for (const set of fixtureSets()) {
  for (const f of ['expected_snapshot.cypher', 'expected_wal.cypher']) {
    const file = path.join(set.dir, f);
    if (!fs.existsSync(file)) continue;
    const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const entry = distinct.get(hash) ?? distinct.set(hash, { file, names: [] }).get(hash)!;
    entry.names.push(`${set.name}/${f}`);
  }
}

if (distinct.size === 0) {
  skipIf(test, NO_FIXTURES_REASON)('load every fixture dump into real Memgraph', () => {});
}

const ctest = skipIf(test.serial, reason, { require: REQUIRE_CONTAINERS });
// Without a runtime, one line for the lot rather than one per dump.
if (reason !== undefined && distinct.size > 0) ctest(`load each of the ${distinct.size} distinct fixture dumps into real Memgraph`, () => {});
for (const { file, names } of reason === undefined ? distinct.values() : []) {
  const title = `load into real Memgraph, dump, same canonical form: ${names[0]}${names.length > 1 ? ` (and ${names.length - 1} identical)` : ''}`;
  ctest(title, async (t) => {
    const { uri } = await startMemgraph(t, runtime!);
    const loaded = await runCli(['load', file, '--uri', uri], { timeoutMs: 300_000 });
    t.is(loaded.code, 0, loaded.stderr);
    const dumped = await runCli(['dump', '--uri', uri]);
    t.is(dumped.code, 0, dumped.stderr);
    t.deepEqual(canonicalDump(dumped.stdout.split('\n')), canonicalDump(fs.readFileSync(file, 'utf8').split('\n')));
  });
}
