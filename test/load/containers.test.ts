// Against real Memgraph containers (pinned image in docker/memgraph.image): seed one, dump it with
// mgbackup, load the dump into a second one, dump again and compare canonical forms. Skips here with
// one line saying why when there is no container runtime.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { containerRuntimeUnavailable } from '../helpers/container-runtime.js';
import { memgraphImage } from '../helpers/memgraph-image.js';
import { runCli } from '../helpers/run-cli.js';
import { syntheticDump } from '../dump/fake-client.js';
import { tempDir } from './standin-helper.js';

const skipReason = await containerRuntimeUnavailable();
if (skipReason) console.log(`# skipping dump/load container tests: ${skipReason}`);
const ctest = skipReason ? test.skip : test.serial;

const containers: StartedTestContainer[] = [];

async function memgraph(): Promise<string> {
  const c = await new GenericContainer(memgraphImage())
    .withCommand(['--storage-properties-on-edges=true'])
    .withExposedPorts(7687)
    .withWaitStrategy(Wait.forLogMessage(/You are running Memgraph|Bolt server/i))
    .start();
  containers.push(c);
  return `bolt://${c.getHost()}:${c.getMappedPort(7687)}`;
}

test.after.always(async () => {
  await Promise.all(containers.map((c) => c.stop()));
});

ctest('seed -> dump -> load into a second Memgraph -> dump: same graph', async (t) => {
  const dir = tempDir(t);
  const [source, target] = await Promise.all([memgraph(), memgraph()]);
  const seed = [
    'CREATE ENUM Status VALUES { ACTIVE, DISABLED };',
    ...syntheticDump(2000, 3000).filter((l) => !l.startsWith('MATCH (u) REMOVE')),
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
    'CREATE (:Typed {d: DATE("2024-02-29"), t: LOCALTIME("10:11:12.000013"), p: POINT({x: 1.5, y: 2, srid: 7203}), s: Status::ACTIVE, f: 0.1});',
    'CREATE INDEX ON :Person(name);',
    'CREATE CONSTRAINT ON (p:Person) ASSERT p.name IS UNIQUE;',
  ];
  fs.writeFileSync(path.join(dir, 'seed.cypherl'), seed.join('\n') + '\n');
  t.is((await runCli(['load', path.join(dir, 'seed.cypherl'), '--uri', source, '--no-fast-path'])).code, 0);

  const first = await runCli(['dump', '--uri', source, '-o', path.join(dir, 'db.cypherl.gz')]);
  t.is(first.code, 0, first.stderr);
  const loaded = await runCli(['load', path.join(dir, 'db.cypherl.gz'), '--uri', target]);
  t.is(loaded.code, 0, loaded.stderr);
  const a = await runCli(['dump', '--uri', source]);
  const b = await runCli(['dump', '--uri', target]);
  t.is(b.code, 0, b.stderr);
  t.deepEqual(canonicalDump(b.stdout.split('\n')), canonicalDump(a.stdout.split('\n')));
});
