// Round trips through the stand-in, which recovers its graph from its data directory by Memgraph's
// startup rules: seed -> DUMP -> create -> restore into a fresh directory -> start a new stand-in on
// it -> DUMP must be equal. Also: real Memgraph fixture files restored -> the stand-in's DUMP equals
// the DUMP Memgraph itself recorded.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { fingerprint, fixtureDir, tempDir, writeBackup } from './helpers.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';

const io = (stdin?: NodeJS.ReadableStream) => captureIo(stdin ? { stdin } : {});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const x = io();
  const code = await main(args, x);
  return { code, out: x.out(), err: x.err() };
}

// Only missing fixtures skip these (with the reason in the title): a stand-in that fails is a failure.
const reason = fixtureDir() ? undefined : NO_FIXTURES_REASON;
const t = skipIf(test, reason);

/** A stand-in seeded with the v36 fixture's data set (DUMP statements, loaded by `mgbackup load`). */
async function seededServer(root: string, teardown: (fn: () => Promise<void>) => void): Promise<{ standin: StandIn; data: string }> {
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  teardown(() => standin.stop());
  const loaded = await cli(['load', path.join(fixtureDir()!, 'expected_snapshot.cypher'), '--uri', standin.uri]);
  if (loaded.code !== 0) throw new Error(`seeding failed: ${loaded.err}`);
  return { standin, data };
}

const sorted = (text: string) => text.split('\n').filter((l) => l !== '').sort();

for (const mode of ['--snapshot-only', 'with WAL files'] as const) {
  t(`create -> restore ${mode} into a fresh directory -> new stand-in -> DUMP equals the DUMP at backup time`, async (tt) => {
    const root = await tempDir();
    const { standin, data } = await seededServer(root, (fn) => tt.teardown(fn));
    const before = await cli(['dump', '--uri', standin.uri]);
    tt.is(before.code, 0, before.err);
    const repo = path.join(root, 'repo');
    const c = await cli(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data, '--json']);
    tt.is(c.code, 0, c.err);
    // Data written after the backup must not come back.
    const late = await connectNeo4j({ uri: standin.uri });
    await late.run('CREATE (:Late)');
    await late.close();

    const target = path.join(root, 'restored');
    const args = ['restore', 'latest', '--repo', repo, '--data-dir', target, '--json', ...(mode === '--snapshot-only' ? ['--snapshot-only'] : [])];
    const r = await cli(args);
    tt.is(r.code, 0, r.err);
    const walStaged = (JSON.parse(r.out) as { staged: { kind: string; to: string }[] }).staged.filter((x) => x.kind === 'wal').map((x) => x.to);
    if (mode === '--snapshot-only') tt.deepEqual(fs.readdirSync(path.join(target, 'wal')), []);
    else {
      tt.true(walStaged.length > 0, 'the backup holds WAL files and they are staged');
      tt.deepEqual(fs.readdirSync(path.join(target, 'wal')).map((n) => `wal/${n}`), walStaged);
    }
    const second = await StandIn.start({ dataDir: target });
    tt.teardown(() => second.stop());
    const after = await cli(['dump', '--uri', second.uri]);
    tt.is(after.code, 0, after.err);
    tt.deepEqual(sorted(after.out), sorted(before.out));
  });
}

const fixture = fixtureDir();
t('real Memgraph v36 files restored -> the stand-in recovers the DUMP Memgraph recorded', async (tt) => {
  const root = await tempDir();
  const { dir } = await writeBackup(root, { id: '20260101T120000Z-0f0f0f0f' });
  const target = path.join(root, 'data');
  const r = await cli(['restore', dir, '--data-dir', target, '--snapshot-only']);
  tt.is(r.code, 0, r.err);
  const s = await StandIn.start({ dataDir: target });
  tt.teardown(() => s.stop());
  const d = await cli(['dump', '--uri', s.uri]);
  tt.is(d.code, 0, d.err);
  tt.deepEqual(sorted(d.out), sorted(fs.readFileSync(path.join(fixture!, 'expected_snapshot.cypher'), 'utf8')));
});

t('--probe: refused with code 13 while a server answers at --uri, target unchanged', async (tt) => {
  const root = await tempDir();
  const { standin, data } = await seededServer(root, (fn) => tt.teardown(fn));
  const { dir } = await writeBackup(root, { id: '20260101T120000Z-0d0d0d0d' });
  const before = await fingerprint(data);
  const r = await cli(['restore', dir, '--data-dir', data, '--probe', '--uri', standin.uri]);
  tt.is(r.code, 13, r.err);
  tt.true(r.err.includes(`a server answers at "${standin.uri}"`), r.err);
  tt.is(await fingerprint(data), before);
  await standin.stop();
  const ok = await cli(['restore', dir, '--data-dir', data, '--probe', '--uri', standin.uri]);
  tt.is(ok.code, 0, ok.err);
});
