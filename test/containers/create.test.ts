// `mgbackup create` against a real Memgraph container (pinned image from docker/memgraph.image):
// once through a bind-mounted data directory, once through the Docker archive API (--container).
// Runs wherever Docker runs; skips here with one line saying why.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { containerRuntimeUnavailable } from '../helpers/container-runtime.js';
import { memgraphImage } from '../helpers/memgraph-image.js';
import { runCli } from '../helpers/run-cli.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';

const skipReason = await containerRuntimeUnavailable();
if (skipReason) console.log(`# skipping container create tests: ${skipReason}`);
const ctest = skipReason ? test.skip : test.serial;

const FLAGS = ['--storage-wal-enabled=true', '--storage-snapshot-interval-sec=300', '--storage-properties-on-edges=true'];

async function seed(uri: string): Promise<void> {
  const client = await connectNeo4j({ uri });
  try {
    await client.run('UNWIND range(1, 100) AS i CREATE (:Item {n: i})');
    await client.run('MATCH (a:Item), (b:Item) WHERE b.n = a.n + 1 CREATE (a)-[:NEXT]->(b)');
  } finally {
    await client.close();
  }
}

/** A seeded Memgraph; `dataDir` bind-mounts a host folder (Memgraph then runs as our uid, because it
 *  refuses a data directory owned by another user). */
async function seededMemgraph(t: import('ava').ExecutionContext, dataDir?: string): Promise<{ container: StartedTestContainer; uri: string }> {
  let spec = new GenericContainer(memgraphImage()).withCommand(FLAGS).withExposedPorts(7687).withWaitStrategy(Wait.forListeningPorts());
  if (dataDir) {
    spec = spec.withUser(`${process.getuid!()}:${process.getgid!()}`).withBindMounts([{ source: dataDir, target: '/var/lib/memgraph' }]);
  }
  const container = await spec.start();
  t.teardown(() => container.stop());
  const uri = `bolt://${container.getHost()}:${container.getMappedPort(7687)}`;
  await seed(uri);
  return { container, uri };
}

async function manifestOf(repo: string, id: string): Promise<{ counts: { vertices: number; edges: number }; files: { kind: string }[] }> {
  return JSON.parse(await readFile(path.join(repo, id, 'manifest.json'), 'utf8'));
}

ctest('create through a bind-mounted data directory, then verify', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'mgb-ctr-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const dataDir = path.join(work, 'data');
  const repo = path.join(work, 'repo');
  await (await import('node:fs/promises')).mkdir(dataDir);
  const { uri } = await seededMemgraph(t, dataDir);

  const r = await runCli(['create', '--uri', uri, '--repo', repo, '--data-dir', dataDir, '--json']);
  t.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { id: string };
  const manifest = await manifestOf(repo, result.id);
  t.deepEqual(manifest.counts, { vertices: 100, edges: 99 });
  t.true(manifest.files.some((f) => f.kind === 'snapshot'));

  const v = await runCli(['verify', '--repo', repo, result.id]);
  t.is(v.code, 0, v.stderr);
  const status = await runCli(['info', '--json', '--uri', uri]);
  t.is(JSON.parse(status.stdout).lockStatus, 'unlocked');
});

ctest('create through the Docker archive API (--container), then verify', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'mgb-ctr-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const repo = path.join(work, 'repo');
  const { container, uri } = await seededMemgraph(t);

  const r = await runCli(['create', '--uri', uri, '--repo', repo, '--container', container.getId(), '--json']);
  t.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { id: string };
  t.is((await manifestOf(repo, result.id)).counts.vertices, 100);
  const v = await runCli(['verify', '--repo', repo, result.id]);
  t.is(v.code, 0, v.stderr);
});
