// create in a repository whose WAL archive covers the database: finalized WAL files the backup needs go
// into the archive (once) and the manifest references them under `archived`; a plain restore of that
// backup joins them back in. Writes land between CREATE SNAPSHOT and LOCK (create's step hook), with
// 1 KiB WAL files, so that the backup needs finalized files written after its snapshot.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { readServerFacts } from '../../src/bolt/server-facts.js';
import { createBackup } from '../../src/core/backup/create.js';
import { LocalSharedFiles } from '../../src/core/backup/shared-files.js';
import { systemClock } from '../../src/core/clock.js';
import { silentReporter } from '../../src/core/reporter.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { StandIn } from '../standin/standin.js';
import { selfContained } from '../../src/core/restore/archived-wal.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { writeArchive } from '../../src/store/archive.js';
import { runMain } from '../helpers/capture-io.js';
import { dumpDatabase, runQueries, tempRoot } from './helpers.js';

const writes = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `CREATE (:__mg_vertex__:\`R\` {__mg_id__: ${from + i}, \`s\`: "${'r'.repeat(300)}-${from + i}"});`);

test('finalized WAL a backup needs is stored once in the archive and referenced; restore joins it back', async (t) => {
  const root = tempRoot(t, 'pitr-archived');
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data, engineOptions: { walFileSizeKib: 1 } });
  t.teardown(() => standin.stop());
  await runQueries(standin.uri, writes(0, 4));
  // Stored as they are (like the createBackup below), so that this backup's manifest stays at format 2.
  const w = await runMain(['watch', '--once', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet', '--repo-compression', 'none']);
  t.is(w.code, 0, w.err);

  const client = await connectNeo4j({ uri: standin.uri });
  const result = await createBackup(
    { snapshotOnly: false, wait: false, waitTimeoutMs: 1000, labels: {}, tags: [], mgbackupVersion: '0.0.0-test' },
    {
      client, reconnect: () => connectNeo4j({ uri: standin.uri }), readFacts: readServerFacts,
      dataDir: new LocalDataDir(data, data), store: await BackupStore.open(repo, { create: true }), clock: systemClock,
      reporter: silentReporter, probe: systemProcessProbe, shared: new LocalSharedFiles(data),
      // Between CREATE SNAPSHOT and LOCK: commits that roll the WAL over several times.
      onStep: async (s) => { if (s === 'snapshot') await runQueries(standin.uri, writes(100, 8)); },
    },
  ).finally(() => client.close());
  t.true(result.archived.length >= 2, `${result.archived.length} archived references`);
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, result.id, 'manifest.json'), 'utf8')) as {
    formatVersion: number; archived: { key: string; sha256: string; size: number }[]; files: { path: string }[];
  };
  t.is(manifest.formatVersion, 2);
  t.deepEqual(manifest.archived, result.archived);
  for (const a of manifest.archived) {
    t.is(fs.statSync(path.join(repo, a.key)).size, a.size, a.key);
    t.true(fs.existsSync(path.join(repo, `${a.key}.json`)), `${a.key} has its record`);
  }
  // Referenced, not copied: the backup folder holds no WAL file the archive holds.
  const names = manifest.archived.map((a) => JSON.parse(fs.readFileSync(path.join(repo, `${a.key}.json`), 'utf8')).name as string);
  t.false(manifest.files.some((f) => names.includes(path.posix.basename(f.path))));

  // Watch again: the files create archived are there already, so nothing is stored twice.
  const archived = () => fs.readdirSync(path.join(repo, 'archive'), { recursive: true }).map(String).filter((n) => n.endsWith('.wal')).sort();
  const before = archived();
  const w2 = await runMain(['watch', '--once', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet']);
  t.is(w2.code, 0, w2.err);
  t.deepEqual(archived().filter((n) => before.includes(n)), before);
  t.is(new Set(archived()).size, archived().length);

  const expected = await dumpDatabase(standin.uri);
  const v = await runMain(['verify', '--repo', repo, '--all']);
  t.is(v.code, 0, v.err);
  // verify of the one backup checks its archived WAL too, and --deep replays it with them.
  const one = await runMain(['verify', '--repo', repo, result.id, '--deep', '--json']);
  t.is(one.code, 0, one.err);
  const checked = JSON.parse(one.out) as { files: { path: string; ok: boolean }[]; deep: { decoded: { vertices: number }; recorded: { vertices: number | null } } };
  for (const a of manifest.archived) t.true(checked.files.some((f) => f.path === a.key && f.ok), a.key);
  t.is(checked.deep.decoded.vertices, 12, 'the 4 writes before and the 8 after the snapshot');

  // A plain restore of the backup brings the archived WAL into wal/, and the state recovers.
  const target = path.join(root, 'restored');
  const r = await runMain(['restore', '--repo', repo, result.id, '--data-dir', target, '--json']);
  t.is(r.code, 0, r.err);
  const staged = fs.readdirSync(path.join(target, 'wal')).sort();
  for (const n of names) t.true(staged.includes(n), `${n} staged`);
  await standin.stop();
  const again = await StandIn.start({ dataDir: target });
  t.teardown(() => again.stop());
  t.deepEqual(await dumpDatabase(again.uri), expected);

  // The single-file export packs the archived WAL in: it restores without the repository.
  const self = (await selfContained(path.join(repo, result.id), JSON.parse(fs.readFileSync(path.join(repo, result.id, 'manifest.json'), 'utf8')), new LocalBackend(repo)))!;
  const tarball = path.join(root, 'backup.tar.zst');
  try {
    await writeArchive(self.dir, self.manifest, tarball, 'zstd');
  } finally {
    await self.close();
  }
  const fromTar = path.join(root, 'from-tar');
  const rt = await runMain(['restore', tarball, '--data-dir', fromTar]);
  t.is(rt.code, 0, rt.err);
  t.deepEqual(fs.readdirSync(path.join(fromTar, 'wal')).sort(), staged);
  await again.stop();
  const fromTarServer = await StandIn.start({ dataDir: fromTar });
  t.teardown(() => fromTarServer.stop());
  t.deepEqual(await dumpDatabase(fromTarServer.uri), expected);

  // One flipped byte in an archived WAL: verify of the backup, verify --all and restore all refuse (14).
  const victim = path.join(repo, manifest.archived[0]!.key);
  const bytes = fs.readFileSync(victim);
  bytes[bytes.length - 3] ^= 0xff;
  fs.writeFileSync(victim, bytes);
  const bad = await runMain(['verify', '--repo', repo, result.id]);
  t.is(bad.code, 14);
  t.regex(bad.err, new RegExp(`^mgbackup: error: backup ${result.id}: "${manifest.archived[0]!.key}" sha256 mismatch`));
  const badAll = await runMain(['verify', '--repo', repo, '--all']);
  t.is(badAll.code, 14);
  t.true(badAll.err.includes(`archived wal "${manifest.archived[0]!.key}" has sha256 `), badAll.err);
  const fresh = path.join(root, 'refused');
  const badRestore = await runMain(['restore', '--repo', repo, result.id, '--data-dir', fresh]);
  t.is(badRestore.code, 14, badRestore.err);
  t.false(fs.existsSync(path.join(fresh, 'wal')), 'nothing swapped in');
});
