// `mgbackup unlock`: the operator's way to release a data-directory lock that a dead mgbackup left on,
// with the same rules the next create applies (lease.ts), plus --force for the cases a program must
// not decide alone: a lock without any lease (an operator's or another tool's), or a lease from
// another machine that is not stale yet. A lease whose process provably still runs on this machine
// is never overridden, not even with --force: that run will UNLOCK itself.
import { MgBackupError, q } from '../../errors/errors.js';
import type { Clock } from '../clock.js';
import type { DataDirLock } from './data-dir-lock.js';
import { heldByError, leaseName, parseLease, takeOver, type LeaseRecord } from './lease.js';
import { cleanDataDir, describeLeftover, type Leftover } from './leftovers.js';
import { describeOwner, describeState, isGone, ownerState, type ProcessProbe } from './run-owner.js';
import type { SharedFiles } from './shared-files.js';
import { breakStale, describeHolder, readLocks, type LockDeps, type RepoLockRecord } from '../../repo/repo-lock.js';

export interface UnlockRequest {
  database: string;
  force: boolean;
}

export interface UnlockDeps {
  lock: DataDirLock;
  files: SharedFiles;
  probe: ProcessProbe;
  clock: Clock;
  warn: (message: string) => void;
}

export interface UnlockResult {
  /** released: we sent UNLOCK; lease-removed: only a dead lease went; none: nothing was locked. */
  action: 'released' | 'lease-removed' | 'none';
  message: string;
  holder?: LeaseRecord;
  leftovers: Leftover[];
}

export async function unlockDataDir(req: UnlockRequest, deps: UnlockDeps): Promise<UnlockResult> {
  const leftovers = await cleanDataDir(deps.files, deps.probe, deps.clock.now());
  for (const l of leftovers) deps.warn(describeLeftover(l));
  const name = leaseName(req.database);
  const text = await deps.files.read(name);
  const holder = parseLease(text);
  const myToken = `unlock-${deps.probe.self().pid}-${deps.clock.now().getTime()}`;

  if (holder !== undefined) {
    const state = ownerState(holder, deps.probe, deps.clock.now());
    if (state.kind === 'alive') {
      throw new MgBackupError('busy', `refusing to unlock: ${describeOwner(holder)} is still running on this machine`, {
        hints: ['it releases the lock itself when it ends; stop it (SIGTERM) if it must not finish'],
        details: { holder },
      });
    }
    if (!isGone(state) && !req.force) throw heldByError('refusing to unlock', holder, state);
    if (!isGone(state)) {
      // --force on a fresh lease from another machine: the operator knows that run is gone.
      const forced: LeaseRecord = { ...holder, state: 'locking' };
      const r = await takeOver(name, forced, state, myToken, deps);
      return { action: r === 'released' ? 'released' : 'lease-removed', message: `${r === 'released' ? 'released the lock' : 'removed the lease'} of ${describeOwner(holder)} (--force)`, holder, leftovers };
    }
    const r = await takeOver(name, holder, state, myToken, deps);
    return {
      action: r === 'released' ? 'released' : 'lease-removed',
      message: r === 'released'
        ? `released the lock left by ${describeOwner(holder)}: ${describeState(state)}`
        : `removed the lease of ${describeOwner(holder)}: ${describeState(state)}; the server was not locked by it`,
      holder, leftovers,
    };
  }

  const status = await deps.lock.status();
  if (text !== undefined && !req.force) {
    throw new MgBackupError('busy', `the lease file ${q(name)} in the data directory is unreadable`, {
      hints: ['if no mgbackup is running against this server, pass --force to remove it (and release the lock, if on)'],
    });
  }
  if (text !== undefined) await deps.files.remove(name);
  if (status === 'unlocked') {
    return { action: text !== undefined ? 'lease-removed' : 'none', message: 'the data directory is not locked', leftovers };
  }
  if (!req.force) {
    throw new MgBackupError('busy', 'refusing to unlock: the data directory is locked, and no mgbackup lease says by whom', {
      hints: [
        'an operator, another tool or an older mgbackup may hold it; mgbackup never releases a lock it cannot attribute',
        'if you know nobody needs it, run `mgbackup unlock --force`',
      ],
    });
  }
  await deps.lock.forceUnlock();
  deps.warn('released a data-directory lock that no mgbackup lease accounts for (--force)');
  return { action: 'released', message: 'released the lock (--force; no lease named its holder)', leftovers };
}

export interface RepoUnlockResult {
  /** Stale records removed (each also reported through warn). */
  removed: RepoLockRecord[];
  /** Live holders: never removed. */
  live: RepoLockRecord[];
  /** Lock files that are not lock records (damaged): left for the operator. */
  unreadable: string[];
  message: string;
}

/**
 * `mgbackup unlock --repo R`: removes the repository lock records whose holder is gone (dead on this
 * machine, or not renewed for 5 minutes on another) and names the live ones, which it never removes.
 */
export async function unlockRepository(deps: LockDeps): Promise<RepoUnlockResult> {
  const removed = await breakStale(deps);
  const entries = await readLocks(deps);
  const live = entries.filter((e) => e.record !== undefined && e.state !== undefined && !isGone(e.state)).map((e) => e.record!);
  const unreadable = entries.filter((e) => e.record === undefined).map((e) => e.key);
  const parts = [removed.length === 0 ? 'no stale repository locks' : `removed ${removed.length} stale repository lock(s)`];
  if (live.length > 0) parts.push(`kept ${live.length} live one(s): ${live.map(describeHolder).join('; ')}`);
  if (unreadable.length > 0) parts.push(`left ${unreadable.length} unreadable lock file(s) alone: ${unreadable.map((k) => q(k)).join(', ')}`);
  return { removed, live, unreadable, message: parts.join('; ') };
}
