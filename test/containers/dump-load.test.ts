// Against real Memgraph containers (pinned image in docker/memgraph.image): seed one, dump it with
// mgbackup, load the dump into a second one, dump again and compare canonical forms. Runs wherever
// Docker runs; elsewhere skipped with the reason in the title (MGBACKUP_REQUIRE_CONTAINERS=1: a failure).
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { probeContainerRuntime, REQUIRE_CONTAINERS } from '../helpers/container-runtime.js';
import { startMemgraph } from '../helpers/memgraph-container.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';
import { syntheticDump } from '../dump/fake-client.js';

const { runtime, reason } = await probeContainerRuntime();
const ctest = skipIf(test.serial, reason, { require: REQUIRE_CONTAINERS });

ctest('seed -> dump -> load into a second Memgraph -> dump: same graph', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-ctr-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [source, target] = await Promise.all([startMemgraph(t, runtime!), startMemgraph(t, runtime!)]);
  const seed = [
    'CREATE ENUM Status VALUES { ACTIVE, DISABLED };',
    ...syntheticDump(2000, 3000).filter((l) => !l.startsWith('MATCH (u) REMOVE')),
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
    'CREATE (:Typed {d: DATE("2024-02-29"), t: LOCALTIME("10:11:12.000013"), p: POINT({x: 1.5, y: 2, srid: 7203}), s: Status::ACTIVE, f: 0.1});',
    'CREATE INDEX ON :Person(name);',
    'CREATE CONSTRAINT ON (p:Person) ASSERT p.name IS UNIQUE;',
  ];
  fs.writeFileSync(path.join(dir, 'seed.cypherl'), seed.join('\n') + '\n');
  const seeded = await runCli(['load', path.join(dir, 'seed.cypherl'), '--uri', source.uri, '--no-fast-path']);
  t.is(seeded.code, 0, seeded.stderr);

  const first = await runCli(['dump', '--uri', source.uri, '-o', path.join(dir, 'db.cypherl.gz')]);
  t.is(first.code, 0, first.stderr);
  const loaded = await runCli(['load', path.join(dir, 'db.cypherl.gz'), '--uri', target.uri]);
  t.is(loaded.code, 0, loaded.stderr);
  const a = await runCli(['dump', '--uri', source.uri]);
  t.is(a.code, 0, a.stderr);
  const b = await runCli(['dump', '--uri', target.uri]);
  t.is(b.code, 0, b.stderr);
  t.deepEqual(canonicalDump(b.stdout.split('\n')), canonicalDump(a.stdout.split('\n')));
});
