// Repository locks against the memory backend, with a probe that says which pids live. The CLI-level
// behaviour (exit 13 text, unlock --repo) is tested with the commands that take the locks.
import test from 'ava';
import type { Clock } from '../../src/core/clock.js';
import type { ProcessIdentity, ProcessProbe } from '../../src/core/backup/run-owner.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { LOCKS_PREFIX, acquireRepoLock, breakStale, readLocks } from '../../src/repo/repo-lock.js';
import { listAll } from '../../src/repo/repo-backend.js';

const id = (pid: number, host = 'h'): ProcessIdentity => ({ pid, host, bootId: 'b', pidNamespace: 'ns', startTicks: String(pid) });

function world(t0 = Date.parse('2026-12-03T06:00:00Z')) {
  let now = t0;
  const alive = new Set<number>();
  const clock: Clock = { now: () => new Date(now), monotonicMs: () => now, sleep: async (ms) => { now += ms; } };
  const backend = new MemoryBackend('/repo', () => now);
  const warnings: string[] = [];
  const as = (pid: number, host = 'h') => {
    alive.add(pid);
    const probe: ProcessProbe = { self: () => id(pid, host), startTicksOf: (p) => (alive.has(p) ? String(p) : undefined) };
    return { backend, probe, clock, warn: (m: string) => warnings.push(m) };
  };
  return { backend, as, alive, warnings, advance: (ms: number) => { now += ms; } };
}

test('shared locks coexist; an exclusive one waits for none and excludes all, naming the holder', async (t) => {
  const w = world();
  const a = await acquireRepoLock(w.as(100), { mode: 'shared', command: 'create' });
  const b = await acquireRepoLock(w.as(101), { mode: 'shared', command: 'restore' });
  const err = await t.throwsAsync(acquireRepoLock(w.as(102), { mode: 'exclusive', command: 'forget' }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'busy');
  t.regex(err!.message, /^repository "\/repo" is locked by (create|restore) \(pid 10[01] on host h, since 2026-12-03T06:00:00.000Z, shared\)$/);
  t.is((await listAll(w.backend, LOCKS_PREFIX)).length, 2, 'the refused run left no record');
  await a.release();
  await b.release();
  const x = await acquireRepoLock(w.as(102), { mode: 'exclusive', command: 'forget' });
  const e2 = await t.throwsAsync(acquireRepoLock(w.as(103), { mode: 'shared', command: 'create' }), { instanceOf: MgBackupError });
  t.regex(e2!.message, /locked by forget \(pid 102 on host h, .*exclusive\)$/);
  await x.release();
  await x.release();
  t.deepEqual(await listAll(w.backend, LOCKS_PREFIX), []);
});

test('the same scope excludes: a second watch for one database is refused, another database is not', async (t) => {
  const w = world();
  await acquireRepoLock(w.as(200), { mode: 'shared', command: 'watch', scope: 'watch:memgraph' });
  const err = await t.throwsAsync(acquireRepoLock(w.as(201), { mode: 'shared', command: 'watch', scope: 'watch:memgraph' }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'busy');
  t.regex(err!.message, /locked by watch \(pid 200 on host h, since .*, shared for watch:memgraph\)$/);
  await t.notThrowsAsync(acquireRepoLock(w.as(202), { mode: 'shared', command: 'watch', scope: 'watch:tenant' }));
  await t.notThrowsAsync(acquireRepoLock(w.as(203), { mode: 'shared', command: 'create' }));
});

test('a dead holder on this host is stale: removed with a warning; a live one is never removed', async (t) => {
  const w = world();
  await acquireRepoLock(w.as(300), { mode: 'exclusive', command: 'forget' });
  w.alive.delete(300);
  const l = await acquireRepoLock(w.as(302), { mode: 'exclusive', command: 'forget' });
  t.is(w.warnings.length, 1);
  t.regex(w.warnings[0]!, /^removed the stale repository lock of forget \(pid 300 on host h, .*\): process 300 no longer exists$/);
  t.deepEqual((await readLocks(w.as(302))).map((e) => e.record?.pid), [302]);
  await l.release();
});

test('another host\'s record is live until not renewed for 5 minutes; breakStale then removes it', async (t) => {
  const w = world();
  const remote = await acquireRepoLock(w.as(400, 'k8s-job'), { mode: 'exclusive', command: 'forget' });
  w.advance(4 * 60_000);
  const e = await t.throwsAsync(acquireRepoLock(w.as(401), { mode: 'shared', command: 'create' }));
  t.is((e as MgBackupError).kind, 'busy');
  t.deepEqual(await breakStale(w.as(401)), []);
  w.advance(61_000 + 60_000);
  const removed = await breakStale(w.as(401));
  t.deepEqual(removed.map((r) => r.token), [remote.record.token]);
  t.regex(w.warnings.at(-1)!, /on another host, not renewed for 3\d\d s$/);
});

test('--wait polls until the holder releases', async (t) => {
  const w = world();
  const held = await acquireRepoLock(w.as(500), { mode: 'exclusive', command: 'forget' });
  const said: string[] = [];
  let polls = 0;
  const deps = { ...w.as(501), info: (m: string) => said.push(m) };
  const clock = deps.clock;
  deps.clock = { ...clock, sleep: async (ms) => { polls++; if (polls === 3) await held.release(); await clock.sleep(ms); } };
  const got = await acquireRepoLock(deps, { mode: 'shared', command: 'create', wait: true, pollMs: 500 });
  t.is(polls, 3);
  t.is(said.length, 1);
  t.regex(said[0]!, /; waiting \(--wait\)$/);
  await got.release();
});

test('a scope-only claim (a running watch) keeps out only its own scope: a prune can take the exclusive lock beside it', async (t) => {
  const w = world();
  const claim = await acquireRepoLock(w.as(600), { mode: 'shared', command: 'watch', scope: 'watch:memgraph', scopeOnly: true });
  const second = await t.throwsAsync(acquireRepoLock(w.as(601), { mode: 'shared', command: 'watch', scope: 'watch:memgraph', scopeOnly: true }), { instanceOf: MgBackupError });
  t.is(second!.kind, 'busy');
  const prune = await acquireRepoLock(w.as(602), { mode: 'exclusive', command: 'forget --prune' });
  // While the prune holds it, the watch's next pass (a normal shared lock) is refused (or waits with wait: true).
  const pass = await t.throwsAsync(acquireRepoLock(w.as(600), { mode: 'shared', command: 'watch' }), { instanceOf: MgBackupError });
  t.regex(pass!.message, /locked by forget --prune \(pid 602/);
  await prune.release();
  const ok = await acquireRepoLock(w.as(600), { mode: 'shared', command: 'watch' });
  await ok.release();
  await claim.release();
});
