// Finalized WAL files are pinned exactly as create pins its files (src/core/backup/create.ts): claim
// the data-directory lease, LOCK DATA DIRECTORY (so Memgraph's retention defers its deletes), list
// again, hardlink the files, UNLOCK, drop the lease. The lock window is O(files), never a copy; the
// copy into the archive happens afterwards from the links. Every pass opens its own connection, so a
// server restart or a dropped connection between passes costs nothing but a reconnect.
import type { GraphClient } from '../../bolt/graph-client.js';
import type { DataDir, PinSet } from '../../datadir/data-dir.js';
import { joinRel, WAL_DIR } from '../../datadir/layout.js';
import { MgBackupError } from '../../errors/errors.js';
import type { Clock } from '../clock.js';
import { DataDirLock, busyError } from '../backup/data-dir-lock.js';
import { acquireLease, leaseName, parseLease, takeOver } from '../backup/lease.js';
import { DATA_PIN_OWNER, DATA_PIN_PREFIX } from '../backup/leftovers.js';
import { newOwner, sameMachine, serializeOwner, type ProcessProbe } from '../backup/run-owner.js';
import type { SharedFiles } from '../backup/shared-files.js';

export interface PinDeps {
  connect: () => Promise<GraphClient>;
  dataDir: DataDir;
  shared: SharedFiles;
  probe: ProcessProbe;
  clock: Clock;
  warn: (message: string) => void;
  info: (message: string) => void;
  /** A private local folder for the links (the repository's staging area when it is local). */
  staging: (id: string) => Promise<{ dir: string; owner: (text: string) => Promise<void>; remove: () => Promise<void> }>;
}

export interface PinRequest {
  database: string;
  server: string;
  /** Storage root of the database in the data directory ('' or databases/<uuid>). */
  root: string;
  /** WAL file names (in wal/) to pin. */
  names: string[];
  id: string;
  /** How long to queue behind another mgbackup's lease (a running create). */
  leaseWaitMs: number;
  signal?: AbortSignal;
}

export interface PinnedWals {
  pins: PinSet;
  /** Names that were gone once the lock was held (deleted by retention before we got there). */
  vanished: string[];
  lockWindowMs: number;
  release(): Promise<void>;
}

export async function pinWals(req: PinRequest, deps: PinDeps): Promise<PinnedWals> {
  const { clock } = deps;
  const client = await deps.connect();
  const owner = newOwner(deps.probe, {
    token: `${req.id}-${deps.probe.self().pid}`, backupId: req.id, server: req.server, database: req.database, now: clock.now(),
  });
  const lock = new DataDirLock({ client, reconnect: deps.connect, clock });
  const pinOwner = `${DATA_PIN_PREFIX}${req.id}`;
  let staging: Awaited<ReturnType<PinDeps['staging']>> | undefined;
  try {
    await reclaimOwnLease(req, deps, lock, owner.token);
    const lease = await acquireLease(
      { owner, database: req.database, wait: true, timeoutMs: req.leaseWaitMs, ...(req.signal ? { signal: req.signal } : {}) },
      { files: deps.shared, probe: deps.probe, clock, lock, warn: deps.warn, info: deps.info },
    );
    let pins: PinSet | undefined;
    let vanished: string[] = [];
    let lockWindowMs = 0;
    try {
      staging = await deps.staging(req.id);
      await staging.owner(serializeOwner(owner));
      await deps.shared.replace(`${pinOwner}/${DATA_PIN_OWNER}`, serializeOwner(owner));
      await lease.markLocking();
      let t0 = 0;
      try {
        if ((await lock.lock()) !== 'locked') {
          await lease.markClaimed();
          throw busyError('cannot pin WAL files');
        }
        t0 = clock.monotonicMs();
        const present = new Set((await deps.dataDir.list(joinRel(req.root, WAL_DIR))).map((e) => e.name));
        const names = req.names.filter((n) => present.has(n));
        vanished = req.names.filter((n) => !present.has(n));
        pins = await deps.dataDir.pin(names.map((n) => joinRel(req.root, WAL_DIR, n)), {
          stagingDir: staging.dir, id: req.id, ...(req.signal ? { signal: req.signal } : {}),
        });
      } finally {
        // Also after a LOCK whose answer was lost (DataDirLock reads the status on a new connection).
        // UNLOCK ignores the abort signal on purpose: it must run after an interrupt too.
        if (lock.mayHold) await lock.unlock();
        lockWindowMs = t0 === 0 ? 0 : clock.monotonicMs() - t0;
        await lock.closeExtra();
      }
    } catch (err) {
      await pins?.release().catch(() => {});
      await cleanup();
      throw err;
    } finally {
      // A lock that may still be ours keeps its lease: the next pass (reclaimOwnLease) or the next run releases both.
      if (lock.mayHold) lease.abandon();
      else await lease.release().catch(() => {});
    }
    const held = pins!;
    return {
      pins: held, vanished, lockWindowMs,
      release: async () => {
        await held.release();
        await cleanup();
      },
    };
  } finally {
    await client.close().catch(() => {});
  }

  async function cleanup(): Promise<void> {
    await deps.shared.remove(pinOwner).catch(() => {});
    await staging?.remove().catch(() => {});
  }
}

/**
 * A lease this very process left when an earlier pass could not UNLOCK (the server went away right after
 * LOCK): it is ours, so it is dead for every purpose but the liveness check, which would make us wait on
 * ourselves. Released like a dead run's (lease.ts takeOver: UNLOCK if it says "locking", then removed).
 */
async function reclaimOwnLease(req: PinRequest, deps: PinDeps, lock: DataDirLock, token: string): Promise<void> {
  const name = leaseName(req.database);
  const holder = parseLease(await deps.shared.read(name));
  const me = deps.probe.self();
  if (holder === undefined || holder.pid !== me.pid || holder.startTicks !== me.startTicks || !sameMachine(holder, me)) return;
  await takeOver(name, holder, { kind: 'dead', why: 'an earlier pass of this watch could not unlock' }, token, {
    files: deps.shared, lock, warn: deps.warn,
  });
}

/** Errors worth another try later: the server, the connection or the data directory went away. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof MgBackupError)) return false;
  return ['cannotConnect', 'busy', 'notFound', 'io', 'server'].includes(err.kind);
}
