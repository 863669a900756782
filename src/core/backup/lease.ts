// The lease on a server's data-directory lock. LOCK DATA DIRECTORY is one flag per database, shared by
// everybody and not reference counted (memgraph-semantics §1.3), so the flag alone cannot say whose it
// is. Every mgbackup run therefore first claims a lease file in the data directory, exclusively, and
// holds it from the STATUS check to the UNLOCK. While a lease exists no other mgbackup sends LOCK, so:
//   - a LOCK whose reply was lost, with our lease in state "locking", can only be ours (or an operator's
//     manual LOCK taken in that instant: the residual race the README names);
//   - two creates with --wait queue on the lease instead of racing between STATUS and LOCK;
//   - a lease whose process is dead (same machine) or stale (another machine, not renewed) tells the
//     next run that the lock, if it is on and the lease says "locking", was left by that dead run.
import { MgBackupError, q } from '../../errors/errors.js';
import type { Clock } from '../clock.js';
import type { DataDirLock } from './data-dir-lock.js';
import {
  RENEW_EVERY_MS, STALE_AFTER_MS, describeOwner, describeState, isGone, ownerState, parseOwner, serializeOwner,
  type OwnerState, type ProcessProbe, type RunOwner,
} from './run-owner.js';
import type { SharedFiles } from './shared-files.js';

export const LEASE_PREFIX = '.mgbackup-lease-';

/** Leases taken by `watch` carry ids starting so: they last one pin (milliseconds), so others wait for them. */
export const WATCH_LEASE_ID_PREFIX = 'watch-';
/** How long a run without --wait still waits for a watch's brief lease before giving up. */
export const BRIEF_LEASE_WAIT_MS = 30_000;

export interface LeaseRecord extends RunOwner {
  /** "claimed": LOCK not sent yet; "locking": LOCK sent or about to be, the lock may be ours. */
  state: 'claimed' | 'locking';
}

/** The lease file for one database (LOCK is per database storage, §1.3). */
export function leaseName(database: string): string {
  const safe = /^[A-Za-z0-9_-]{1,64}$/.test(database) ? database : Buffer.from(database).toString('hex').slice(0, 64);
  return `${LEASE_PREFIX}${safe}.json`;
}

export function parseLease(text: string | undefined): LeaseRecord | undefined {
  const o = parseOwner(text) as LeaseRecord | undefined;
  return o && (o.state === 'claimed' || o.state === 'locking') ? o : undefined;
}

export interface LeaseDeps {
  files: SharedFiles;
  probe: ProcessProbe;
  clock: Clock;
  lock: DataDirLock;
  warn: (message: string) => void;
  info: (message: string) => void;
}

export class Lease {
  private record: LeaseRecord;
  private timer: ReturnType<typeof setInterval> | undefined;
  private released = false;

  constructor(private readonly deps: LeaseDeps, readonly name: string, record: LeaseRecord) {
    this.record = record;
    // Renewal keeps the lease fresh for runs on other machines, which judge it by age alone.
    this.timer = setInterval(() => void this.write().catch(() => {}), RENEW_EVERY_MS);
    this.timer.unref?.();
  }

  get state(): LeaseRecord['state'] {
    return this.record.state;
  }

  /** Written (and fsynced) before LOCK is sent: from here on a lock on the server can be ours. */
  async markLocking(): Promise<void> {
    this.record = { ...this.record, state: 'locking' };
    await this.write();
  }

  /** LOCK answered "already locked": that lock is someone else's, and a crash must not release it. */
  async markClaimed(): Promise<void> {
    this.record = { ...this.record, state: 'claimed' };
    await this.write();
  }

  private async write(): Promise<void> {
    if (this.released) return;
    this.record = { ...this.record, renewedAt: this.deps.clock.now().toISOString() };
    const current = parseLease(await this.deps.files.read(this.name));
    if (current?.token !== this.record.token) return; // taken over (e.g. by `unlock --force`): not ours any more
    await this.deps.files.replace(this.name, serializeOwner(this.record));
  }

  /** Removes the lease after UNLOCK (or when LOCK was never sent). Only our own lease is removed. */
  async release(): Promise<void> {
    this.stopRenewal();
    if (this.released) return;
    this.released = true;
    const current = parseLease(await this.deps.files.read(this.name));
    if (current?.token === this.record.token) await this.deps.files.remove(this.name);
  }

  /** Leaves the lease file in place (the lock may still be on): the next run judges it. */
  abandon(): void {
    this.stopRenewal();
    this.released = true;
  }

  private stopRenewal(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface AcquireOptions {
  owner: RunOwner;
  database: string;
  wait: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  staleAfterMs?: number;
}

export function heldByError(what: string, holder: RunOwner, state: OwnerState): MgBackupError {
  const other = state.kind === 'fresh';
  return new MgBackupError('busy', `${what}: another backup holds the data-directory lease: ${describeOwner(holder)}, ${describeState(state)}`, {
    hints: [
      'wait for it to finish, or pass --wait to queue behind it',
      ...(other ? [`if that run is gone, its lease counts as stale ${STALE_AFTER_MS / 1000} s after its last renewal; \`mgbackup unlock --force\` releases it now`] : []),
    ],
    details: { holder },
  });
}

export function foreignLockError(what: string): MgBackupError {
  return new MgBackupError('busy', `${what}: the data directory is locked by someone else`, {
    hints: [
      'another backup or an operator holds LOCK DATA DIRECTORY; mgbackup never unlocks a lock it did not take',
      'wait for it to finish, or pass --wait to poll until it is released',
    ],
  });
}

/**
 * Claims the lease, clearing the way first: a dead or stale lease is taken over (releasing the lock it
 * left on), a live one is waited for (--wait) or reported, and a lock without a lease is someone
 * else's. Returns with our lease held and the server unlocked.
 */
export async function acquireLease(opts: AcquireOptions, deps: LeaseDeps): Promise<Lease> {
  const name = leaseName(opts.database);
  const start = deps.clock.monotonicMs();
  let delay = 250;
  let announced = false;
  // brief: the holder is a watch pinning WAL files; it is done in milliseconds, so even without --wait
  // a create waits for it (bounded) instead of failing with 13 because a watch happened to be pinning.
  const pause = async (why: string, error: () => MgBackupError, brief = false) => {
    const limitMs = opts.wait ? opts.timeoutMs : brief ? BRIEF_LEASE_WAIT_MS : 0;
    if (deps.clock.monotonicMs() - start >= limitMs) throw error();
    if (!announced) deps.info(`${why}; waiting${opts.wait ? ' (--wait)' : ''}`);
    announced = true;
    await deps.clock.sleep(delay, opts.signal);
    delay = Math.min(delay * 2, 2000);
  };
  for (;;) {
    const record: LeaseRecord = { ...opts.owner, renewedAt: deps.clock.now().toISOString(), state: 'claimed' };
    if (await deps.files.createExclusive(name, serializeOwner(record))) {
      const lease = new Lease(deps, name, record);
      let status;
      try {
        status = await deps.lock.status();
      } catch (err) {
        await lease.release();
        throw err;
      }
      if (status === 'unlocked') return lease;
      await lease.release();
      await pause('the data directory is locked by someone else', () => waitError(opts, foreignLockError('cannot start the backup')));
      continue;
    }
    const text = await deps.files.read(name);
    if (text === undefined) continue; // removed between our attempt and the read: try again
    const holder = parseLease(text);
    if (holder === undefined) {
      throw new MgBackupError('busy', `the lease file ${q(name)} in the data directory is unreadable`, {
        hints: ['if no mgbackup is running against this server, remove that file (or run `mgbackup unlock`)'],
      });
    }
    const state = ownerState(holder, deps.probe, deps.clock.now(), opts.staleAfterMs);
    if (!isGone(state)) {
      await pause(`backup ${holder.backupId} (pid ${holder.pid} on host ${holder.host}) holds the data-directory lease`,
        () => waitError(opts, heldByError('cannot start the backup', holder, state)), holder.backupId.startsWith(WATCH_LEASE_ID_PREFIX));
      continue;
    }
    await takeOver(name, holder, state, opts.owner.token, deps);
  }
}

function waitError(opts: AcquireOptions, err: MgBackupError): MgBackupError {
  if (!opts.wait) return err;
  return new MgBackupError('busy', `gave up waiting after ${Math.round(opts.timeoutMs / 1000)} s: ${err.message.replace(/^cannot start the backup: /, '')}`, {
    hints: err.hints.filter((h) => !h.includes('--wait')), ...(err.details ? { details: err.details } : {}),
  });
}

/**
 * A dead run's lease. While it exists no rule-abiding mgbackup LOCKs, so a lock on the server is the
 * dead run's when its lease says "locking": UNLOCK first, with the lease still in place (two runs
 * doing this at once UNLOCK twice, harmlessly), then move the lease away; only one mover wins.
 */
export async function takeOver(
  name: string, holder: LeaseRecord, state: OwnerState, myToken: string,
  deps: Pick<LeaseDeps, 'files' | 'lock' | 'warn'>,
): Promise<'released' | 'removed'> {
  let released = false;
  if (holder.state === 'locking' && (await deps.lock.status()) === 'locked') {
    await deps.lock.forceUnlock();
    released = true;
  }
  const away = `${name}.dead-${myToken}`;
  if (await deps.files.moveAway(name, away)) {
    const movedText = await deps.files.read(away);
    if (movedText !== undefined && parseLease(movedText)?.token !== holder.token) {
      // A new lease replaced the dead one between our read and the move: give it back.
      await deps.files.createExclusive(name, movedText);
    }
    await deps.files.remove(away);
  }
  if (released) {
    deps.warn(`released the data-directory lock left by ${describeOwner(holder)}: ${describeState(state)}`);
  } else {
    deps.warn(`removed the data-directory lease of ${describeOwner(holder)}: ${describeState(state)}; the server was not locked by it`);
  }
  return released ? 'released' : 'removed';
}
