// `mgbackup create` against a real Memgraph container (pinned image from docker/memgraph.image):
// once through a bind-mounted data directory, once through the Docker archive API (--container),
// with mgbackup pointed at the engine testcontainers found. Runs wherever Docker runs; elsewhere each
// test is skipped with the reason in its title (MGBACKUP_REQUIRE_CONTAINERS=1 makes that a failure).
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { probeContainerRuntime, REQUIRE_CONTAINERS } from '../helpers/container-runtime.js';
import { startMemgraph } from '../helpers/memgraph-container.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const { runtime, reason } = await probeContainerRuntime();
const ctest = skipIf(test.serial, reason, { require: REQUIRE_CONTAINERS });

async function seed(uri: string): Promise<void> {
  const client = await connectNeo4j({ uri });
  try {
    await client.run('UNWIND range(1, 100) AS i CREATE (:Item {n: i})');
    await client.run('MATCH (a:Item), (b:Item) WHERE b.n = a.n + 1 CREATE (a)-[:NEXT]->(b)');
  } finally {
    await client.close();
  }
}

async function workDir(t: import('ava').ExecutionContext): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'mgb-ctr-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  return work;
}

async function manifestOf(repo: string, id: string): Promise<{ counts: { vertices: number; edges: number }; files: { kind: string }[] }> {
  return JSON.parse(await readFile(path.join(repo, id, 'manifest.json'), 'utf8'));
}

ctest('create through a bind-mounted data directory, then verify; the server is left unlocked', async (t) => {
  const work = await workDir(t);
  const dataDir = path.join(work, 'data');
  const repo = path.join(work, 'repo');
  const { uri } = await startMemgraph(t, runtime!, { dataDir });
  await seed(uri);

  const r = await runCli(['create', '--uri', uri, '--repo', repo, '--data-dir', dataDir, '--json']);
  t.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { id: string };
  const manifest = await manifestOf(repo, result.id);
  t.deepEqual(manifest.counts, { vertices: 100, edges: 99 });
  t.true(manifest.files.some((f) => f.kind === 'snapshot'));

  const v = await runCli(['verify', '--repo', repo, result.id]);
  t.is(v.code, 0, v.stderr);
  const status = await runCli(['info', '--json', '--uri', uri]);
  t.is(status.code, 0, status.stderr);
  t.is(JSON.parse(status.stdout).lockStatus, 'unlocked');
});

ctest('create through the Docker archive API (--container), then verify', async (t) => {
  const work = await workDir(t);
  const repo = path.join(work, 'repo');
  const { container, uri } = await startMemgraph(t, runtime!);
  await seed(uri);

  const r = await runCli(['create', '--uri', uri, '--repo', repo, '--container', container.getId(), '--json'], { env: runtime!.dockerEnv });
  t.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { id: string };
  t.deepEqual((await manifestOf(repo, result.id)).counts, { vertices: 100, edges: 99 });
  const v = await runCli(['verify', '--repo', repo, result.id]);
  t.is(v.code, 0, v.stderr);
});
