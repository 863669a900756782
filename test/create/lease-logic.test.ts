// Fast checks of the lease rules the process tests cannot reach: pid reuse, a rebooted machine, another
// pid namespace, and a take-over that finds a new lease where the dead one was.
import test from 'ava';
import { ownerState, type ProcessIdentity, type ProcessProbe, type RunOwner } from '../../src/core/backup/run-owner.js';
import { leaseName, parseLease, takeOver, type LeaseRecord } from '../../src/core/backup/lease.js';
import type { SharedFiles } from '../../src/core/backup/shared-files.js';
import type { DataDirLock } from '../../src/core/backup/data-dir-lock.js';

const me: ProcessIdentity = { pid: 100, host: 'h', bootId: 'b', pidNamespace: 'pid:[1]', startTicks: '500' };
const probe = (procs: Record<number, string>): ProcessProbe => ({ self: () => me, startTicksOf: (pid) => procs[pid] });
const owner = (over: Partial<RunOwner>): RunOwner => ({
  format: 'mgbackup-owner', ...me, pid: 200, startTicks: '42', token: 't', backupId: 'B', server: 's', database: 'memgraph',
  startedAt: '2026-01-01T00:00:00.000Z', renewedAt: '2026-01-01T00:00:00.000Z', ...over,
});
const now = new Date('2026-01-01T00:01:00.000Z');

test('same machine: alive, gone, or a reused pid (another start time) counts as dead', (t) => {
  t.deepEqual(ownerState(owner({}), probe({ 200: '42' }), now), { kind: 'alive' });
  t.deepEqual(ownerState(owner({}), probe({}), now), { kind: 'dead', why: 'process 200 no longer exists' });
  t.deepEqual(ownerState(owner({}), probe({ 200: '43' }), now), { kind: 'dead', why: 'pid 200 now belongs to another process' });
});

test('a rebooted machine is dead; another namespace or host is judged by age only', (t) => {
  t.deepEqual(ownerState(owner({ bootId: 'old' }), probe({ 200: '42' }), now), { kind: 'dead', why: 'host h rebooted since' });
  t.deepEqual(ownerState(owner({ pidNamespace: 'pid:[2]' }), probe({}), now), { kind: 'fresh', ageMs: 60_000 });
  t.deepEqual(ownerState(owner({ host: 'k8s-job' }), probe({}), new Date('2026-01-01T00:06:00.001Z')), { kind: 'stale', ageMs: 360_001 });
});

test('lease names: the default database, and odd tenant names hex-encoded', (t) => {
  t.is(leaseName('memgraph'), '.mgbackup-lease-memgraph.json');
  t.is(leaseName('a/b'), `.mgbackup-lease-${Buffer.from('a/b').toString('hex')}.json`);
  t.is(parseLease('{"format":"mgbackup-owner"}'), undefined);
});

test('take-over that moves away a new lease (not the dead one) puts it back and does not unlock', async (t) => {
  const files = new Map<string, string>();
  const dead: LeaseRecord = { ...owner({ token: 'dead' }), state: 'claimed' };
  const fresh: LeaseRecord = { ...owner({ token: 'fresh', pid: 300 }), state: 'claimed' };
  files.set('L', JSON.stringify(fresh)); // replaced between our read and our move
  const shared: SharedFiles = {
    createExclusive: async (n, d) => (files.has(n) ? false : (files.set(n, d), true)),
    read: async (n) => files.get(n),
    replace: async (n, d) => void files.set(n, d),
    moveAway: async (n, to) => (files.has(n) ? (files.set(to, files.get(n)!), files.delete(n), true) : false),
    remove: async (n) => void files.delete(n),
    names: async () => [...files.keys()],
  };
  const calls: string[] = [];
  const lock = { status: async () => (calls.push('status'), 'locked'), forceUnlock: async () => void calls.push('unlock') } as unknown as DataDirLock;
  const warnings: string[] = [];
  t.is(await takeOver('L', dead, { kind: 'dead', why: 'gone' }, 'me', { files: shared, lock, warn: (m) => warnings.push(m) }), 'removed');
  t.deepEqual(calls, []); // state "claimed": the dead run never sent LOCK, so no lock is its own
  t.is(parseLease(files.get('L'))?.token, 'fresh');
  t.deepEqual([...files.keys()], ['L']);
});
