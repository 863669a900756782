// LOCK DATA DIRECTORY is one flag per database, not tied to a session and not reference-counted
// (memgraph-semantics §1.3): whoever UNLOCKs releases everybody's lock. So we only UNLOCK a lock that
// can be ours, and we must UNLOCK it even when our connection died: a dropped session leaves the lock
// on. "Can be ours" is either a "now locked" reply, or a LOCK whose reply never came (the connection
// broke while it was in flight) while we hold the lease (lease.ts): then the lock we find is ours.
import type { GraphClient } from '../../bolt/graph-client.js';
import { LOCK_STATUS_TEXT, readLockStatus, type LockStatus } from '../../bolt/server-facts.js';
import { MgBackupError, q } from '../../errors/errors.js';
import type { Clock } from '../clock.js';

/** Exported so the grammar-oracle test parses the real text (test/grammar). */
export const LOCK_QUERY = 'LOCK DATA DIRECTORY';
export const UNLOCK_QUERY = 'UNLOCK DATA DIRECTORY';

export interface LockDeps {
  client: GraphClient;
  /** Opens a fresh connection to the same server and database (for UNLOCK after a drop). */
  reconnect: () => Promise<GraphClient>;
  clock: Clock;
}

export function busyError(what: string): MgBackupError {
  return new MgBackupError('busy', `${what}: the data directory is locked by someone else`, {
    hints: [
      'another backup or an operator holds LOCK DATA DIRECTORY; mgbackup never unlocks a lock it did not take',
      'wait for it to finish, or pass --wait to poll until it is released',
    ],
  });
}

/** Errors that prove the server answered (so a LOCK that failed with one of them did not lock). */
function serverAnswered(err: unknown): boolean {
  return err instanceof MgBackupError && (err.kind === 'server' || err.kind === 'authFailed' || err.kind === 'refused');
}

export class DataDirLock {
  private held = false;
  /** LOCK was sent and no answer came back: the server may or may not be locked by it. */
  private uncertain = false;
  private client: GraphClient;
  private fresh = false;
  private extraClients: GraphClient[] = [];

  constructor(private readonly deps: LockDeps) {
    this.client = deps.client;
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** True when an UNLOCK may be owed: the lock is ours, or its outcome is unknown. */
  get mayHold(): boolean {
    return this.held || this.uncertain;
  }

  async status(): Promise<LockStatus> {
    return this.withConnection((c) => readLockStatus(c), 2);
  }

  /** LOCK; "already locked" means someone took it since STATUS: theirs, so busy and hands off. */
  async lock(): Promise<'locked' | 'busy'> {
    let rows;
    try {
      rows = await this.client.run(LOCK_QUERY);
    } catch (err) {
      if (!serverAnswered(err)) this.uncertain = true;
      throw err;
    }
    const status = rows[0]?.['STATUS'];
    if (status === LOCK_STATUS_TEXT.alreadyLocked) return 'busy';
    if (status !== undefined && status !== LOCK_STATUS_TEXT.nowLocked) {
      throw new MgBackupError('server', `unexpected answer to LOCK DATA DIRECTORY: ${q(status)}`);
    }
    this.held = true;
    return 'locked';
  }

  /**
   * Releases a lock that can be ours: UNLOCK when we hold it; after a lost LOCK reply, read STATUS on
   * a fresh connection and UNLOCK only if it is locked. Retries on new connections (four attempts with
   * backoff); the signal is deliberately not used, since this must run after an interrupt too.
   */
  async unlock(): Promise<void> {
    if (!this.held && !this.uncertain) return;
    try {
      await this.withConnection(async (c) => {
        if (this.uncertain && !this.held && (await readLockStatus(c)) === 'unlocked') return;
        await c.run(UNLOCK_QUERY);
      }, 4, this.uncertain);
      this.held = false;
      this.uncertain = false;
    } catch (lastErr) {
      throw new MgBackupError('busy', 'could not UNLOCK the data directory after taking the lock', {
        cause: lastErr,
        hints: [
          'the data directory may still be locked: retention is paused until it is unlocked',
          'the lease stays in the data directory, so the next `mgbackup create` or `mgbackup unlock` releases the lock once this run has exited; a server restart also clears it',
        ],
        details: { reason: lastErr instanceof Error ? lastErr.message : String(lastErr) },
      });
    }
  }

  /** UNLOCK a lock left by a dead run (the caller established that through its lease). */
  async forceUnlock(): Promise<void> {
    await this.withConnection((c) => c.run(UNLOCK_QUERY), 3);
  }

  /** Runs `fn`, on a fresh connection after a connection failure (or at once when `reconnectFirst`). */
  private async withConnection<T>(fn: (c: GraphClient) => Promise<T>, attempts: number, reconnectFirst = false): Promise<T> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        if (attempt > 0) await this.deps.clock.sleep(100 * 2 ** (attempt - 1));
        if (attempt > 0 || (reconnectFirst && !this.fresh)) {
          this.client = await this.deps.reconnect();
          this.fresh = true;
          this.extraClients.push(this.client);
        }
        const r = await fn(this.client);
        return r;
      } catch (err) {
        lastErr = err;
        this.fresh = false;
        if (serverAnswered(err)) break;
      }
    }
    throw lastErr;
  }

  /** Closes connections opened for UNLOCK. */
  async closeExtra(): Promise<void> {
    for (const c of this.extraClients) await c.close().catch(() => {});
    this.extraClients = [];
  }
}
