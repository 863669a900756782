// src/core/watch owns continuous WAL archiving (`mgbackup watch`): it follows one database's wal/ and
// snapshots/ and keeps the repository's WAL archive (src/repo/wal-archive.ts) up to date.
//   start: repository format and lock (one watch per repository and database), dead runs' leftovers,
//          what the archive already holds (so a restart resumes, never re-archives);
//   pass:  (watch-pass.ts) finalized WAL files not archived yet -> pinned under a brief LOCK
//          (pin-wals.ts) -> copied, hashed, fsynced, recorded; the `_current` file's committed prefix at
//          most --max-lag behind (committed-prefix.ts); gaps in the archived sequence reported;
//   loop:  a pass after every file event (file-changes.ts) and on a timer; failures (server restart,
//          dropped connection, data directory gone) retried with backoff for a bounded time.
// Nothing here touches the process or a console: events go to `emit`, the abort signal stops it.
import type { DataDir } from '../../datadir/data-dir.js';
import { InterruptedError, type MgBackupError, throwIfAborted } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { acquireRepoLock } from '../../repo/repo-lock.js';
import { ensureRepoFormat } from '../../repo/repository.js';
import type { RepoCompression } from '../../store/stored-file.js';
import { listArchive } from '../../repo/wal-archive.js';
import type { Clock } from '../clock.js';
import { cleanDataDir, describeLeftover, type Leftover } from '../backup/leftovers.js';
import type { ProcessProbe } from '../backup/run-owner.js';
import type { SharedFiles } from '../backup/shared-files.js';
import type { WatchEvent } from './events.js';
import type { FileChanges } from './file-changes.js';
import { isTransient, type PinDeps } from './pin-wals.js';
import { ArchiveState, Pass } from './watch-pass.js';

export interface WatchRequest {
  database: string;
  /** The database's storage root in the data directory: '' or databases/<uuid>. */
  root: string;
  once: boolean;
  maxLagMs: number;
  onGap: 'fail' | 'warn';
  /** Safety-net rescan interval when no file event comes. */
  rescanMs: number;
  /** How long passes may keep failing (retried with backoff) before watch gives up; --once tries 3 times. */
  retryForMs: number;
  server: string;
  mgbackupVersion: string;
  leaseWaitMs: number;
  /** How archived WAL is stored (default: as it is; the command's default is zstd 3). */
  compression?: RepoCompression;
}

export interface WatchDeps extends Omit<PinDeps, 'warn' | 'info'> {
  backend: RepoBackend;
  dataDir: DataDir;
  shared: SharedFiles;
  probe: ProcessProbe;
  clock: Clock;
  signal: AbortSignal;
  emit: (event: WatchEvent) => void;
  warn: (message: string) => void;
  info: (message: string) => void;
  /** Opens the event source for the storage root (re-opened after a failure: the folder may be new). */
  changes: () => Promise<FileChanges>;
  /** Cleans the repository's staging area of dead runs (local repositories). */
  cleanRepository?: () => Promise<Leftover[]>;
}

export interface WatchSummary {
  files: number;
  prefixes: number;
  bytes: number;
}

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const ONCE_ATTEMPTS = 3;

export async function runWatch(req: WatchRequest, deps: WatchDeps): Promise<WatchSummary> {
  const { backend, clock, signal } = deps;
  await ensureRepoFormat(backend, {
    now: clock.now(), mgbackupVersion: req.mgbackupVersion, info: deps.warn, need: (req.compression?.codec ?? 'none') === 'none' ? 2 : 3,
  });
  const lock = await acquireRepoLock(
    { backend, probe: deps.probe, clock, warn: deps.warn, info: deps.info },
    { mode: 'shared', command: 'watch', scope: `watch:${req.database}`, scopeOnly: true, signal },
  );
  const lockDeps = { backend, probe: deps.probe, clock, warn: deps.warn, info: deps.info };
  let changes: FileChanges | undefined;
  const state = new ArchiveState();
  const summary: WatchSummary = { files: 0, prefixes: 0, bytes: 0 };
  let reason = 'done';
  try {
    for (const l of [...await cleanDataDir(deps.shared, deps.probe, clock.now()).catch(() => []), ...await deps.cleanRepository?.() ?? []]) {
      deps.emit({ type: 'leftover', message: describeLeftover(l) });
    }
    state.load(await listArchive(backend));
    deps.emit({
      type: 'start', repo: backend.location, dataDir: deps.dataDir.description, database: req.database, root: req.root,
      maxLagS: req.maxLagMs / 1000, once: req.once, archived: state.finalNames.size,
    });
    const pass = new Pass(req, deps, state, summary);
    let failures = 0;
    let failingSince = 0;
    let nextPrefixAt = 0;
    // Backoff never sleeps past the lag bound: the next pass also takes the prefix.
    const maxDelay = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_START_MS, prefixInterval(req.maxLagMs)));
    for (;;) {
      throwIfAborted(signal);
      try {
        changes ??= req.once ? undefined : await deps.changes();
        const prefixDue = req.once || clock.monotonicMs() >= nextPrefixAt;
        // Each pass writes under a normal shared lock, so a prune (exclusive) never runs beside a pass; the
        // run-long claim above only keeps a second watch of this database out. A pass waits for a prune.
        const passLock = await acquireRepoLock(lockDeps, { mode: 'shared', command: 'watch', wait: true, pollMs: 1000, signal });
        try {
          await pass.run(prefixDue);
        } finally {
          await passLock.release().catch(() => {});
        }
        if (prefixDue) nextPrefixAt = clock.monotonicMs() + prefixInterval(req.maxLagMs);
        if (failures > 0) deps.emit({ type: 'recovered', afterAttempts: failures });
        failures = 0;
      } catch (err) {
        if (signal.aborted || !isTransient(err)) throw err;
        if (failures === 0) failingSince = clock.monotonicMs();
        failures++;
        const failingMs = clock.monotonicMs() - failingSince;
        if (req.once ? failures >= ONCE_ATTEMPTS : failingMs >= req.retryForMs) throw err;
        const delayMs = Math.min(BACKOFF_START_MS * 2 ** (failures - 1), maxDelay);
        deps.emit({
          type: 'retry', attempt: failures, delayMs, failingForMs: Math.round(failingMs), giveUpAfterMs: req.once ? 0 : req.retryForMs,
          kind: (err as MgBackupError).kind, message: (err as Error).message,
        });
        await changes?.close().catch(() => {});
        changes = undefined;
        await clock.sleep(delayMs, signal);
        continue;
      }
      if (req.once) break;
      const wait = Math.max(0, Math.min(req.rescanMs, nextPrefixAt - clock.monotonicMs()));
      await changes!.next(wait, signal);
    }
    return summary;
  } catch (err) {
    reason = signal.aborted ? interruptName(signal.reason) : `error: ${(err as Error).message}`;
    throw signal.aborted ? signal.reason : err;
  } finally {
    await changes?.close().catch(() => {});
    await lock.release().catch(() => {});
    deps.emit({ type: 'stop', reason, ...summary });
  }
}

/** The prefix is taken at half the allowed lag, so reading and storing it fits inside the bound. */
function prefixInterval(maxLagMs: number): number {
  return Math.max(250, maxLagMs / 2);
}

function interruptName(reason: unknown): string {
  return reason instanceof InterruptedError ? reason.message.replace(/^interrupted by /, '') : 'interrupted';
}
