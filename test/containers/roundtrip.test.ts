// What the stand-in cannot stand in for: real Memgraph recovering what mgbackup backed up and restored.
// create -> (the server changes) -> stop -> restore -> start -> DUMP equals the DUMP at backup time,
// through a bind-mounted data directory and through a stopped container (--container). Dumps are
// compared as sorted lines, as Memgraph's own durability tests do, so no mgbackup code judges them.
// Runs wherever Docker runs; elsewhere each test is skipped with the reason in its title
// (MGBACKUP_REQUIRE_CONTAINERS=1 makes that a failure).
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { probeContainerRuntime, REQUIRE_CONTAINERS } from '../helpers/container-runtime.js';
import { startMemgraph, startStopped } from '../helpers/memgraph-container.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const { runtime, reason } = await probeContainerRuntime();
const ctest = skipIf(test.serial, reason, { require: REQUIRE_CONTAINERS });

/** A graph with the value types, an edge property, an index and a constraint. */
const SEED = [
  'CREATE INDEX ON :Person(name)',
  'CREATE CONSTRAINT ON (p:Person) ASSERT p.name IS UNIQUE',
  'UNWIND range(1, 500) AS i CREATE (:Person {name: "p" + toString(i), age: i % 90, score: i / 7.0, tags: ["a", toString(i)], born: date("2000-01-01")})',
  'MATCH (a:Person), (b:Person) WHERE b.age = a.age + 1 AND a.name < "p2" CREATE (a)-[:KNOWS {since: localDateTime("2020-02-29T10:11:12"), w: 0.5}]->(b)',
  'CREATE (:`Odd label` {`odd key`: "quote \\" and backslash \\\\", m: {k: [1, 2.5, null, true]}})',
];

async function run(uri: string, queries: string[]): Promise<void> {
  const client = await connectNeo4j({ uri });
  try {
    for (const q of queries) await client.run(q);
  } finally {
    await client.close();
  }
}

async function sortedDump(t: ExecutionContext, uri: string): Promise<string[]> {
  const r = await runCli(['dump', '--uri', uri]);
  t.is(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

async function workDir(t: ExecutionContext): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'mgb-rt-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  return work;
}

ctest('bind mount: create, change, stop, restore over the changed directory, start: DUMP is the backup\'s', async (t) => {
  const work = await workDir(t);
  const dataDir = path.join(work, 'data');
  const repo = path.join(work, 'repo');
  const first = await startMemgraph(t, runtime!, { dataDir });
  await run(first.uri, SEED);
  const atBackup = await sortedDump(t, first.uri);
  t.true(atBackup.length > 500, `${atBackup.length} dump lines`);

  const created = await runCli(['create', '--uri', first.uri, '--repo', repo, '--data-dir', dataDir]);
  t.is(created.code, 0, created.stderr);
  await run(first.uri, ['CREATE (:WrittenAfterTheBackup {n: 1})', 'MATCH (p:Person {name: "p1"}) SET p.age = -1']);
  t.notDeepEqual(await sortedDump(t, first.uri), atBackup);
  // A clean stop (SIGTERM, up to 30 s; testcontainers counts in ms): Memgraph writes its exit
  // snapshot, so the directory now holds the later state.
  await first.container.stop({ timeout: 30_000, remove: true });

  const restored = await runCli(['restore', 'latest', '--repo', repo, '--data-dir', dataDir, '--json']);
  t.is(restored.code, 0, restored.stderr);
  t.true(fs.readdirSync(dataDir).some((n) => n.startsWith('.mgbackup-pre-restore-')), 'the later files were moved aside, not deleted');

  const second = await startMemgraph(t, runtime!, { dataDir });
  t.deepEqual(await sortedDump(t, second.uri), atBackup);
});

ctest('--container: create from one container, restore into another stopped one, start it: DUMP is the backup\'s', async (t) => {
  const work = await workDir(t);
  const repo = path.join(work, 'repo');
  const source = await startMemgraph(t, runtime!);
  await run(source.uri, SEED);
  const atBackup = await sortedDump(t, source.uri);
  const env = runtime!.dockerEnv;
  const created = await runCli(['create', '--uri', source.uri, '--repo', repo, '--container', source.container.getId()], { env });
  t.is(created.code, 0, created.stderr);

  // The target has data of its own, which the restore must replace (and keep aside).
  const target = await startMemgraph(t, runtime!);
  await run(target.uri, ['CREATE (:OnlyInTheTarget)']);
  await target.container.stop({ timeout: 30_000, remove: false });

  const restored = await runCli(['restore', 'latest', '--repo', repo, '--container', target.container.getId()], { env });
  t.is(restored.code, 0, restored.stderr);
  const uri = await startStopped(runtime!, target.container.getHost(), target.container.getId());
  t.deepEqual(await sortedDump(t, uri), atBackup);
});

ctest('--container: restore refuses a running container (busy), and changes nothing in it', async (t) => {
  const work = await workDir(t);
  const repo = path.join(work, 'repo');
  const source = await startMemgraph(t, runtime!);
  await run(source.uri, ['CREATE (:Kept {n: 1})']);
  const env = runtime!.dockerEnv;
  const created = await runCli(['create', '--uri', source.uri, '--repo', repo, '--container', source.container.getId()], { env });
  t.is(created.code, 0, created.stderr);
  const before = await sortedDump(t, source.uri);
  const r = await runCli(['restore', 'latest', '--repo', repo, '--container', source.container.getId()], { env });
  t.is(r.code, 13, r.stderr);
  t.regex(r.stderr, /is running/);
  t.deepEqual(await sortedDump(t, source.uri), before);
});
