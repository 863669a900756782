// `mgbackup info` end to end against the stand-in, through the built binary.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { runCli } from '../helpers/run-cli.js';

async function startStandIn(t: import('ava').ExecutionContext, opts: Partial<Parameters<typeof StandIn.start>[0]> = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mgb-info-'));
  const standin = await StandIn.start({ dataDir, ...opts });
  t.teardown(async () => {
    await standin.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return standin;
}

test('info prints version, role, storage mode, counts, uuid and lock status', async (t) => {
  const standin = await startStandIn(t, { version: '3.5.0' });
  const client = await connectNeo4j({ uri: standin.uri });
  await client.run('CREATE (:__mg_vertex__:`A` {__mg_id__: 0});');
  await client.run('CREATE (:__mg_vertex__:`B` {__mg_id__: 1});');
  await client.run('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T`]->(v);');
  await client.close();

  const r = await runCli(['info', '--uri', standin.uri]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  const masked = r.stdout.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, '<uuid>');
  t.is(masked, [
    `server:              ${standin.uri}`,
    'version:             3.5.0',
    'role:                main',
    'storage mode:        IN_MEMORY_TRANSACTIONAL',
    'database:            memgraph',
    'database uuid:       <uuid>',
    'vertices:            2',
    'edges:               1',
    'data directory lock: unlocked',
    '',
  ].join('\n'));
});

test('info --json is one object; the lock status follows LOCK DATA DIRECTORY from another session', async (t) => {
  const standin = await startStandIn(t);
  const client = await connectNeo4j({ uri: standin.uri });
  await client.run('LOCK DATA DIRECTORY');
  await client.close();
  const r = await runCli(['info', '--json', '--uri', standin.uri]);
  t.is(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, unknown>;
  t.like(info, { uri: standin.uri, role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL', type: 'info', vertices: 0, edges: 0, lockStatus: 'locked' });
  t.regex(String(info.databaseUuid), /^[0-9a-f-]{36}$/);
});

test('info falls back to plain SHOW STORAGE INFO on servers before 3.11', async (t) => {
  const standin = await startStandIn(t, { version: '3.4.0' });
  const r = await runCli(['info', '--json', '--uri', standin.uri]);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { version: '3.4.0', storageMode: 'IN_MEMORY_TRANSACTIONAL', vertices: 0 });
});

test('a wrong password exits with the auth code and a hint, no stack trace', async (t) => {
  const standin = await startStandIn(t, { users: [{ user: 'ops', password: 'right' }] });
  const r = await runCli(['info', '--uri', standin.uri, '--user', 'ops'], { env: { MEMGRAPH_PASSWORD: 'wrong' } });
  t.is(r.code, 11);
  t.is(r.stdout, '');
  t.is(r.stderr, `mgbackup: error: authentication failed at "${standin.uri}"\nhint: check --user and the password (env MEMGRAPH_USER / MEMGRAPH_PASSWORD)\n`);
  const ok = await runCli(['info', '--json', '--uri', standin.uri, '--user', 'ops'], { env: { MEMGRAPH_PASSWORD: 'right' } });
  t.is(ok.code, 0, ok.stderr);
});
