// One pass of watch over a storage root (see watch.ts for the loop around it): new finalized WAL files
// pinned under a brief LOCK and archived in sequence order, the open WAL's committed prefix (a `_current`
// left by a crash whole, once), then the gaps this pass made visible. ArchiveState is what the archive
// holds, read once at start and kept current in memory, so a pass never lists the whole archive.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readDurabilityHeader } from '../../datadir/durability-header.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel, parseSnapshotName, parseWalName } from '../../datadir/layout.js';
import { CorruptFileError, MgBackupError, throwIfAborted } from '../../errors/errors.js';
import {
  archiveWal, chainOrder, describeGap, findGaps, isPrefix, walStem, type WalRecord, type WalSource,
} from '../../repo/wal-archive.js';
import { WATCH_LEASE_ID_PREFIX } from '../backup/lease.js';
import { pinnedReadAt } from '../backup/pinned-read.js';
import { walCandidates } from '../backup/select-files.js';
import { committedPrefix } from './committed-prefix.js';
import { isTransient, pinWals } from './pin-wals.js';
import type { WatchDeps, WatchRequest, WatchSummary } from './watch.js';

/** What the archive holds, kept in memory: names of archived finalized files, records per storage uuid. */
export class ArchiveState {
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

export class Pass {
  private readonly seenSnapshots = new Set<string>();
  private firstPass = true;
  /** Size of each `_current` file when its prefix was last taken: unchanged files are not read again. */
  private readonly prefixSizes = new Map<string, number>();
  private passNo = 0;
  private warnedCopy = false;

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
    // Forget files that are gone, so a watch running for months keeps O(files present) in memory.
    for (const name of this.prefixSizes.keys()) if (!candidates.includes(name)) this.prefixSizes.delete(name);
    if (failed !== undefined) throw failed;
    this.reportGaps(touched);
  }

  private noteSnapshots(entries: { name: string; type: string }[]): void {
    const present = new Set(entries.map((e) => e.name));
    for (const name of this.seenSnapshots) if (!present.has(name)) this.seenSnapshots.delete(name);
    for (const e of entries) {
      if (e.type !== 'file' || !parseSnapshotName(e.name) || this.seenSnapshots.has(e.name)) continue;
      this.seenSnapshots.add(e.name);
      if (!this.firstPass) this.deps.emit({ type: 'snapshot', name: e.name });
    }
  }

  /** Pins the new finalized files under one lock, then archives them in sequence order. Returns uuids touched. */
  private async archiveFinalized(names: string[]): Promise<string[]> {
    const { deps, req } = this;
    const id = `${WATCH_LEASE_ID_PREFIX}${deps.clock.now().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomBytes(4).toString('hex')}-${++this.passNo}`;
    const pinned = await pinWals(
      { database: req.database, server: req.server, root: req.root, names, id, leaseWaitMs: req.leaseWaitMs, signal: deps.signal },
      deps,
    );
    const seenAt = deps.clock.now().toISOString();
    if (!this.warnedCopy && pinned.pins.files.some((f) => f.method === 'copy')) {
      // As create warns: through the Docker API (or where links are refused) files are copied under the lock.
      this.warnedCopy = true;
      deps.warn(`hardlinks are impossible in ${deps.dataDir.description}; WAL files are copied while the lock is held`);
    }
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
          ...(this.req.compression ? { compression: this.req.compression } : {}),
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
      open: async () => Readable.from([cut]),
    }, { now: deps.clock.now(), observed: [{ ts: observedTs.toString(), at: readAt }], signal: deps.signal, ...(req.compression ? { compression: req.compression } : {}) });
    this.state.put(out.record);
    if (out.action !== 'stored') return prefix.info.uuid;
    this.state.storedNow.add(walStem(prefix.info.uuid, prefix.fromTs, prefix.info.sequenceNumber));
    this.summary.prefixes++;
    this.summary.bytes += out.bytes;
    deps.emit({
      type: 'prefix', name, uuid: prefix.info.uuid, seq: prefix.info.sequenceNumber.toString(), toTs: prefix.toTs.toString(),
      bytes: out.bytes, key: out.record.dataKey, frozen,
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

