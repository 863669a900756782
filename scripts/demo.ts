// The README's main job, end to end: a server seeded with a small graph, then `mgbackup create`,
// `list` and `verify`, printing each command and what it did. Uses a real Memgraph container when a
// container runtime answers, otherwise the test stand-in (a Bolt server that behaves like Memgraph in
// what mgbackup relies on; test support, not Memgraph).
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectNeo4j } from '../src/bolt/neo4j-graph-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'dist/src/bin.js');

interface Server {
  kind: string;
  uri: string;
  dataDir: string;
  extraArgs: string[];
  stop(): Promise<void>;
}

async function startContainer(dataDir: string): Promise<Server | undefined> {
  const tc = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch (err) {
    console.error(`no container runtime (${(err as Error).message}): using the test stand-in instead`);
    return undefined;
  }
  const { readFileSync } = await import('node:fs');
  const image = readFileSync(path.join(root, 'docker/memgraph.image'), 'utf8').trim();
  await chmod(dataDir, 0o777);
  const c = await new tc.GenericContainer(image)
    .withCommand(['--storage-wal-enabled=true', '--storage-snapshot-interval-sec=300', '--storage-properties-on-edges=true'])
    .withBindMounts([{ source: dataDir, target: '/var/lib/memgraph' }])
    .withExposedPorts(7687)
    .withWaitStrategy(tc.Wait.forListeningPorts())
    .start();
  return {
    kind: `Memgraph container (${image})`,
    uri: `bolt://${c.getHost()}:${c.getMappedPort(7687)}`,
    dataDir,
    extraArgs: ['--server-data-dir', '/var/lib/memgraph'],
    stop: async () => { await c.stop(); },
  };
}

async function startStandIn(dataDir: string): Promise<Server> {
  const { StandIn } = await import('../test/standin/standin.js');
  const s = await StandIn.start({ dataDir });
  return { kind: 'test stand-in', uri: s.uri, dataDir, extraArgs: ['--server-data-dir', dataDir], stop: () => s.stop() };
}

function mgbackup(args: string[]): Promise<{ code: number | null; stdout: string }> {
  console.log(`\n$ mgbackup ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; process.stdout.write(d); });
    child.on('error', reject);
    child.on('close', (code) => { console.log(`(exit code ${code})`); resolve({ code, stdout }); });
  });
}

async function seed(uri: string): Promise<void> {
  const client = await connectNeo4j({ uri });
  try {
    for (let i = 0; i < 20; i++) {
      await client.run(`CREATE (:__mg_vertex__:\`Person\` {__mg_id__: ${i}, \`name\`: "person ${i}", \`age\`: ${20 + i}});`);
    }
    for (let i = 0; i < 19; i++) {
      await client.run(`MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ${i} AND v.__mg_id__ = ${i + 1} CREATE (u)-[:\`KNOWS\` {\`since\`: ${2000 + i}}]->(v);`);
    }
    await client.run('MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;');
  } finally {
    await client.close();
  }
}

async function demo(): Promise<number> {
  const work = await mkdtemp(path.join(tmpdir(), 'mgbackup-demo-'));
  const dataDir = path.join(work, 'data');
  const repo = path.join(work, 'backups');
  await (await import('node:fs/promises')).mkdir(dataDir);
  const server = (await startContainer(dataDir)) ?? (await startStandIn(dataDir));
  let failed = 0;
  try {
    console.log(`server: ${server.kind} at ${server.uri}, data directory ${dataDir}`);
    await seed(server.uri);
    console.log('seeded 20 :Person vertices and 19 :KNOWS edges');
    const info = await mgbackup(['info', '--uri', server.uri]);
    const created = await mgbackup(['create', '--uri', server.uri, '--repo', repo, '--data-dir', dataDir, ...server.extraArgs, '--json']);
    const list = await mgbackup(['list', '--repo', repo]);
    const id = created.code === 0 ? (JSON.parse(created.stdout) as { id: string }).id : 'latest';
    const verify = await mgbackup(['verify', '--repo', repo, id]);
    failed = [info, created, list, verify].filter((r) => r.code !== 0).length;
    console.log(failed === 0
      ? `\ndemo ok: backup ${id} is in ${repo}, listed and verified`
      : `\ndemo failed: ${failed} command(s) did not exit 0`);
  } finally {
    await server.stop();
    if (failed === 0) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work} for inspection`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await demo();
