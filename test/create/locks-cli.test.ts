// Issue 9's lock and leftover items, each driven through the built CLI against the stand-in as its own
// process, checking exit codes, exact stderr lines and the files on disk.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { runCli } from '../helpers/run-cli.js';
import { boltString, TcpProxy } from '../helpers/tcp-proxy.js';
import {
  caseDirs, createArgs, leaseOf, lockFromOutside, lockStatus, seed, startCli, startStandIn, type CaseDirs,
} from '../faults/harness.js';

const LOCKED = 'Data directory is locked.';
const UNLOCKED = 'Data directory is unlocked.';

function forgeOwner(over: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    format: 'mgbackup-owner', ...systemProcessProbe.self(), token: `forged-${Math.random()}`, backupId: '20260101T000000Z-deadbeef',
    server: 'bolt://elsewhere:7687', database: 'memgraph', startedAt: now, renewedAt: now, ...over,
  };
}

function writeLease(dirs: CaseDirs, over: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dirs.data, '.mgbackup-lease-memgraph.json'), JSON.stringify(forgeOwner({ state: 'locking', ...over })));
}

/** A pid that existed and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const unlockArgs = (uri: string, dirs: CaseDirs, extra: string[] = []) => ['unlock', '--uri', uri, '--data-dir', dirs.data, ...extra];

test('item 3: two concurrent creates with --wait both succeed, one after the other (the second queues on the lease)', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  // A's answer to CREATE SNAPSHOT is held (A holds its lease, the server is not locked yet) until B has
  // either queued behind A's lease, or (without the lease) read STATUS "unlocked" and gone on to CREATE
  // SNAPSHOT itself, racing A to LOCK: the old behaviour, where one of them ended with exit 13.
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: s.port });
  proxy.hold({ pattern: boltString('CREATE SNAPSHOT'), nth: 1, ms: Number.POSITIVE_INFINITY });
  t.teardown(() => proxy.close());
  const a = startCli(createArgs(proxy.uri, dirs, ['--wait', '--json']));
  const log = () => (fs.existsSync(dirs.stepLog) ? fs.readFileSync(dirs.stepLog, 'utf8') : '');
  while (!log().includes('CREATE SNAPSHOT')) await new Promise((r) => setTimeout(r, 10));
  let bErr = '';
  const b = startCli(createArgs(proxy.uri, dirs, ['--wait', '--json', '--verbose']));
  b.child.stderr!.on('data', (d: string) => (bErr += d));
  while (!bErr.includes('waiting (--wait)') && log().split('CREATE SNAPSHOT').length < 3 && b.child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 10));
  }
  proxy.release();
  const [ra, rb] = await Promise.all([a.result, b.result]);
  t.is(ra.code, 0, ra.stderr);
  t.is(rb.code, 0, rb.stderr);
  const ida = JSON.parse(ra.stdout).id as string;
  t.regex(rb.stderr, new RegExp(`backup ${ida} \\(pid ${a.child.pid} on host .*\\) holds the data-directory lease; waiting \\(--wait\\)`));
  // Serialized: B's LOCK comes after A's UNLOCK.
  const queries = log().split('\n').filter(Boolean).map((l) => JSON.parse(l).query as string).filter((q) => /^(UN)?LOCK DATA/.test(q));
  t.deepEqual(queries, ['LOCK DATA DIRECTORY', 'UNLOCK DATA DIRECTORY', 'LOCK DATA DIRECTORY', 'UNLOCK DATA DIRECTORY']);
  const list = await runCli(['list', '--repo', dirs.repo, '--json']);
  t.is(JSON.parse(list.stdout).backups.length, 2);
  t.is(await lockStatus(s.uri), UNLOCKED);
});

test('item 2: a lock without a lease is never released by create or unlock; unlock --force releases it', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  await lockFromOutside(s.uri);
  const c = await runCli(createArgs(s.uri, dirs));
  t.is(c.code, 13);
  t.is(c.stderr, [
    'mgbackup: error: cannot start the backup: the data directory is locked by someone else',
    'hint: another backup or an operator holds LOCK DATA DIRECTORY; mgbackup never unlocks a lock it did not take',
    'hint: wait for it to finish, or pass --wait to poll until it is released',
    '',
  ].join('\n'));
  const u = await runCli(unlockArgs(s.uri, dirs));
  t.is(u.code, 13);
  t.is(u.stderr.split('\n')[0], 'mgbackup: error: refusing to unlock: the data directory is locked, and no mgbackup lease says by whom');
  t.regex(u.stderr, /^hint: if you know nobody needs it, run `mgbackup unlock --force`$/m);
  t.is(await lockStatus(s.uri), LOCKED);
  t.is(leaseOf(dirs), undefined);
  const f = await runCli(unlockArgs(s.uri, dirs, ['--force']));
  t.is(f.code, 0, f.stderr);
  t.is(f.stdout, 'released the lock (--force; no lease named its holder)\n');
  t.regex(f.stderr, /released a data-directory lock that no mgbackup lease accounts for \(--force\)/);
  t.is(await lockStatus(s.uri), UNLOCKED);
});

test('item 2: a live run\'s lease is never overridden: create and unlock (even --force) exit 13 naming it', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  await lockFromOutside(s.uri);
  writeLease(dirs, {}); // this test process: alive, on this machine
  const c = await runCli(createArgs(s.uri, dirs));
  t.is(c.code, 13);
  t.is(c.stderr.split('\n')[0], `mgbackup: error: cannot start the backup: another backup holds the data-directory lease: backup 20260101T000000Z-deadbeef (pid ${process.pid} on host ${systemProcessProbe.self().host}, started ${leaseOf(dirs) && (JSON.parse(fs.readFileSync(path.join(dirs.data, '.mgbackup-lease-memgraph.json'), 'utf8')).startedAt)}, last renewed ${JSON.parse(fs.readFileSync(path.join(dirs.data, '.mgbackup-lease-memgraph.json'), 'utf8')).renewedAt}), still running`);
  for (const extra of [[], ['--force']]) {
    const u = await runCli(unlockArgs(s.uri, dirs, extra));
    t.is(u.code, 13);
    t.regex(u.stderr, new RegExp(`^mgbackup: error: refusing to unlock: backup 20260101T000000Z-deadbeef \\(pid ${process.pid} .*\\) is still running on this machine$`, 'm'));
  }
  t.is(await lockStatus(s.uri), LOCKED);
  t.truthy(leaseOf(dirs));
});

test('item 2: a dead run\'s lease with the lock on: the next create releases it and names the dead run', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  await lockFromOutside(s.uri);
  const pid = deadPid();
  writeLease(dirs, { pid });
  const c = await runCli(createArgs(s.uri, dirs, ['--json']));
  t.is(c.code, 0, c.stderr);
  t.regex(c.stderr, new RegExp(`released the data-directory lock left by backup 20260101T000000Z-deadbeef \\(pid ${pid} on host ${systemProcessProbe.self().host}, started .*\\): process ${pid} no longer exists`));
  t.is(leaseOf(dirs), undefined);
  t.is(await lockStatus(s.uri), UNLOCKED);
});

test('item 2: another host\'s lease: stale is released by create, fresh is reported until unlock --force', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  await lockFromOutside(s.uri);
  writeLease(dirs, { host: 'backup-job-7f9c', pid: 1, bootId: 'other', pidNamespace: 'pid:[1]' });
  const c = await runCli(createArgs(s.uri, dirs));
  t.is(c.code, 13);
  t.regex(c.stderr, /^mgbackup: error: cannot start the backup: another backup holds the data-directory lease: backup 20260101T000000Z-deadbeef \(pid 1 on host backup-job-7f9c, .*\), on another host, renewed \d+ s ago$/m);
  t.regex(c.stderr, /^hint: if that run is gone, its lease counts as stale 300 s after its last renewal; `mgbackup unlock --force` releases it now$/m);
  t.is(await lockStatus(s.uri), LOCKED);
  const u = await runCli(unlockArgs(s.uri, dirs, ['--force']));
  t.is(u.code, 0, u.stderr);
  t.regex(u.stdout, /^released the lock of backup 20260101T000000Z-deadbeef \(pid 1 on host backup-job-7f9c, .*\) \(--force\)\n$/);
  t.is(await lockStatus(s.uri), UNLOCKED);
  t.is(leaseOf(dirs), undefined);

  await lockFromOutside(s.uri);
  writeLease(dirs, { host: 'backup-job-7f9c', pid: 1, bootId: 'other', pidNamespace: 'pid:[1]', renewedAt: new Date(Date.now() - 3600_000).toISOString() });
  const stale = await runCli(createArgs(s.uri, dirs));
  t.is(stale.code, 0, stale.stderr);
  t.regex(stale.stderr, /released the data-directory lock left by backup 20260101T000000Z-deadbeef \(pid 1 on host backup-job-7f9c, .*\): on another host, not renewed for 36\d\d s/);
  t.is(await lockStatus(s.uri), UNLOCKED);
});

test('item 1: the answer to LOCK lost on the wire: create finds the lock on and releases it', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: s.port }, { pattern: boltString('LOCK DATA DIRECTORY'), when: 'after' });
  t.teardown(() => proxy.close());
  const c = await runCli(createArgs(proxy.uri, dirs));
  t.is(c.code, 10);
  t.regex(c.stderr, /^mgbackup: error: connection lost while running "LOCK DATA DIRECTORY"/);
  const queries = fs.readFileSync(dirs.stepLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).query as string);
  t.deepEqual(queries.slice(-3), ['LOCK DATA DIRECTORY', 'DATA DIRECTORY LOCK STATUS', 'UNLOCK DATA DIRECTORY']);
  t.is(await lockStatus(s.uri), UNLOCKED);
  t.is(leaseOf(dirs), undefined);
  t.deepEqual(fs.readdirSync(path.join(dirs.repo, '.staging')), []);
});

test('item 4: list, verify and create remove dead runs\' leftovers, keep live and unowned ones, and say so', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  const first = await runCli(createArgs(s.uri, dirs, ['--json']));
  t.is(first.code, 0, first.stderr);
  const id = JSON.parse(first.stdout).id as string;
  const staging = path.join(dirs.repo, '.staging');
  const pid = deadPid();
  const mk = (name: string, owner?: Record<string, unknown>) => {
    fs.mkdirSync(path.join(staging, name, '.pins', 'snapshots'), { recursive: true });
    fs.writeFileSync(path.join(staging, name, 'half-copied'), Buffer.alloc(4096));
    if (owner) fs.writeFileSync(path.join(staging, `${name}.owner.json`), JSON.stringify(owner));
  };
  mk('20260101T000000Z-00000dea', forgeOwner({ pid, backupId: '20260101T000000Z-00000dea' }));
  mk('20260101T000000Z-0000a11e', forgeOwner({ backupId: '20260101T000000Z-0000a11e' }));
  mk('20260101T000000Z-00000001');
  const list = await runCli(['list', '--repo', dirs.repo, '--json']);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stderr, new RegExp(`^mgbackup: warning: removed repository leftover .staging/20260101T000000Z-00000dea: left by backup 20260101T000000Z-00000dea \\(pid ${pid} on host .*\\), process ${pid} no longer exists$`, 'm'));
  t.regex(list.stderr, /kept repository leftover .staging\/20260101T000000Z-00000001: it has no owner record, so mgbackup cannot tell whether a run still uses it; remove it by hand if no backup is running$/m);
  t.notRegex(list.stderr, /0000a11e/);
  const json = JSON.parse(list.stdout);
  t.deepEqual(json.leftovers.map((l: { path: string; action: string }) => [l.path, l.action]), [
    ['.staging/20260101T000000Z-00000001', 'kept'], ['.staging/20260101T000000Z-00000dea', 'removed'],
  ]);
  t.deepEqual(json.backups.map((b: { id: string }) => b.id), [id]);
  t.deepEqual(fs.readdirSync(staging).sort(), ['20260101T000000Z-00000001', '20260101T000000Z-0000a11e', '20260101T000000Z-0000a11e.owner.json']);

  // verify reports the same way; and create cleans the data directory's pin folders of dead runs.
  mk('20260101T000000Z-00000de2', forgeOwner({ pid, backupId: '20260101T000000Z-00000de2' }));
  const v = await runCli(['verify', '--repo', dirs.repo, id, '--json']);
  t.is(v.code, 0, v.stderr);
  t.deepEqual(JSON.parse(v.stdout).leftovers.filter((l: { action: string }) => l.action === 'removed').map((l: { path: string }) => l.path), ['.staging/20260101T000000Z-00000de2']);
  const pinDir = path.join(dirs.data, '.mgbackup-pin-20260101T000000Z-00000dea');
  fs.mkdirSync(path.join(pinDir, 'snapshots'), { recursive: true });
  fs.writeFileSync(path.join(pinDir, 'owner.json'), JSON.stringify(forgeOwner({ pid, backupId: '20260101T000000Z-00000dea' })));
  const c = await runCli(createArgs(s.uri, dirs));
  t.is(c.code, 0, c.stderr);
  t.regex(c.stderr, new RegExp(`removed data-directory leftover .mgbackup-pin-20260101T000000Z-00000dea: left by backup 20260101T000000Z-00000dea \\(pid ${pid} `));
  t.false(fs.existsSync(pinDir));
});

test('item 19: the server data directory is inferred; a --data-dir of another server says exactly that', async (t) => {
  const a = caseDirs(t);
  const b = caseDirs(t);
  const sa = await startStandIn(t, a);
  const sb = await startStandIn(t, b);
  await seed(sa.uri);
  await seed(sb.uri);
  // The stand-in's --data-directory is a temp folder, not /var/lib/memgraph, and no --server-data-dir is given.
  const ok = await runCli(createArgs(sa.uri, a, ['--json']));
  t.is(ok.code, 0, ok.stderr);
  const wrong = await runCli(['create', '--uri', sa.uri, '--repo', a.repo, '--data-dir', b.data]);
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, new RegExp(`^mgbackup: error: data directory "${b.data}" belongs to another server: the snapshot the server just wrote \\("${a.data}/snapshots/\\d{20}_timestamp_\\d+"\\) is not in it$`, 'm'));
  t.regex(wrong.stderr, /^hint: use --server-data-dir only when the server sees that directory under another path \(a bind mount\)$/m);
  t.is(await lockStatus(sa.uri), UNLOCKED);
  t.deepEqual(fs.readdirSync(b.data).filter((n) => n.startsWith('.mgbackup')), []);
  t.deepEqual(fs.readdirSync(path.join(a.repo, '.staging')), []);
});

test('a watch pinning WAL holds the lease for moments: create without --wait waits for it instead of exiting 13', async (t) => {
  const dirs = caseDirs(t);
  const s = await startStandIn(t, dirs);
  await seed(s.uri);
  // A live watch's lease (this test process stands in for it), state "claimed": it has not sent LOCK.
  writeLease(dirs, { backupId: 'watch-20261203T070000Z-0badcafe-1', state: 'claimed' });
  // --verbose: off a terminal the wait is narrated only then (with timestamps).
  const run = startCli([...createArgs(s.uri, dirs), '--verbose']);
  let stderr = '';
  run.child.stderr!.on('data', (d: Buffer | string) => (stderr += String(d)));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('holds the data-directory lease; waiting') && run.child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(run.child.exitCode, null, `create is waiting, not finished: ${stderr}`);
  t.truthy(leaseOf(dirs), 'the watch lease is still there: nothing took it over');
  fs.rmSync(path.join(dirs.data, '.mgbackup-lease-memgraph.json'));
  const r = await run.result;
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /backup watch-20261203T070000Z-0badcafe-1 \(pid \d+ on host .*\) holds the data-directory lease; waiting$/m);
});
