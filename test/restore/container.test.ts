// restore --container: the archive-API flow against a folder-backed Engine API double (old files
// copied aside and checked, directories replaced whole, owner from the tar headers, refusal while the
// container runs), and against real containers where Docker runs (skipped elsewhere with the reason).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RestoreDeps, RestoreOptions } from '../../src/core/restore/restore.js';
import { runContainerRestore } from '../../src/core/restore/container.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { silentReporter } from '../../src/core/reporter.js';
import { systemClock } from '../../src/core/clock.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
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

// The real-container round trip (create from one Memgraph, restore into another stopped one, start, DUMP
// equal) lives in test/containers/roundtrip.test.ts, with Bolt readiness and testcontainers' own endpoint.
