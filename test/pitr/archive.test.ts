// The WAL archive seen by the commands around point-in-time restore, with the stand-in as its own
// process writing small (1 KiB) WAL files so that `watch` archives many finalized ones:
//  - a hole in the archive (one archived file deleted): restore past it exits 14 naming the missing
//    sequence number, verify --all exits 14 naming it, list shows it, and a point before it restores;
//  - create in a repository with an archive: a second create adds about one snapshot's worth of bytes.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { dumpDatabase, runQueries, startServer, tempRoot, treeBytes } from './helpers.js';

const writes = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `CREATE (:__mg_vertex__:\`R\` {__mg_id__: ${from + i}, \`s\`: "${'r'.repeat(300)}-${from + i}"});`);

interface Record {
  name: string;
  seq: string;
  fromTs: string;
  toTs: string;
  finalized: boolean;
  dataKey: string;
}

function records(repo: string): Record[] {
  const out: Record[] = [];
  const archive = path.join(repo, 'archive');
  for (const uuid of fs.readdirSync(archive)) {
    for (const f of fs.readdirSync(path.join(archive, uuid))) {
      if (f.endsWith('.json')) out.push(JSON.parse(fs.readFileSync(path.join(archive, uuid, f), 'utf8')) as Record);
    }
  }
  return out.sort((a, b) => Number(BigInt(a.fromTs) - BigInt(b.fromTs)));
}

test('a hole in the archive: restore past it exits 14 naming the missing sequence number; verify --all and list name it; a point before it restores', async (t) => {
  const root = tempRoot(t, 'pitr-hole');
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const server = await startServer(t, data, ['--wal-file-size-kib', '1']);
  await runQueries(server.uri, writes(0, 3));
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data]);
  t.is(c.code, 0, c.stderr);
  await runQueries(server.uri, writes(100, 12));
  const w = await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet']);
  t.is(w.code, 0, w.stderr);
  await server.kill();

  const all = records(repo);
  const finals = all.filter((r) => r.finalized);
  t.true(finals.length >= 5, `${finals.length} finalized WAL files archived`);
  const gone = finals[Math.floor(finals.length / 2)]!;
  const before = all[all.indexOf(gone) - 1]!;
  fs.rmSync(path.join(repo, `${gone.dataKey}.json`));
  fs.rmSync(path.join(repo, gone.dataKey));
  const newest = all.at(-1)!;

  const target = path.join(root, 'restored');
  const r = await runCli(['restore', '--repo', repo, '--to-ts', newest.toTs, '--data-dir', target]);
  t.is(r.code, 14, r.stderr);
  const uuid = fs.readdirSync(path.join(repo, 'archive'))[0]!;
  t.is(r.stderr.split('\n')[0], `mgbackup: error: --to-ts "${newest.toTs}" lies behind a hole in the wal archive of storage ${uuid}: `
    + `sequence number ${gone.seq} is missing between "${before.name}" and "${all[all.indexOf(gone) + 1]!.name}"`);
  t.false(fs.existsSync(target), 'nothing written');
  // By time too: now is after commits that lie beyond the hole.
  const byTime = await runCli(['restore', '--repo', repo, '--to-time', new Date().toISOString(), '--data-dir', target]);
  t.is(byTime.code, 14, byTime.stderr);
  t.regex(byTime.stderr, new RegExp(`^mgbackup: error: --to-time "\\S+" lies behind a hole in the wal archive of storage ${uuid}: sequence number ${gone.seq} is missing`));

  const v = await runCli(['verify', '--repo', repo, '--all']);
  t.is(v.code, 14, v.stderr);
  t.regex(v.stderr, new RegExp(`^mgbackup: error: repository has 1 problem\\(s\\): restore window of storage ${uuid} has a hole: WAL sequence number ${gone.seq} missing in the archive of storage ${uuid}`));

  const l = await runCli(['list', '--repo', repo]);
  t.is(l.code, 0, l.stderr);
  t.regex(l.stdout, new RegExp(`\\nrestore window: \\S+ \\(commit \\d+\\) \\.\\. \\S+ \\(commit ${before.toTs}\\)\\n`));
  t.regex(l.stdout, new RegExp(`\\nhole: +WAL sequence number ${gone.seq} missing`));

  // The newest point before the hole restores, and a stand-in recovers it.
  const ok = await runCli(['restore', '--repo', repo, '--to-ts', before.toTs, '--data-dir', target, '--json']);
  t.is(ok.code, 0, ok.stderr);
  t.is(JSON.parse(ok.stdout).pointInTime.ts, before.toTs);
  const restored = await startServer(t, target);
  const dump = await dumpDatabase(restored.uri);
  // Each write's string ends in its number: "-100" is the first write after the base backup.
  t.true(dump.some((l) => l.includes('-100"')), 'writes after the base backup are there');
  t.false(dump.some((l) => l.includes('-111"')), 'the last write, behind the hole, is not');
});

test('create with a WAL archive: the second create adds about one snapshot (plus the open WAL file), measured on disk', async (t) => {
  const root = tempRoot(t, 'pitr-growth');
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const server = await startServer(t, data, ['--wal-file-size-kib', '64']);
  // ~1 MiB of graph: the snapshot is the big part of a backup.
  const big = Array.from({ length: 16 }, (_, i) => `CREATE (:__mg_vertex__:\`B\` {__mg_id__: ${1000 + i}, \`s\`: "${'b'.repeat(64 * 1024)}"});`);
  await runQueries(server.uri, big);
  // Stored as they are: the sizes on disk are compared with Memgraph's file sizes.
  const plain = ['--repo-compression', 'none'];
  const watch = async () => {
    const w = await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet', ...plain]);
    t.is(w.code, 0, w.stderr);
  };
  await watch();
  const c1 = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json', ...plain]);
  t.is(c1.code, 0, c1.stderr);
  await runQueries(server.uri, writes(0, 20));
  await watch();
  const isArchive = (rel: string) => rel === 'archive' || rel.startsWith('.');
  const backupsBefore = treeBytes(repo, isArchive);
  const archiveBefore = treeBytes(path.join(repo, 'archive'));

  const c2 = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json', ...plain]);
  t.is(c2.code, 0, c2.stderr);
  const second = JSON.parse(c2.stdout) as { id: string; files: { kind: string; size: number }[]; archived: { key: string; size: number }[] };
  const snapshot = second.files.find((f) => f.kind === 'snapshot')!.size;
  const openWal = second.files.filter((f) => f.kind === 'wal').reduce((n, f) => n + f.size, 0);
  const grew = treeBytes(repo, isArchive) - backupsBefore;
  const archiveGrew = treeBytes(path.join(repo, 'archive')) - archiveBefore;
  t.true(snapshot > 1_000_000, `snapshot ${snapshot} bytes`);
  // The backup folder: its snapshot, the open WAL file (at most one 64 KiB file) and its manifest.
  t.true(grew >= snapshot && grew <= snapshot + openWal + 16 * 1024, `backups grew by ${grew} bytes for a ${snapshot}-byte snapshot and ${openWal} bytes of open WAL`);
  t.true(openWal <= 80 * 1024, `open WAL ${openWal} bytes`);
  // The archive stores each WAL once: create adds to it only what it references and watch had not stored.
  t.true(archiveGrew <= second.archived.reduce((n, a) => n + a.size, 0) + second.archived.length * 2048, `archive grew by ${archiveGrew}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, second.id, 'manifest.json'), 'utf8')) as { formatVersion: number; observed: { ts: string; at: string } };
  t.is(manifest.formatVersion, 2);
  t.regex(manifest.observed.ts, /^\d+$/);
  t.true(Date.parse(manifest.observed.at) > 0);

  const v = await runCli(['verify', '--repo', repo, '--all']);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, new RegExp(`^backup ${second.id}: ok`, 'm'));
  t.regex(v.stdout, /^wal archive: ok \(\d+ files, /m);
});
