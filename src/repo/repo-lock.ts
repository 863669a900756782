// Repository locks (docs/repository-format.md, "Locks"). A holder writes its own record under locks/,
// then reads all records: a conflicting live record makes it withdraw its own and fail. Both sides of a
// race withdraw, so a conflict never lets both proceed (at worst both retry). The records name the
// process precisely (run-owner.ts), so a record left by a dead run is recognised and removed with a
// warning, while a live one, here or on another host, is never removed.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import {
  RENEW_EVERY_MS, describeState, isGone, ownerState, type OwnerState, type ProcessIdentity, type ProcessProbe,
} from '../core/backup/run-owner.js';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import type { RepoBackend } from './repo-backend.js';

export const LOCKS_PREFIX = 'locks/';

export type LockMode = 'shared' | 'exclusive';

export interface RepoLockRecord extends ProcessIdentity {
  format: 'mgbackup-repo-lock';
  mode: LockMode;
  /** Holders with the same scope exclude each other even when shared (e.g. "watch:memgraph"). */
  scope?: string;
  /**
   * A record that only claims its scope and guards no repository content (watch's "one per database"
   * claim, held for the whole run). It excludes holders of the same scope and nothing else, so a prune
   * can run while a watch is up; the watch takes a normal shared lock around each archiving pass.
   */
  scopeOnly?: boolean;
  /** The mgbackup command holding it, for the operator. */
  command: string;
  token: string;
  startedAt: string;
  renewedAt: string;
}

export interface LockDeps {
  backend: RepoBackend;
  probe: ProcessProbe;
  clock: Clock;
  warn: (message: string) => void;
  info?: (message: string) => void;
}

export interface LockRequest {
  mode: LockMode;
  command: string;
  scope?: string;
  /** See RepoLockRecord.scopeOnly. */
  scopeOnly?: boolean;
  /** Keep trying until the conflicting holder is gone (otherwise fail at once with exit 13). */
  wait?: boolean;
  /** How often to look again while waiting. */
  pollMs?: number;
  signal?: AbortSignal;
}

export function lockKey(token: string): string {
  return `${LOCKS_PREFIX}${token}.json`;
}

export function parseLockRecord(bytes: Uint8Array): RepoLockRecord | undefined {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<RepoLockRecord>;
    if (o.format !== 'mgbackup-repo-lock' || typeof o.pid !== 'number' || typeof o.host !== 'string' ||
      typeof o.token !== 'string' || (o.mode !== 'shared' && o.mode !== 'exclusive')) return undefined;
    return o as RepoLockRecord;
  } catch {
    return undefined;
  }
}

/** "watch (pid 4242 on host db-1, since 2026-…, shared)" */
export function describeHolder(r: RepoLockRecord): string {
  return `${r.command} (pid ${r.pid} on host ${r.host}, since ${r.startedAt}, ${r.mode}${r.scope ? ` for ${r.scope}` : ''})`;
}

type LockShape = Pick<RepoLockRecord, 'mode' | 'scope' | 'scopeOnly'>;

function conflicts(a: LockShape, b: LockShape): boolean {
  const sameScope = a.scope !== undefined && a.scope === b.scope;
  if (a.scopeOnly === true || b.scopeOnly === true) return sameScope;
  return a.mode === 'exclusive' || b.mode === 'exclusive' || (a.scope !== undefined && a.scope === b.scope);
}

export interface LockEntry {
  key: string;
  record: RepoLockRecord | undefined;
  state: OwnerState | undefined;
}

/** Every lock record with its liveness; unreadable records are reported with record undefined. */
export async function readLocks(deps: Pick<LockDeps, 'backend' | 'probe' | 'clock'>): Promise<LockEntry[]> {
  const out: LockEntry[] = [];
  for await (const o of deps.backend.list(LOCKS_PREFIX)) {
    let bytes: Uint8Array;
    try {
      bytes = await deps.backend.getBytes(o.key);
    } catch (err) {
      if (err instanceof MgBackupError && err.kind === 'notFound') continue; // released meanwhile
      throw err;
    }
    const record = parseLockRecord(bytes);
    out.push({ key: o.key, record, state: record && ownerState(record, deps.probe, deps.clock.now()) });
  }
  return out;
}

export class RepoLock {
  private timer: ReturnType<typeof setInterval> | undefined;
  private released = false;

  constructor(private readonly deps: LockDeps, readonly record: RepoLockRecord) {
    // Renewal keeps the record fresh for runs on other hosts, which judge it by age alone.
    this.timer = setInterval(() => void this.renew().catch(() => {}), RENEW_EVERY_MS);
    this.timer.unref?.();
  }

  get key(): string {
    return lockKey(this.record.token);
  }

  private async renew(): Promise<void> {
    if (this.released) return;
    this.record.renewedAt = this.deps.clock.now().toISOString();
    await this.deps.backend.put(this.key, Buffer.from(JSON.stringify(this.record, null, 2) + '\n'));
  }

  /** Removes the own record. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    await this.deps.backend.delete(this.key);
  }
}

/**
 * Takes a lock or throws `busy` (13) naming the live holder. Stale conflicting records (their run is
 * dead, or on another host not renewed in time) are removed first, each with a warning.
 */
export async function acquireRepoLock(deps: LockDeps, req: LockRequest): Promise<RepoLock> {
  const now = deps.clock.now().toISOString();
  const record: RepoLockRecord = {
    format: 'mgbackup-repo-lock', mode: req.mode, ...(req.scope !== undefined ? { scope: req.scope } : {}),
    ...(req.scopeOnly === true ? { scopeOnly: true } : {}),
    command: req.command, ...deps.probe.self(), token: randomBytes(12).toString('hex'), startedAt: now, renewedAt: now,
  };
  const key = lockKey(record.token);
  let announced = false;
  for (;;) {
    throwIfAborted(req.signal);
    await breakStale(deps, (r) => conflicts(r, record));
    if (!(await deps.backend.putIfAbsent(key, Buffer.from(JSON.stringify(record, null, 2) + '\n')))) {
      throw new MgBackupError('internal', `lock record ${q(key)} exists already`);
    }
    const holder = (await readLocks(deps)).find(
      (e) => e.key !== key && e.record !== undefined && e.state !== undefined && !isGone(e.state) && conflicts(e.record, record),
    );
    if (holder === undefined) return new RepoLock(deps, record);
    await deps.backend.delete(key);
    const who = describeHolder(holder.record!);
    if (!req.wait) {
      throw new MgBackupError('busy', `repository ${q(deps.backend.location)} is locked by ${who}`, {
        hints: [
          holder.record!.mode === 'exclusive' || req.mode === 'exclusive'
            ? 'wait until it finishes, then run the command again; if that process is gone for good, `mgbackup unlock --repo` removes its lock once it is stale'
            : holder.record!.command === req.command
              ? `only one ${req.command} at a time may run for ${holder.record!.scope ?? 'this repository'}; stop the other one first`
              : `${holder.record!.command} and ${req.command} do not run at the same time (${holder.record!.scope ?? 'this repository'}); wait until it finishes, then run the command again`,
        ],
        details: { holder: holder.record },
      });
    }
    if (!announced) deps.info?.(`repository ${q(deps.backend.location)} is locked by ${who}; waiting (--wait)`);
    announced = true;
    await deps.clock.sleep(req.pollMs ?? 1000, req.signal);
  }
}

/** Removes records whose holder is gone (only those `which` selects); returns what was removed. */
export async function breakStale(
  deps: LockDeps, which: (r: RepoLockRecord) => boolean = () => true,
): Promise<RepoLockRecord[]> {
  const removed: RepoLockRecord[] = [];
  for (const e of await readLocks(deps)) {
    if (e.record === undefined || e.state === undefined || !isGone(e.state) || !which(e.record)) continue;
    await deps.backend.delete(e.key);
    deps.warn(`removed the stale repository lock of ${describeHolder(e.record)}: ${describeState(e.state)}`);
    removed.push(e.record);
  }
  return removed;
}
