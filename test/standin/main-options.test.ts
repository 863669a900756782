// The stand-in's command-line options for tools and durability versions: --query-log writes every
// query received as one JSON line; --version 3.13.0 writes durability v37, so a v37 fixture dump (global
// indices) survives load → snapshot → restart → DUMP. Both drive the built stand-in and the built CLI as
// separate processes.
import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import neo4j from 'neo4j-driver';
import { bufferReadAt, readDurabilityHeader } from '../../src/datadir/durability-header.js';
import { fixtureSets, NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { comparableDump } from './dump-compare.js';

const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'standin-opts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts main.js; resolves with its URI and a stopper that sends SIGTERM and waits for exit 0. */
async function startMain(t: ExecutionContext, args: string[]): Promise<{ uri: string; stop: () => Promise<number | null> }> {
  const child: ChildProcess = spawn(process.execPath, [mainJs, '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  const uri = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /stand-in listening on (bolt:\/\/\S+)\n/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`stand-in exited early: ${stderr}`)));
  });
  return { uri, stop: () => (child.kill('SIGTERM'), exited) };
}

test('--query-log writes every query received as one JSON line with its parameters', async (t) => {
  const dir = await tempDir(t);
  const logFile = path.join(dir, 'queries.jsonl');
  const s = await startMain(t, ['--data-dir', path.join(dir, 'data'), '--query-log', logFile]);
  const dump = path.join(dir, 'in.cypherl');
  fs.writeFileSync(dump, [
    'CREATE INDEX ON :__mg_vertex__(__mg_id__);',
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 0, `f`: 3.0, `big`: 9223372036854775807, `s`: "x\\"y"});',
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 1, `f`: 0.5, `big`: -1, `s`: ""});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T`]->(v);',
    'DROP INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
    '',
  ].join('\n'));
  const r = await runCli(['load', dump, '--uri', s.uri]);
  t.is(r.code, 0, r.stderr);
  t.is(await s.stop(), 0);
  const lines = fs.readFileSync(logFile, 'utf8').split('\n');
  t.is(lines.pop(), '', 'the file ends with a newline');
  const entries = lines.map((l) => JSON.parse(l) as { query: string; parameters: Record<string, unknown> });
  const vertexQuery = 'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`A` {`__mg_id__`: r[0], `f`: r[1], `big`: r[2], `s`: r[3]})';
  const unwind = lines.find((l) => l.startsWith(`{"query":${JSON.stringify(vertexQuery)}`));
  // Integers of any size stay integers, floats keep a fraction: a replay sends the same types.
  t.is(unwind, `{"query":${JSON.stringify(vertexQuery)},"parameters":{"rows":[[0,3.0,9223372036854775807,"x\\"y"],[1,0.5,-1,""]]}}`);
  const queries = entries.map((e) => e.query);
  for (const q of ['CREATE INDEX ON :__mg_vertex__(__mg_id__);', 'DROP INDEX ON :__mg_vertex__(__mg_id__);', 'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;']) {
    t.true(queries.includes(q), q);
  }
  t.true(queries.some((q) => q.startsWith('UNWIND $rows AS r MATCH (u:`__mg_vertex__`')));
  t.is(fs.statSync(logFile).mode & 0o777, 0o600);
});

const v37 = fixtureSets().filter((s) => s.version === 37);
if (v37.length === 0) {
  console.log(`# skipping --version 3.13.0 round trip: ${NO_FIXTURES_REASON}`);
  test.skip('--version 3.13.0 writes durability v37 (fixtures absent)', () => {});
}

for (const set of v37) {
  test(`--version 3.13.0 writes durability v37: ${set.name} survives load, snapshot, restart and DUMP`, async (t) => {
    const dir = await tempDir(t);
    const data = path.join(dir, 'data');
    const file = path.join(set.dir, 'expected_snapshot.cypher');
    const first = await startMain(t, ['--data-dir', data, '--version', '3.13.0']);
    const loaded = await runCli(['load', file, '--uri', first.uri]);
    t.is(loaded.code, 0, loaded.stderr);
    const driver = neo4j.driver(first.uri, undefined, { connectionAcquisitionTimeout: 5000 });
    const session = driver.session();
    try {
      await session.run('CREATE SNAPSHOT'); // auto-commit, as Memgraph requires
    } finally {
      await session.close();
      await driver.close();
    }
    t.is(await first.stop(), 0);
    const snaps = fs.readdirSync(path.join(data, 'snapshots'));
    t.true(snaps.length > 0);
    for (const name of snaps) {
      const h = await readDurabilityHeader(bufferReadAt(fs.readFileSync(path.join(data, 'snapshots', name))), name);
      t.is(h.version, 37, name);
    }
    const second = await startMain(t, ['--data-dir', data, '--version', '3.13.0']);
    const dumped = await runCli(['dump', '--uri', second.uri]);
    t.is(dumped.code, 0, dumped.stderr);
    await second.stop();
    t.deepEqual(comparableDump(dumped.stdout.split('\n')), comparableDump(fs.readFileSync(file, 'utf8').split('\n')));
  });
}
