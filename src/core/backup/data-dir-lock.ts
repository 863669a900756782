// LOCK DATA DIRECTORY is one flag per database, not tied to a session and not reference-counted
// (memgraph-semantics §1.3): whoever UNLOCKs releases everybody's lock. So we only UNLOCK a lock we
// took, and we must UNLOCK it even when our connection died: a dropped session leaves the lock on.
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

export class DataDirLock {
  private held = false;
  private client: GraphClient;
  private extraClients: GraphClient[] = [];

  constructor(private readonly deps: LockDeps) {
    this.client = deps.client;
  }

  get isHeld(): boolean {
    return this.held;
  }

  async status(): Promise<LockStatus> {
    return readLockStatus(this.client);
  }

  /** Polls STATUS with backoff until unlocked; the signal aborts the wait. */
  async waitUntilFree(opts: {
    wait: boolean; timeoutMs: number; signal?: AbortSignal; onWait?: () => void;
    /** STATUS as already read with the server facts, saving one round trip. */
    initial?: LockStatus | 'unknown';
  }): Promise<void> {
    const first = opts.initial === 'locked' || opts.initial === 'unlocked' ? opts.initial : await this.status();
    if (first === 'unlocked') return;
    if (!opts.wait) throw busyError('cannot start the backup');
    opts.onWait?.();
    const start = this.deps.clock.monotonicMs();
    let delay = 250;
    for (;;) {
      if (this.deps.clock.monotonicMs() - start >= opts.timeoutMs) {
        throw busyError(`gave up waiting after ${Math.round(opts.timeoutMs / 1000)} s`);
      }
      await this.deps.clock.sleep(delay, opts.signal);
      delay = Math.min(delay * 2, 5000);
      if ((await this.status()) === 'unlocked') return;
    }
  }

  /** LOCK; "already locked" means someone took it since STATUS: theirs, so busy and hands off. */
  async lock(): Promise<void> {
    const rows = await this.client.run(LOCK_QUERY);
    const status = rows[0]?.['STATUS'];
    if (status === LOCK_STATUS_TEXT.alreadyLocked) throw busyError('cannot lock');
    if (status !== undefined && status !== LOCK_STATUS_TEXT.nowLocked) {
      throw new MgBackupError('server', `unexpected answer to LOCK DATA DIRECTORY: ${q(status)}`);
    }
    this.held = true;
  }

  /**
   * Releases our lock. Never throws for a dropped connection before trying a fresh one (three attempts
   * with backoff); the signal is deliberately not used, since UNLOCK must run after an interrupt too.
   */
  async unlock(): Promise<void> {
    if (!this.held) return;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        if (attempt > 0) {
          await this.deps.clock.sleep(100 * 2 ** (attempt - 1));
          this.client = await this.deps.reconnect();
          this.extraClients.push(this.client);
        }
        await this.client.run(UNLOCK_QUERY);
        this.held = false;
        return;
      } catch (err) {
        lastErr = err;
        if (err instanceof MgBackupError && (err.kind === 'server' || err.kind === 'authFailed')) break;
      }
    }
    throw new MgBackupError('busy', 'could not UNLOCK the data directory after taking the lock', {
      cause: lastErr,
      hints: [
        'the data directory is still locked: retention is paused until it is unlocked',
        'run UNLOCK DATA DIRECTORY on the server (or restart it: the lock does not survive a restart)',
      ],
      details: { reason: lastErr instanceof Error ? lastErr.message : String(lastErr) },
    });
  }

  /** Closes connections opened for UNLOCK. */
  async closeExtra(): Promise<void> {
    for (const c of this.extraClients) await c.close().catch(() => {});
    this.extraClients = [];
  }
}
