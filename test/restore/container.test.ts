// restore --container: the archive-API flow against a folder-backed Engine API double (old files
// copied aside and checked, directories replaced whole, owner from the tar headers, refusal while the
// container runs), and against real containers where Docker runs (skipped elsewhere with the reason).
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RestoreDeps, RestoreOptions } from '../../src/core/restore/restore.js';
import { runContainerRestore } from '../../src/core/restore/container.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { silentReporter } from '../../src/core/reporter.js';
import { systemClock } from '../../src/core/clock.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { containerRuntimeUnavailable } from '../helpers/container-runtime.js';
import { memgraphImage } from '../helpers/memgraph-image.js';
import { runCli } from '../helpers/run-cli.js';
import { DockerDouble } from './docker-double.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
const t = skip || process.geteuid?.() !== 0 ? test.skip : test;
if (skip) console.log(`container restore tests skipped: ${NO_FIXTURES_REASON}`);
else if (process.geteuid?.() !== 0) console.log('container restore double tests skipped: they set file owners, which needs root');

async function setup() {
  const work = await tempDir();
  const fsRoot = path.join(work, 'container-fs');
  const data = path.join(fsRoot, 'var/lib/memgraph');
  await writeOldDataDir(data);
  const double = new DockerDouble(fsRoot);
  const { dir, manifest } = await writeBackup(work, { id: '20260101T120000Z-c0c0c0c0', withWal: true });
  const deps: RestoreDeps = {
    stdin: Readable.from([]), clock: { ...systemClock, now: () => new Date('2026-11-21T10:00:00Z') }, reporter: silentReporter,
    passwd: '', euid: process.geteuid?.(), dockerApi: double.asApi(),
  };
  const opts: RestoreOptions = { source: { backup: dir }, dataDir: '', container: 'mg', snapshotOnly: true, dryRun: false };
  return { data, double, dir, manifest, deps, opts };
}

t('container: old files copied aside intact, durability dirs replaced whole, owner 101:103, next step docker start', async (tt) => {
  const { data, double, dir, manifest, deps, opts } = await setup();
  const oldSnaps = await fingerprint(path.join(data, 'snapshots'), { dirMtimes: false });
  const r = await runContainerRestore(opts, 'mg', deps);
  tt.is(double.puts, 2);
  const aside = path.join(data, r.movedAside.folder!);
  const strip = (s: string) => s.replace(/ \d+(\.\d+)? (\w{64})?$/gm, ' $2').split('\n').slice(1).join('\n');
  tt.is(strip(await fingerprint(path.join(aside, 'snapshots'), { dirMtimes: false })), strip(oldSnaps));
  const snap = manifest.files.find((f) => f.kind === 'snapshot')!;
  tt.deepEqual(fs.readdirSync(path.join(data, 'snapshots')), [path.basename(snap.path)]);
  tt.deepEqual(fs.readdirSync(path.join(data, 'wal')), [], 'snapshot-only: wal/ emptied (its files are aside)');
  tt.deepEqual(fs.readFileSync(path.join(data, snap.path)), fs.readFileSync(path.join(dir, snap.path)));
  const st = fs.statSync(path.join(data, snap.path));
  tt.deepEqual([st.uid, st.gid, st.mode & 0o777], [101, 103, 0o644]);
  tt.is(fs.statSync(path.join(data, 'snapshots')).uid, 101);
  tt.is(r.nextStep, 'start the container: docker start mg');
});

t('container: a running container is refused (code busy) and nothing is uploaded', async (tt) => {
  const { data, double, deps, opts } = await setup();
  double.running = true;
  const before = await fingerprint(data);
  const err = await tt.throwsAsync(runContainerRestore(opts, 'mg', deps), { instanceOf: MgBackupError });
  tt.is(err!.kind, 'busy');
  tt.is(err!.message, 'container "mg" is running');
  tt.is(double.puts, 0);
  tt.is(await fingerprint(data), before);
});

t('container: --dry-run uploads nothing', async (tt) => {
  const { data, double, deps, opts } = await setup();
  const before = await fingerprint(data);
  const r = await runContainerRestore({ ...opts, dryRun: true }, 'mg', deps);
  tt.deepEqual(r.plan.moveAside.map((m) => m.dir), ['snapshots', 'wal']);
  tt.is(double.puts, 0);
  tt.is(await fingerprint(data), before);
});

// Real containers: back up a seeded Memgraph, restore --snapshot-only into a new container's volume,
// start it, compare dumps.
const runtime = await containerRuntimeUnavailable();
if (runtime) console.log(`restore container tests skipped: ${runtime}`);
(runtime ? test.skip : test)('real container: create from a seeded Memgraph, restore --snapshot-only into a new container, DUMP equal', async (tt) => {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = memgraphImage();
  const root = await tempDir();
  const seeded = await new GenericContainer(image).withExposedPorts(7687).withWaitStrategy(Wait.forListeningPorts()).start();
  tt.teardown(() => seeded.stop());
  const uri = `bolt://${seeded.getHost()}:${seeded.getMappedPort(7687)}`;
  const { connectNeo4j } = await import('../../src/bolt/neo4j-graph-client.js');
  const c = await connectNeo4j({ uri });
  await c.run('CREATE (:Person {name: "Ada"})-[:KNOWS]->(:Person {name: "Charles"})');
  await c.close();
  const dumpA = await runCli(['dump', '--uri', uri]);
  tt.is(dumpA.code, 0, dumpA.stderr);
  const repo = path.join(root, 'repo');
  const created = await runCli(['create', '--uri', uri, '--repo', repo, '--container', seeded.getId()]);
  tt.is(created.code, 0, created.stderr);

  // A new container with its own volume, stopped: restore into it, then start it through the Engine API
  // (testcontainers cannot start a stopped container again).
  const fresh = await new GenericContainer(image).withExposedPorts(7687).withWaitStrategy(Wait.forListeningPorts()).start();
  await fresh.stop({ remove: false });
  const { DockerApi, endpointFromEnv } = await import('../../src/datadir/docker-api.js');
  const api = new DockerApi(endpointFromEnv(process.env));
  tt.teardown(async () => {
    (await api.request('DELETE', `/containers/${fresh.getId()}?force=true&v=true`)).body.resume();
    await fsp.rm(root, { recursive: true, force: true });
  });
  const r = await runCli(['restore', 'latest', '--repo', repo, '--container', fresh.getId(), '--snapshot-only']);
  tt.is(r.code, 0, r.stderr);
  const started = await api.request('POST', `/containers/${fresh.getId()}/start`);
  started.body.resume();
  tt.true(started.status === 204 || started.status === 304, `start: HTTP ${started.status}`);
  const inspect = await api.json<{ NetworkSettings: { Ports: Record<string, { HostPort: string }[]> } }>('GET', `/containers/${fresh.getId()}/json`);
  const port = inspect.data.NetworkSettings.Ports['7687/tcp']![0]!.HostPort;
  let dumpB = await runCli(['dump', '--uri', `bolt://${seeded.getHost()}:${port}`]);
  for (let i = 0; i < 30 && dumpB.code === 10; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    dumpB = await runCli(['dump', '--uri', `bolt://${seeded.getHost()}:${port}`]);
  }
  tt.is(dumpB.code, 0, dumpB.stderr);
  tt.deepEqual(dumpB.stdout.split('\n').sort(), dumpA.stdout.split('\n').sort());
});
