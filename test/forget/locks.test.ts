// Repository locks as the commands take them (docs/repository-format.md, "Locks"), with real processes:
// a live conflicting holder -> exit 13 naming pid, host, command and since; a record of a dead process
// -> removed with a warning; `unlock --repo` removes stale records and never a live one.
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { localRepo, NO_FIXTURES, pausedAt } from './cli-helpers.js';

const withFixtures = skipIf(test, NO_FIXTURES ? NO_FIXTURES_REASON : undefined);

function readLock(repo: string): Record<string, unknown> & { pid: number; host: string; startedAt: string } {
  const names = fs.readdirSync(path.join(repo, 'locks'));
  if (names.length !== 1) throw new Error(`expected one lock record, found ${names.join(', ')}`);
  return JSON.parse(fs.readFileSync(path.join(repo, 'locks', names[0]!), 'utf8'));
}

/** A lock record for process `pid` of this machine, written the way a holder writes its own. */
function writeRecord(repo: string, pid: number, mode: 'shared' | 'exclusive', command: string): string {
  const me = systemProcessProbe.self();
  const token = `test${pid}`;
  const at = new Date().toISOString();
  fs.mkdirSync(path.join(repo, 'locks'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'locks', `${token}.json`), JSON.stringify({
    format: 'mgbackup-repo-lock', mode, command, token, ...me, pid, startTicks: systemProcessProbe.startTicksOf(pid) ?? 'gone',
    startedAt: at, renewedAt: at,
  }));
  return at;
}

const busy = (repo: string, holder: string) => `mgbackup: error: repository ${JSON.stringify(repo)} is locked by ${holder}\n`
  + 'hint: wait until it finishes, then run the command again; if that process is gone for good, `mgbackup unlock --repo` removes its lock once it is stale\n';

withFixtures('a prune in progress holds the exclusive lock: list, verify, pin, restore and another forget exit 13 naming it', async (t) => {
  const { repo, ids } = await localRepo(3);
  const p = await pausedAt(['forget', '--repo', repo, '--keep-last', '1', '--prune'], 'forgetting *');
  t.teardown(() => p.kill());
  t.is(p.state, 'stopped');
  const rec = readLock(repo);
  t.is(rec.pid, p.child.pid!);
  const holder = `forget --prune (pid ${p.child.pid} on host ${os.hostname()}, since ${rec.startedAt}, exclusive for retention)`;
  const data = path.join(path.dirname(repo), 'target');
  for (const args of [
    ['list', '--repo', repo], ['verify', '--repo', repo, ids[2]!], ['pin', '--repo', repo, ids[0]!],
    ['forget', '--repo', repo, '--keep-last', '2'], ['restore', '--repo', repo, 'latest', '--data-dir', data, '--dry-run', '--target-version', '3.12.0'],
  ]) {
    const r = await runCli(args);
    t.is(r.code, 13, `${args[0]}: ${r.stderr}`);
    t.is(r.stderr, busy(repo, holder), args[0]);
    t.is(r.stdout, '');
  }
  // unlock never removes a live holder's record.
  const u = await runCli(['unlock', '--repo', repo]);
  t.is(u.code, 0, u.stderr);
  t.is(u.stdout, `no stale repository locks; kept 1 live one(s): ${holder}\n`);
  t.is(readLock(repo).pid, p.child.pid!);
});

withFixtures('shared holders do not exclude each other, but exclude a prune; forget and pin exclude each other', async (t) => {
  const { repo, ids } = await localRepo(3);
  const p = await pausedAt(['forget', '--repo', repo, '--keep-last', '2'], 'forgetting *');
  t.teardown(() => p.kill());
  t.is(p.state, 'stopped');
  const l = await runCli(['list', '--repo', repo]);
  t.is(l.code, 0, l.stderr);
  const v = await runCli(['verify', '--repo', repo, ids[2]!]);
  t.is(v.code, 0, v.stderr);
  const rec = readLock(repo);
  const holder = `forget (pid ${p.child.pid} on host ${os.hostname()}, since ${rec.startedAt}, shared for retention)`;
  const prune = await runCli(['forget', '--repo', repo, '--keep-last', '2', '--prune']);
  t.is(prune.code, 13);
  t.is(prune.stderr, busy(repo, holder));
  // A pin could put back a manifest the forget just moved: the two share the retention scope.
  const pin = await runCli(['pin', '--repo', repo, ids[0]!]);
  t.is(pin.code, 13);
  t.is(pin.stderr, `mgbackup: error: repository ${JSON.stringify(repo)} is locked by ${holder}\n`
    + 'hint: forget and pin do not run at the same time (retention); wait until it finishes, then run the command again\n');
});

withFixtures('a lock record of a live process (not mgbackup\'s own) is respected; of a dead one, removed with a warning', async (t) => {
  const { repo } = await localRepo(1);
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.teardown(() => { sleeper.kill('SIGKILL'); });
  const since = writeRecord(repo, sleeper.pid!, 'exclusive', 'forget --prune');
  const r = await runCli(['list', '--repo', repo]);
  t.is(r.code, 13);
  t.is(r.stderr, busy(repo, `forget --prune (pid ${sleeper.pid} on host ${os.hostname()}, since ${since}, exclusive)`));

  const exited = new Promise((resolve) => sleeper.on('exit', resolve));
  sleeper.kill('SIGKILL');
  await exited;
  const after = await runCli(['list', '--repo', repo]);
  t.is(after.code, 0, after.stderr);
  t.is(after.stderr, `mgbackup: warning: removed the stale repository lock of forget --prune (pid ${sleeper.pid} on host ${os.hostname()}, since ${since}, exclusive): process ${sleeper.pid} no longer exists\n`);
  t.deepEqual(fs.readdirSync(path.join(repo, 'locks')), []);
});

withFixtures('unlock --repo removes stale records, reports them, and leaves the repository usable', async (t) => {
  const { repo } = await localRepo(1);
  const gone = spawn('true', [], { stdio: 'ignore' });
  await new Promise((resolve) => gone.on('exit', resolve));
  const since = writeRecord(repo, gone.pid!, 'shared', 'create');
  const u = await runCli(['unlock', '--repo', repo]);
  t.is(u.code, 0, u.stderr);
  t.is(u.stdout, 'removed 1 stale repository lock(s)\n');
  t.is(u.stderr, `mgbackup: warning: removed the stale repository lock of create (pid ${gone.pid} on host ${os.hostname()}, since ${since}, shared): process ${gone.pid} no longer exists\n`);
  t.deepEqual(fs.readdirSync(path.join(repo, 'locks')), []);
  const again = await runCli(['unlock', '--repo', repo, '--json']);
  t.like(JSON.parse(again.stdout), { type: 'unlock-repo', removed: [], live: [], message: 'no stale repository locks' });
  const both = await runCli(['unlock', '--repo', repo, '--data-dir', '/x']);
  t.is(both.code, 2);
  t.regex(both.stderr, /^mgbackup: error: give exactly one of --data-dir, --container and --repo\n/);
});

withFixtures('readers do not write the marker; writers write it and say so once', async (t) => {
  const { repo, ids } = await localRepo(2);
  for (const args of [['list', '--repo', repo], ['verify', '--repo', repo, ids[0]!]]) {
    const r = await runCli(args);
    t.is(r.code, 0, r.stderr);
    t.is(r.stderr, '');
  }
  t.false(fs.existsSync(path.join(repo, 'mgbackup-repo.json')));
  const pin = await runCli(['pin', '--repo', repo, ids[0]!]);
  t.is(pin.stderr, `mgbackup: warning: repository ${JSON.stringify(repo)} upgraded to format 2 (existing backups stay as they are)\n`);
  t.is(JSON.parse(fs.readFileSync(path.join(repo, 'mgbackup-repo.json'), 'utf8')).formatVersion, 2);
  const unpin = await runCli(['unpin', '--repo', repo, ids[0]!]);
  t.is(unpin.stderr, '');
});

withFixtures('a restore from the repository holds its shared lock: a prune meanwhile exits 13 naming it', async (t) => {
  const { repo } = await localRepo(2);
  const { writeOldDataDir } = await import('../restore/helpers.js');
  const target = path.join(path.dirname(repo), 'data');
  await writeOldDataDir(target);
  const p = await pausedAt(['restore', '--repo', repo, 'latest', '--data-dir', target, '--target-version', '3.12.0'], 'staged snapshots/*');
  t.teardown(() => p.kill());
  t.is(p.state, 'stopped');
  const rec = readLock(repo);
  const r = await runCli(['forget', '--repo', repo, '--keep-last', '1', '--prune']);
  t.is(r.code, 13);
  t.is(r.stderr, busy(repo, `restore (pid ${p.child.pid} on host ${os.hostname()}, since ${rec.startedAt}, shared)`));
  t.is(fs.readdirSync(repo).filter((n) => /^\d{8}T/.test(n)).length, 2, 'nothing was deleted under the restore');
  t.false(fs.existsSync(path.join(repo, 'mgbackup-repo.json')), 'a refused writer does not even write the marker');
});
