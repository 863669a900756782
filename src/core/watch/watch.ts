// src/core/watch owns continuous WAL archiving (`mgbackup watch`): it follows one database's wal/ and
// snapshots/ and keeps the repository's WAL archive (src/repo/wal-archive.ts) up to date.
//   start: repository format and lock (one watch per repository and database), dead runs' leftovers,
//          what the archive already holds (so a restart resumes, never re-archives);
//   pass:  finalized WAL files not archived yet -> pinned under a brief LOCK (pin-wals.ts) -> copied,
//          hashed, fsynced, recorded; the `_current` file's committed prefix at most --max-lag behind
//          (committed-prefix.ts); gaps in the archived sequence reported;
//   loop:  a pass after every file event (file-changes.ts) and on a timer; failures (server restart,
//          dropped connection, data directory gone) retried with backoff, a bounded number of times.
// Nothing here touches the process or a console: events go to `emit`, the abort signal stops it.
import { randomBytes } from 'node:crypto';
import type { DataDir } from '../../datadir/data-dir.js';
import { readDurabilityHeader } from '../../datadir/durability-header.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel, parseSnapshotName, parseWalName } from '../../datadir/layout.js';
import { CorruptFileError, InterruptedError, MgBackupError, throwIfAborted } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { acquireRepoLock } from '../../repo/repo-lock.js';
import { ensureRepoFormat } from '../../repo/repository.js';
import {
  archiveWal, chainOrder, describeGap, findGaps, isPrefix, listArchive, walStem, type WalRecord, type WalSource,
} from '../../repo/wal-archive.js';
import type { Clock } from '../clock.js';
import { pinnedReadAt } from '../backup/pinned-read.js';
import { cleanDataDir, describeLeftover, type Leftover } from '../backup/leftovers.js';
import type { ProcessProbe } from '../backup/run-owner.js';
import type { SharedFiles } from '../backup/shared-files.js';
import { walCandidates } from '../backup/select-files.js';
import { committedPrefix } from './committed-prefix.js';
import type { WatchEvent } from './events.js';
import type { FileChanges } from './file-changes.js';
import { isTransient, pinWals, type PinDeps } from './pin-wals.js';

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
  await ensureRepoFormat(backend, { now: clock.now(), mgbackupVersion: req.mgbackupVersion, info: deps.warn });
  const lock = await acquireRepoLock(
    { backend, probe: deps.probe, clock, warn: deps.warn, info: deps.info },
    { mode: 'shared', command: 'watch', scope: `watch:${req.database}`, signal },
  );
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
        await pass.run(prefixDue);
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

/** What the archive holds, kept in memory: names of archived finalized files, records per storage uuid. */
class ArchiveState {
  readonly finalNames = new Set<string>();
  readonly byUuid = new Map<string, Map<string, WalRecord>>();
  /** Stems stored by this run: a gap is reported when a record after it was written now. */
  readonly storedNow = new Set<string>();
  readonly reported = new Set<string>();

  load(records: WalRecord[]): void {
    for (const r of records) this.put(r);
  }

  put(r: WalRecord): void {
    if (!isPrefix(r)) this.finalNames.add(r.name);
    let m = this.byUuid.get(r.uuid);
    if (m === undefined) this.byUuid.set(r.uuid, (m = new Map()));
    const stem = walStem(r.uuid, r.fromTs, r.seq);
    const had = m.get(stem);
    if (had === undefined || !isPrefix(r) || isPrefix(had)) m.set(stem, r);
  }

  chain(uuid: string): WalRecord[] {
    return [...this.byUuid.get(uuid)?.values() ?? []].sort(chainOrder);
  }
}

class Pass {
  private readonly seenSnapshots = new Set<string>();
  private firstPass = true;
  /** Size of each `_current` file when its prefix was last taken: unchanged files are not read again. */
  private readonly prefixSizes = new Map<string, number>();
  private passNo = 0;

  constructor(
    private readonly req: WatchRequest,
    private readonly deps: WatchDeps,
    private readonly state: ArchiveState,
    private readonly summary: WatchSummary,
  ) {}

  async run(prefixDue: boolean): Promise<void> {
    const { dataDir, signal } = this.deps;
    await dataDir.check();
    this.noteSnapshots(await dataDir.list(joinRel(this.req.root, SNAPSHOTS_DIR)));
    const entries = await dataDir.list(joinRel(this.req.root, WAL_DIR));
    const candidates = walCandidates(entries);
    const fresh = candidates.filter((n) => !parseWalName(n)!.current && !this.state.finalNames.has(n));
    const touched = new Set<string>();
    // A failed pin (no server, lock busy) must not hold back the prefix: it is what bounds the lag.
    let failed: unknown;
    if (fresh.length > 0) {
      try {
        for (const u of await this.archiveFinalized(fresh)) touched.add(u);
      } catch (err) {
        if (!isTransient(err)) throw err;
        failed = err;
      }
    }
    throwIfAborted(signal);
    // A `_current` file with a newer WAL file beside it is frozen: a crash left it and the server went on
    // with the newer one. It is archived whole, once; only the newest `_current` is a growing prefix.
    const newest = candidates.at(-1);
    for (const name of candidates.filter((n) => parseWalName(n)!.current)) {
      const frozen = name !== newest;
      if (frozen ? this.state.finalNames.has(name) : !prefixDue) continue;
      const size = entries.find((e) => e.name === name)?.size;
      if (!frozen && size !== undefined && this.prefixSizes.get(name) === size) continue;
      const u = await this.archivePrefix(name, frozen);
      if (u !== undefined) touched.add(u);
    }
    this.firstPass = false;
    if (failed !== undefined) throw failed;
    this.reportGaps(touched);
  }

  private noteSnapshots(entries: { name: string; type: string }[]): void {
    for (const e of entries) {
      if (e.type !== 'file' || !parseSnapshotName(e.name) || this.seenSnapshots.has(e.name)) continue;
      this.seenSnapshots.add(e.name);
      if (!this.firstPass) this.deps.emit({ type: 'snapshot', name: e.name });
    }
  }

  /** Pins the new finalized files under one lock, then archives them in sequence order. Returns uuids touched. */
  private async archiveFinalized(names: string[]): Promise<string[]> {
    const { deps, req } = this;
    const id = `watch-${deps.clock.now().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomBytes(4).toString('hex')}-${++this.passNo}`;
    const pinned = await pinWals(
      { database: req.database, server: req.server, root: req.root, names, id, leaseWaitMs: req.leaseWaitMs, signal: deps.signal },
      deps,
    );
    const seenAt = deps.clock.now().toISOString();
    const uuids = new Set<string>();
    try {
      for (const v of pinned.vanished) deps.emit({ type: 'vanished', name: v });
      const sources: WalSource[] = [];
      for (const pin of pinned.pins.files) {
        const name = pin.path.split('/').at(-1)!;
        const parsed = parseWalName(name)!;
        let header;
        try {
          header = await readDurabilityHeader(pinnedReadAt(pin), pin.path);
        } catch (err) {
          if (!(err instanceof CorruptFileError)) throw err;
          // Memgraph keeps unreadable WALs and never replays them; neither does the archive.
          deps.warn(`skipped WAL ${pin.path}: ${err.message}`);
          this.state.finalNames.add(name);
          continue;
        }
        if (header.kind !== 'wal') continue;
        sources.push({
          name, uuid: header.uuid, epoch: header.epochId, seq: header.seqNum!, fromTs: parsed.fromTs!, toTs: parsed.toTs!,
          durabilityVersion: header.version, finalized: true, size: pin.size, open: () => pin.open(),
        });
      }
      sources.sort((a, b) => (a.uuid !== b.uuid ? (a.uuid < b.uuid ? -1 : 1) : a.fromTs < b.fromTs ? -1 : a.fromTs > b.fromTs ? 1 : Number(a.seq - b.seq)));
      const window = pinned.lockWindowMs / Math.max(1, sources.length);
      for (const src of sources) {
        throwIfAborted(deps.signal);
        const out = await archiveWal(deps.backend, src, {
          now: deps.clock.now(), observed: [{ ts: src.toTs.toString(), at: seenAt }], signal: deps.signal, hash: hashSource,
        });
        this.state.put(out.record);
        uuids.add(src.uuid);
        if (out.action === 'stored') {
          this.state.storedNow.add(walStem(src.uuid, src.fromTs, src.seq));
          this.summary.files++;
          this.summary.bytes += out.bytes;
        }
        deps.emit({
          type: 'archived', name: src.name, uuid: src.uuid, seq: src.seq.toString(), fromTs: src.fromTs.toString(),
          toTs: src.toTs.toString(), bytes: out.record.size, key: out.record.dataKey,
          action: out.action === 'stored' ? 'stored' : 'unchanged', lockWindowMs: Math.round(window * 100) / 100,
        });
      }
    } finally {
      await pinned.release();
    }
    return [...uuids];
  }

  /** Reads the `_current` file as it is now and archives its committed prefix when it grew. */
  private async archivePrefix(name: string, frozen: boolean): Promise<string | undefined> {
    const { deps, req } = this;
    const rel = joinRel(req.root, WAL_DIR, name);
    const st = await deps.dataDir.stat(rel);
    if (st === undefined || st.type !== 'file') return undefined; // finalized meanwhile: the next pass has it
    let bytes: Buffer;
    try {
      const chunks: Buffer[] = [];
      for await (const c of await deps.dataDir.read(rel, { start: 0, end: st.size })) chunks.push(c as Buffer);
      bytes = Buffer.concat(chunks);
    } catch (err) {
      if (err instanceof MgBackupError && err.kind === 'notFound') return undefined;
      throw err;
    }
    const readAt = deps.clock.now().toISOString();
    let prefix;
    try {
      prefix = committedPrefix(bytes, name, !frozen);
    } catch (err) {
      // A read can race Memgraph's in-place commit-flag update; a real damage persists and is seen again.
      if (err instanceof CorruptFileError) {
        deps.warn(`WAL ${rel} does not decode yet (${err.message}); trying again on the next pass`);
        return undefined;
      }
      throw err;
    }
    this.prefixSizes.set(name, st.size);
    if (prefix === undefined) return undefined;
    const cut = bytes.subarray(0, prefix.length);
    const observedTs = prefix.lastCommittedTs ?? prefix.toTs;
    const out = await archiveWal(deps.backend, {
      name, uuid: prefix.info.uuid, epoch: prefix.info.epochId, seq: prefix.info.sequenceNumber, fromTs: prefix.fromTs,
      toTs: prefix.toTs, durabilityVersion: prefix.info.version, finalized: false, frozen, size: cut.length,
      open: async () => (await import('node:stream')).Readable.from([cut]),
    }, { now: deps.clock.now(), observed: [{ ts: observedTs.toString(), at: readAt }], signal: deps.signal });
    this.state.put(out.record);
    if (out.action !== 'stored') return prefix.info.uuid;
    this.state.storedNow.add(walStem(prefix.info.uuid, prefix.fromTs, prefix.info.sequenceNumber));
    this.summary.prefixes++;
    this.summary.bytes += out.bytes;
    deps.emit({
      type: 'prefix', name, uuid: prefix.info.uuid, seq: prefix.info.sequenceNumber.toString(), toTs: prefix.toTs.toString(),
      bytes: out.bytes, key: out.record.dataKey,
    });
    return prefix.info.uuid;
  }

  /** Gaps whose later side was archived by this run; each reported once. --on-gap fail ends the run (14). */
  private reportGaps(uuids: Set<string>): void {
    for (const uuid of uuids) {
      for (const g of findGaps(this.state.chain(uuid))) {
        const stem = walStem(g.after.uuid, g.after.fromTs, g.after.seq);
        const id = `${walStem(g.before.uuid, g.before.fromTs, g.before.seq)}>${stem}`;
        if (!this.state.storedNow.has(stem) || this.state.reported.has(id)) continue;
        this.state.reported.add(id);
        const message = describeGap(g);
        this.deps.emit({ type: 'gap', uuid, missing: g.missing.map(String), truncated: g.truncated, message });
        if (this.req.onGap === 'fail') {
          throw new MgBackupError('integrity', message, {
            hints: [
              'those WAL files were deleted by Memgraph before watch archived them (watch was not running, or retention was faster)',
              'point-in-time restore cannot cross this gap: take a new base backup with `mgbackup create` now',
              'pass --on-gap warn to keep archiving after reporting a gap',
            ],
            details: { uuid, missing: g.missing.map(String), truncated: g.truncated },
          });
        }
      }
    }
  }
}

async function hashSource(src: WalSource): Promise<string> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for await (const c of await src.open()) h.update(c as Buffer);
  return h.digest('hex');
}

