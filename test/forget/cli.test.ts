// `mgbackup forget`, `pin`, `unpin` as an operator runs them: exit codes, exact output, files on disk.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { fingerprint } from '../restore/helpers.js';
import { listAndVerify, localRepo, NO_FIXTURES } from './cli-helpers.js';

const withFixtures = skipIf(test, NO_FIXTURES ? NO_FIXTURES_REASON : undefined);

test('forget without any keep option refuses with exit 2 and deletes nothing', async (t) => {
  const r = await runCli(['forget', '--repo', '/nonexistent-repo']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: forget needs at least one keep option\n'
    + 'hint: e.g. --keep-last 7, or --keep-daily 7 --keep-weekly 4 --keep-monthly 12; forget never deletes everything by default\n');
  t.is(r.stdout, '');
  const zero = await runCli(['forget', '--repo', '/nonexistent-repo', '--keep-last', '0']);
  t.is(zero.code, 2);
});

test('bad keep values are usage errors naming the flag', async (t) => {
  const a = await runCli(['forget', '--repo', '/r', '--keep-daily', 'seven']);
  t.is(a.code, 2);
  t.regex(a.stderr, /^mgbackup: error: --keep-daily "seven" is not a whole number\n/);
  const b = await runCli(['forget', '--repo', '/r', '--keep-within', '7 days']);
  t.is(b.code, 2);
  t.regex(b.stderr, /^mgbackup: error: --keep-within "7 days" is not a duration\n/);
  const c = await runCli(['forget', '--repo', '/r', '--keep-last', '1', '--keep-wal-within', '7d']);
  t.is(c.code, 2);
  t.regex(c.stderr, /^mgbackup: error: --keep-wal-within applies to --prune, and none was given\n/);
});

withFixtures('--dry-run prints exactly what would go and changes nothing; the real run then does exactly that', async (t) => {
  const { repo, ids } = await localRepo(5, { walFiles: 3 });
  fs.writeFileSync(path.join(repo, 'archive', fs.readdirSync(path.join(repo, 'archive'))[0]!, `${'9'.repeat(20)}-${'0'.repeat(20)}.wal`), 'debris');
  const before = await fingerprint(repo);
  const args = ['forget', '--repo', repo, '--keep-last', '2', '--keep-tag', 'release', '--prune'];
  const dry = await runCli([...args, '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.is(await fingerprint(repo), before, 'nothing changed, not even a marker or a lock');
  const lines = dry.stdout.split('\n');
  t.deepEqual(lines.slice(0, 6), [
    `keep    ${ids[4]}  2026-03-05 10:00:00  memgraph  last`,
    `keep    ${ids[3]}  2026-03-04 10:00:00  memgraph  last`,
    `forget  ${ids[2]}  2026-03-03 10:00:00  memgraph`,
    `keep    ${ids[1]}  2026-03-02 10:00:00  memgraph  tag release`,
    `forget  ${ids[0]}  2026-03-01 10:00:00  memgraph`,
    '3 backup(s) kept, 2 to forget',
  ]);
  t.regex(dry.stdout, new RegExp(`^would delete backup ${ids[0]} \\(`, 'm'));
  // The newest archived file stays (it anchors the chain the next archived files continue).
  t.regex(dry.stdout, /^would delete archived WAL archive\/[^ ]+ \.\. [^ ]+ \(2 file\(s\), /m);
  t.regex(dry.stdout, /^would delete debris archive\/.*\.wal: WAL data without its record/m);
  t.regex(dry.stdout, /^prune would delete 2 backup\(s\), 2 archived WAL file\(s\), 1 debris object\(s\): /m);
  t.true(dry.stdout.endsWith('dry run: nothing was changed\n'));

  const dryJson = JSON.parse((await runCli([...args, '--dry-run', '--json'])).stdout);
  const real = await runCli([...args, '--json']);
  t.is(real.code, 0, real.stderr);
  const done = JSON.parse(real.stdout);
  t.deepEqual({ ...dryJson, dryRun: false }, done, 'the dry run reported exactly what the run did');
  t.deepEqual(done.forgotten, [ids[0], ids[2]]);
  const after = await listAndVerify(repo);
  t.deepEqual(after, { ids: [ids[1], ids[3], ids[4]], problems: [] });
  t.false(fs.existsSync(path.join(repo, ids[0]!)), 'the folder itself is gone');
  t.deepEqual(fs.readdirSync(path.join(repo, 'forgetting')), []);
});

withFixtures('forget without --prune unlists the backups at once; their files go with the next prune', async (t) => {
  const { repo, ids } = await localRepo(3);
  const r = await runCli(['forget', '--repo', repo, '--keep-last', '1']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, `mgbackup: warning: repository ${JSON.stringify(repo)} upgraded to format 2 (existing backups stay as they are)\n`);
  t.deepEqual(await listAndVerify(repo), { ids: [ids[2]], problems: [] });
  t.true(fs.existsSync(path.join(repo, ids[0]!, 'snapshots')));
  const p = await runCli(['forget', '--repo', repo, '--keep-last', '1', '--prune']);
  t.is(p.code, 0, p.stderr);
  t.regex(p.stdout, new RegExp(`^delete backup ${ids[0]} `, 'm'));
  t.deepEqual(fs.readdirSync(repo).filter((n) => /^\d/.test(n)), [ids[2]]);
});

withFixtures('pin protects a backup from forget; unpin gives it back to the policy', async (t) => {
  const { repo, ids } = await localRepo(3);
  const pin = await runCli(['pin', '--repo', repo, ids[0]!.slice(-8)]);
  t.is(pin.code, 0, pin.stderr);
  t.is(pin.stdout, `backup ${ids[0]}: pinned (forget keeps it whatever the policy)\n`);
  const again = await runCli(['pin', '--repo', repo, ids[0]!, '--json']);
  t.deepEqual(JSON.parse(again.stdout), { type: 'pin', id: ids[0], pinned: true, changed: false });
  t.is(JSON.parse(fs.readFileSync(path.join(repo, ids[0]!, 'manifest.json'), 'utf8')).pinned, true);
  t.is(fs.statSync(path.join(repo, ids[0]!, 'manifest.json')).mode & 0o777, 0o600);
  const f = await runCli(['forget', '--repo', repo, '--keep-last', '1', '--prune']);
  t.is(f.code, 0, f.stderr);
  t.regex(f.stdout, new RegExp(`^keep    ${ids[0]}  .*  pinned$`, 'm'));
  t.deepEqual((await listAndVerify(repo)), { ids: [ids[0], ids[2]], problems: [] });
  const un = await runCli(['unpin', '--repo', repo, ids[0]!]);
  t.is(un.stdout, `backup ${ids[0]}: not pinned\n`);
  await runCli(['forget', '--repo', repo, '--keep-last', '1', '--prune']);
  t.deepEqual((await listAndVerify(repo)).ids, [ids[2]]);
  const missing = await runCli(['pin', '--repo', repo, 'nope']);
  t.is(missing.code, 12);
  t.regex(missing.stderr, /^mgbackup: error: no backup "nope" in repository /);
});

withFixtures('--prune removes debris: a dead run\'s .staging folder, an old .tmp file; a live run\'s staging stays', async (t) => {
  const { repo, ids } = await localRepo(2);
  const { spawn } = await import('node:child_process');
  const { systemProcessProbe } = await import('../../src/io/process-probe.js');
  const gone = spawn('true', [], { stdio: 'ignore' });
  await new Promise((resolve) => gone.on('exit', resolve));
  const owner = (pid: number, id: string) => JSON.stringify({
    format: 'mgbackup-owner', ...systemProcessProbe.self(), pid, startTicks: systemProcessProbe.startTicksOf(pid) ?? 'gone', token: `t${pid}`,
    backupId: id, server: 'bolt://x', database: 'memgraph', startedAt: '2026-03-01T00:00:00.000Z', renewedAt: '2026-03-01T00:00:00.000Z',
  });
  const dead = '20260309T000000Z-dead0001';
  const live = '20260309T000000Z-11be0001';
  fs.mkdirSync(path.join(repo, '.staging', dead, 'snapshots'), { recursive: true });
  fs.writeFileSync(path.join(repo, '.staging', dead, 'snapshots', 'x'), 'half');
  fs.writeFileSync(path.join(repo, '.staging', `${dead}.owner.json`), owner(gone.pid!, dead));
  fs.mkdirSync(path.join(repo, '.staging', live));
  fs.writeFileSync(path.join(repo, '.staging', `${live}.owner.json`), owner(process.pid, live));
  fs.mkdirSync(path.join(repo, '.tmp'), { recursive: true });
  fs.writeFileSync(path.join(repo, '.tmp', 'a1b2c3'), 'torn put');
  const old = new Date(Date.now() - 2 * 3_600_000);
  fs.utimesSync(path.join(repo, '.tmp', 'a1b2c3'), old, old);

  const dry = await runCli(['forget', '--repo', repo, '--keep-last', '5', '--prune', '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, new RegExp(`^would delete \\.staging/${dead}: left by backup ${dead} \\(pid ${gone.pid} .*process ${gone.pid} no longer exists$`, 'm'));
  t.regex(dry.stdout, /^would delete \.tmp\/a1b2c3: the temp file of an interrupted write, untouched for over an hour$/m);
  t.false(dry.stdout.includes(live));
  t.true(fs.existsSync(path.join(repo, '.staging', dead)));

  const dryJson = JSON.parse((await runCli(['forget', '--repo', repo, '--keep-last', '5', '--prune', '--dry-run', '--json'])).stdout);
  const real = await runCli(['forget', '--repo', repo, '--keep-last', '5', '--prune', '--json']);
  t.is(real.code, 0, real.stderr);
  t.deepEqual({ ...dryJson, dryRun: false }, JSON.parse(real.stdout), 'the dry run reported exactly the debris the prune removed');
  const r = await runCli(['forget', '--repo', repo, '--keep-last', '5', '--prune']);
  t.is(r.code, 0, r.stderr);
  t.false(r.stdout.includes('.staging/'), 'nothing left to remove');
  t.deepEqual(fs.readdirSync(path.join(repo, '.staging')).sort(), [live, `${live}.owner.json`]);
  t.false(fs.existsSync(path.join(repo, '.tmp', 'a1b2c3')));
  t.deepEqual(await listAndVerify(repo), { ids, problems: [] });
});

withFixtures('a repository of a newer format is refused with exit 15, also by a dry run', async (t) => {
  const { repo } = await localRepo(1);
  fs.writeFileSync(path.join(repo, 'mgbackup-repo.json'), JSON.stringify({ format: 'mgbackup-repo', formatVersion: 4, createdAt: '2027-01-01T00:00:00.000Z', mgbackupVersion: '9.0.0' }));
  for (const extra of [['--dry-run'], ['--prune']]) {
    const r = await runCli(['forget', '--repo', repo, '--keep-last', '1', ...extra]);
    t.is(r.code, 15, r.stderr);
    t.regex(r.stderr, new RegExp(`^mgbackup: error: repository ${JSON.stringify(repo).replace(/[/\\]/g, '\\$&')} has format version 4, this mgbackup reads up to 3\n`));
  }
});
