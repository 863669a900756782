// runRestore against real Memgraph durability files on a real filesystem: what lands where, what is
// moved aside, ownership, archives and stdin, and completing an interrupted restore.
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { writeArchive } from '../../src/store/archive.js';
import { runRestore, type RestoreDeps, type RestoreOptions } from '../../src/core/restore/restore.js';
import { readJournal } from '../../src/core/restore/apply.js';
import { silentReporter } from '../../src/core/reporter.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
const t = skip ? test.skip : test;
if (skip) console.log(`restore tests skipped: ${NO_FIXTURES_REASON}`);

function clockAt(iso: string): Clock {
  return { ...systemClock, now: () => new Date(iso) };
}

function deps(over: Partial<RestoreDeps> = {}): RestoreDeps {
  return {
    stdin: Readable.from([]), clock: clockAt('2026-11-21T10:00:00Z'), reporter: silentReporter,
    passwd: '', euid: process.geteuid?.(), procLocks: '', ...over,
  };
}

function opts(backup: string, dataDir: string, over: Partial<RestoreOptions> = {}): RestoreOptions {
  return { source: { backup }, dataDir, snapshotOnly: false, dryRun: false, ...over };
}

const read = (p: string) => fs.readFileSync(p);

t('snapshot-only into a fresh directory: exactly the snapshot, empty wal/, directory created', async (tt) => {
  const work = await tempDir();
  const { dir, manifest } = await writeBackup(work, { id: '20260101T120000Z-aaaaaaaa', withWal: true });
  const target = path.join(work, 'new-data');
  const r = await runRestore(opts(dir, target, { snapshotOnly: true }), deps());
  const snap = manifest.files.find((f) => f.kind === 'snapshot')!;
  tt.deepEqual(fs.readdirSync(path.join(target, 'snapshots')), [path.basename(snap.path)]);
  tt.deepEqual(fs.readdirSync(path.join(target, 'wal')), []);
  tt.deepEqual(read(path.join(target, snap.path)), read(path.join(dir, snap.path)));
  tt.is(r.mode, 'snapshot-only');
  tt.is(r.movedAside.folder, undefined);
  // Nothing of ours is left behind: no journal, no staging folder.
  tt.deepEqual(fs.readdirSync(target).sort(), ['snapshots', 'wal']);
});

t('default mode stages the snapshot and the backup\'s WAL files, nothing else', async (tt) => {
  const work = await tempDir();
  const { dir, manifest } = await writeBackup(work, { id: '20260101T120000Z-bbbbbbbb', withWal: true });
  const target = path.join(work, 'data');
  await runRestore(opts(dir, target), deps());
  for (const f of manifest.files) tt.deepEqual(read(path.join(target, f.path)), read(path.join(dir, f.path)));
  tt.is(fs.readdirSync(path.join(target, 'snapshots')).length, 1);
  tt.is(fs.readdirSync(path.join(target, 'wal')).length, 1);
  const mode = fs.statSync(path.join(target, manifest.files[0]!.path)).mode & 0o777;
  tt.is(mode, 0o644, 'readable by the server user');
});

t('over an existing directory the old files move aside intact; a second restore keeps both aside sets', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const before = await fingerprint(path.join(target, 'snapshots')) + await fingerprint(path.join(target, 'wal'));
  const a = await writeBackup(work, { id: '20260101T120000Z-11111111', withWal: true });
  const b = await writeBackup(work, { id: '20260102T120000Z-22222222', set: 'v37/test_all' });
  const r1 = await runRestore(opts(a.dir, target), deps({ clock: clockAt('2026-11-21T10:00:00Z') }));
  tt.is(r1.movedAside.folder, '.mgbackup-pre-restore-20261121T100000Z');
  const aside1 = path.join(target, r1.movedAside.folder!);
  tt.is(await fingerprint(path.join(aside1, 'snapshots')) + await fingerprint(path.join(aside1, 'wal')), before);
  tt.true(fs.existsSync(path.join(target, '.lock')), '.lock is not touched');

  // Same second: the aside folder name stays unique.
  const r2 = await runRestore(opts(b.dir, target), deps({ clock: clockAt('2026-11-21T10:00:00Z') }));
  tt.is(r2.movedAside.folder, '.mgbackup-pre-restore-20261121T100000Z-2');
  const aside2 = path.join(target, r2.movedAside.folder!);
  tt.deepEqual(fs.readdirSync(path.join(aside2, 'snapshots')), fs.readdirSync(path.join(a.dir, 'snapshots')));
  tt.deepEqual(fs.readdirSync(path.join(aside2, 'wal')), fs.readdirSync(path.join(a.dir, 'wal')));
  tt.is(await fingerprint(path.join(aside1, 'snapshots')) + await fingerprint(path.join(aside1, 'wal')), before, 'first set kept');
  const snapB = b.manifest.files[0]!;
  tt.deepEqual(fs.readdirSync(path.join(target, 'snapshots')), [path.basename(snapB.path)]);
  tt.deepEqual(fs.readdirSync(path.join(target, 'wal')), []);
});

t('dry run returns the plan and changes nothing', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-cccccccc', withWal: true });
  const before = await fingerprint(target);
  const r = await runRestore(opts(dir, target, { dryRun: true }), deps());
  tt.is(await fingerprint(target), before);
  tt.deepEqual(r.plan.moveAside.map((m) => [m.dir, m.entries]), [
    ['snapshots', ['20250101000000000000_timestamp_147']], ['wal', ['20250101000000000001_current']],
  ]);
  tt.deepEqual(r.staged.map((s) => s.to), ['snapshots/20260101120000000000_timestamp_147', 'wal/20260101120000000000_current']);
});

t('interrupted during the swap: the journal stays, and a re-run completes it without losing the old files', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const oldSnapshots = await fingerprint(path.join(target, 'snapshots'));
  const { dir, manifest } = await writeBackup(work, { id: '20260101T120000Z-dddddddd', withWal: true });
  const crash = (s: string) => { if (s === 'moved aside snapshots') throw new Error('simulated crash'); };
  await tt.throwsAsync(runRestore(opts(dir, target), deps({ onStep: crash })), { message: /simulated crash/ });
  const j = await readJournal(target, '');
  tt.is(j?.phase, 'swapping');
  tt.false(fs.existsSync(path.join(target, 'snapshots')), 'stopped between the two renames');

  const r = await runRestore(opts(dir, target), deps());
  tt.is(r.resumed?.action, 'completed');
  tt.is(await readJournal(target, ''), undefined);
  for (const f of manifest.files) tt.deepEqual(read(path.join(target, f.path)), read(path.join(dir, f.path)));
  const asides = fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-pre-restore-'));
  tt.is(asides.length, 1, 'the re-run of the same backup does not move the restored files aside again');
  tt.is(await fingerprint(path.join(target, asides[0]!, 'snapshots')), oldSnapshots);
  tt.deepEqual(fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-restore')), []);
});

t('interrupted while staging (abort): the target is byte-for-byte as before', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const before = await fingerprint(target, { dirMtimes: false });
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-eeeeeeee', withWal: true });
  const ac = new AbortController();
  const onStep = (s: string) => { if (s.startsWith('staged snapshots/')) ac.abort(new Error('SIGINT')); };
  await tt.throwsAsync(runRestore(opts(dir, target), deps({ signal: ac.signal, onStep })));
  // Our journal and staging folder came and went: only the root's mtime may differ.
  tt.is(await fingerprint(target, { dirMtimes: false }), before);
});

t('a staging folder left by a kill is discarded on the next run', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-ffffffff' });
  const staging = '.mgbackup-restore-staging-20261120T000000Z';
  await fsp.mkdir(path.join(target, staging, 'snapshots'), { recursive: true });
  await fsp.writeFile(path.join(target, staging, 'snapshots', 'half'), 'x');
  await fsp.writeFile(path.join(target, '.mgbackup-restore.json'), JSON.stringify({
    format: 'mgbackup-restore-journal', restoreId: '20261120T000000Z', backupId: 'old', phase: 'staging',
    storageRoot: '', stagingDir: staging, asideDir: '.mgbackup-pre-restore-20261120T000000Z', owner: null,
  }));
  const r = await runRestore(opts(dir, target), deps());
  tt.is(r.resumed?.action, 'discarded');
  tt.false(fs.existsSync(path.join(target, staging)));
  tt.is(fs.readdirSync(path.join(target, 'snapshots')).length, 1);
});

skipIf(test, skip ? NO_FIXTURES_REASON : process.geteuid?.() !== 0 ? 'not root: chown needs root' : undefined)('owner: --owner UID:GID is applied to every written file; a uid-101 directory defaults to 101:103', async (tt) => {
  const work = await tempDir();
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-12121212', withWal: true });
  const t1 = path.join(work, 'd1');
  await runRestore(opts(dir, t1, { owner: '1234:2345' }), deps());
  for (const p of ['', 'snapshots', 'wal', ...fs.readdirSync(path.join(t1, 'snapshots')).map((n) => `snapshots/${n}`)]) {
    const st = fs.statSync(path.join(t1, p));
    tt.deepEqual([st.uid, st.gid], [1234, 2345], p || 'root');
  }
  const t2 = path.join(work, 'd2');
  await writeOldDataDir(t2);
  await fsp.chown(t2, 101, 103);
  const r = await runRestore(opts(dir, t2), deps());
  tt.is(r.owner, '101:103');
  const snap = fs.readdirSync(path.join(t2, 'snapshots'))[0]!;
  tt.is(fs.statSync(path.join(t2, 'snapshots', snap)).uid, 101);
  tt.regex(r.nextStep, /docker run .* -v .*d2:\/var\/lib\/memgraph memgraph\/memgraph:3\.12\.0/);
});

t('sources: --repo latest, a tar.gz archive and an archive on stdin give the same files', async (tt) => {
  const work = await tempDir();
  const repo = path.join(work, 'repo');
  await writeBackup(repo, { id: '20260101T120000Z-01010101', set: 'v35/test_all' });
  const latest = await writeBackup(repo, { id: '20260102T120000Z-02020202', withWal: true });
  await fsp.mkdir(path.join(repo, '20260103T120000Z-03030303')); // incomplete: no manifest
  const t1 = path.join(work, 'a');
  const r1 = await runRestore({ ...opts('latest', t1), source: { backup: 'latest', repo } }, deps());
  tt.is(r1.backupId, latest.manifest.id);

  // Archives as `create --archive` writes them.
  const gz = path.join(work, 'b.tar.gz');
  await writeArchive(latest.dir, latest.manifest, gz, 'gzip');
  const t2 = path.join(work, 'b');
  await runRestore(opts(gz, t2), deps());
  const t3 = path.join(work, 'c');
  await runRestore(opts('-', t3), deps({ stdin: fs.createReadStream(gz) }));
  const fp = async (d: string) => (await fingerprint(path.join(d, 'snapshots'))).replace(/ \d+(\.\d+)? (\w{64})?$/gm, ' $2');
  tt.is(await fp(t2), await fp(t1));
  tt.is(await fp(t3), await fp(t1));
});

skipIf(test, skip ? NO_FIXTURES_REASON : undefined)('sources: a tar.zst archive on stdin gives the same files as the backup folder', async (tt) => {
  const work = await tempDir();
  const { dir, manifest } = await writeBackup(work, { id: '20260102T120000Z-04040404', withWal: true });
  const t1 = path.join(work, 'a');
  await runRestore(opts(dir, t1), deps());
  const zst = path.join(work, 'd.tar.zst');
  await writeArchive(dir, manifest, zst, 'zstd');
  const t4 = path.join(work, 'd');
  await runRestore(opts('-', t4), deps({ stdin: fs.createReadStream(zst) }));
  const fp = async (d: string) => (await fingerprint(path.join(d, 'snapshots'))).replace(/ \d+(\.\d+)? (\w{64})?$/gm, ' $2');
  tt.is(await fp(t4), await fp(t1));
});
