// Point-in-time planning: which snapshot, which WAL files whole and which one cut, to recover the
// graph as of a commit timestamp. The chain after a snapshot is recovery-chain.ts's rule (what
// Memgraph's startup replays); this file only decides how far along that chain the target lies.
//
// A base is a snapshot (its durable timestamp: replay skips what it holds, wal.cpp:2222-2226) or, with
// no snapshot, a chain from sequence number 0 (durability.cpp:726-731). From a base, a chain reaches
// forward to the end of its last file before the first hole; the restore window is the union of
// those reaches. A target is restorable from the newest base at or before it whose reach covers it.
import { MgBackupError, q } from '../errors/errors.js';
import { analyzeChain, chainFor, chainUuid, describeProblem, type ChainProblem, type ChainSnapshot, type ChainWal } from './recovery-chain.js';

export interface PitrSnapshot extends ChainSnapshot {
  /** File name, for messages and as the tie-break between equal durable timestamps. */
  name: string;
}

/** One stretch of restorable commit timestamps, from one base. */
export interface RestoreInterval<S, W extends ChainWal> {
  from: bigint;
  to: bigint;
  snapshot: S | undefined;
  /** The chain files that reach `to`, by sequence number (before any hole). */
  chain: W[];
  /** The first hole after `to`, when files beyond it exist (a later point needs the missing ones). */
  hole: Extract<ChainProblem<W>, { kind: 'gap' }> | undefined;
  /** The first chain file beyond the reach whose predecessors are missing (the hole's next file, or
   *  a first file that starts after the snapshot). */
  beyond?: W;
}

export interface PointInTimePlan<S, W> {
  targetTs: bigint;
  snapshot: S | undefined;
  /** WAL files to stage as they are, by sequence number. */
  wals: W[];
  /**
   * The file to stage cut, after `wals`: cutWal(its bytes, targetTs, its name) gives the bytes and
   * the `_current` name. undefined when the target falls between two files (or at a file's end).
   */
  cut: W | undefined;
  /**
   * The newest commit timestamp the whole staged files hold (the snapshot's durable timestamp, or the
   * last whole file's to_ts, which counts an uncommitted 2PC transaction too). With a cut, the cut's
   * `lastTs` is later and is the timestamp the restored data reflects. undefined: nothing whole.
   */
  upTo: bigint | undefined;
  /** The restore window (merged reaches of every base), for messages and `list`. */
  window: { from: bigint; to: bigint } | undefined;
}

function fromOf(w: ChainWal): bigint {
  return w.firstTs !== undefined ? w.firstTs()! : w.span()!.fromTs;
}

/** The restorable stretch from one base (snapshot, or none: a chain from sequence 0). */
function reach<S extends PitrSnapshot, W extends ChainWal>(snapshot: S | undefined, wals: W[]): RestoreInterval<S, W> | undefined {
  // analyzeChain picks the files (uuid, numbering, order); what matters here is the part of the chain
  // this base needs, so problems before that part do not count.
  const { chain } = analyzeChain(snapshot, wals);
  let start = 0;
  if (snapshot === undefined) {
    if (chain[0]?.seqNum !== 0n) return undefined; // "There are missing prefix WAL files…"
  } else {
    // Files wholly before the snapshot add nothing, but the first file kept must reach back to it
    // unless it is sequence 0 (durability.cpp:726-741): start at the last one that begins at or before it.
    chain.forEach((w, i) => { if (fromOf(w) <= snapshot.durableTs) start = i; });
    const first = chain[start];
    if (first !== undefined && first.seqNum !== 0n && fromOf(first) > snapshot.durableTs) {
      // Its predecessors are missing: Memgraph would refuse the chain; the snapshot alone stands.
      return { from: snapshot.durableTs, to: snapshot.durableTs, snapshot, chain: [], hole: undefined, beyond: first };
    }
  }
  const used: W[] = [];
  let hole: RestoreInterval<S, W>['hole'];
  for (const w of chain.slice(start)) {
    const prev = used.at(-1);
    if (prev !== undefined && w.seqNum - prev.seqNum > 1n) {
      const missing: bigint[] = [];
      for (let n = prev.seqNum + 1n; n < w.seqNum; n++) missing.push(n);
      hole = { kind: 'gap', after: prev, next: w, missing };
      break;
    }
    used.push(w);
  }
  const from = snapshot?.durableTs ?? fromOf(used[0]!);
  let to = from;
  for (const w of used) {
    const t = w.span()!.toTs;
    if (t > to) to = t;
  }
  return { from, to, snapshot, chain: used, hole, ...(hole === undefined ? {} : { beyond: hole.next }) };
}

/**
 * Every base's restorable stretch, oldest base first. Commit timestamps of two storages are unrelated
 * clocks, so only one storage counts: as at Memgraph's startup, the newest snapshot (by name) gives
 * the UUID (durability.cpp:631), else the newest WAL file; files of another UUID are no base.
 */
export function restoreIntervals<S extends PitrSnapshot, W extends ChainWal>(snapshots: readonly S[], wals: W[]): RestoreInterval<S, W>[] {
  const newest = [...snapshots].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).at(-1);
  const uuid = chainUuid(newest, wals);
  const ours = wals.filter((w) => w.uuid === uuid);
  const out: RestoreInterval<S, W>[] = [];
  const walOnly = reach<S, W>(undefined, ours);
  if (walOnly !== undefined) out.push(walOnly);
  for (const s of snapshots.filter((x) => x.uuid === uuid)) {
    const r = reach(s, ours);
    if (r !== undefined) out.push(r);
  }
  return out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

function spanOf(intervals: readonly RestoreInterval<unknown, ChainWal>[]): { from: bigint; to: bigint } | undefined {
  if (intervals.length === 0) return undefined;
  return { from: intervals[0]!.from, to: intervals.reduce((m, i) => (i.to > m ? i.to : m), intervals[0]!.to) };
}

/**
 * Earliest and latest restorable commit timestamps (undefined: nothing to restore from). There may be
 * holes in between (restoreIntervals lists the stretches).
 */
export function restoreWindow(snapshots: readonly PitrSnapshot[], wals: ChainWal[]): { from: bigint; to: bigint } | undefined {
  return spanOf(restoreIntervals(snapshots, wals));
}

const windowText = (w: { from: bigint; to: bigint }): string => `commit timestamps ${w.from} to ${w.to}`;

function outsideWindow(targetTs: bigint, window: { from: bigint; to: bigint }): MgBackupError {
  const side = targetTs < window.from ? 'before' : 'after';
  return new MgBackupError('notFound', `target commit timestamp ${q(targetTs)} is ${side} the restore window (${windowText(window)})`, {
    hints: [side === 'before'
      ? `the earliest restorable point is commit timestamp ${window.from}: older states are in no snapshot or wal file kept`
      : `the newest restorable commit is timestamp ${window.to}: later commits are in no wal file available here`],
    details: { window: { from: String(window.from), to: String(window.to) } },
  });
}

/**
 * The plan to recover the graph as of commit timestamp `targetTs`: the newest snapshot at or before it
 * whose chain reaches it (or a chain from sequence 0), the chain files up to the target, and the file
 * to cut. Throws notFound (12) for a target outside the restore window, naming the window, and
 * integrity (14) for a target behind a hole in the chain, naming the missing sequence numbers.
 */
export function planPointInTime<S extends PitrSnapshot, W extends ChainWal>(snapshots: readonly S[], wals: W[], targetTs: bigint): PointInTimePlan<S, W> {
  const intervals = restoreIntervals(snapshots, wals);
  const window = spanOf(intervals);
  if (window === undefined) {
    throw new MgBackupError('notFound', `nothing to restore commit timestamp ${q(targetTs)} from: no snapshot and no wal chain from sequence number 0`, {
      hints: ['a point-in-time restore needs a base backup (snapshot) at or before the target, or the wal files from the very first one'],
    });
  }
  // Newest base first (by durable timestamp, then name, the WAL-only base last): the least to replay.
  const candidates = intervals.filter((i) => i.from <= targetTs).sort((a, b) =>
    a.from !== b.from ? (a.from > b.from ? -1 : 1) : (b.snapshot?.name ?? '').localeCompare(a.snapshot?.name ?? ''));
  if (candidates.length === 0) throw outsideWindow(targetTs, window);
  const base = candidates.find((i) => targetTs <= i.to);
  if (base === undefined) {
    // Behind a hole (files exist beyond it): name the missing files of the newest base's chain.
    const newest = candidates[0]!;
    // A hole matters when the files beyond it reach the target; past every file is past the window.
    const uuid = newest.snapshot?.uuid ?? newest.chain[0]?.uuid;
    const lastKnown = wals.filter((w) => w.uuid === uuid).reduce((m, w) => { const t = w.span()?.toTs ?? m; return t > m ? t : m; }, window.to);
    if (targetTs > lastKnown) throw outsideWindow(targetTs, window);
    if (newest.hole !== undefined) {
      const h = newest.hole;
      throw new MgBackupError('integrity', `commit timestamp ${q(targetTs)} lies behind a hole in the wal chain: ${describeProblem(h)}`, {
        hints: [`restore to commit timestamp ${newest.to} or earlier, or to a point after a later snapshot; the missing wal files cannot be replaced`],
        details: { missingSequenceNumbers: h.missing.map(String), reachable: String(newest.to) },
      });
    }
    const from = newest.snapshot === undefined ? 'sequence number 0' : `snapshot ${q(newest.snapshot.name)}`;
    const missing = newest.beyond === undefined ? '' : `, and the wal files before ${q(newest.beyond.name)} (sequence number ${newest.beyond.seqNum}) are missing`;
    throw new MgBackupError('integrity', `commit timestamp ${q(targetTs)} lies in a stretch no wal file covers: the chain from ${from} ends at commit timestamp ${newest.to}${missing}`, {
      hints: [`restore to commit timestamp ${newest.to} or earlier, or to a point after a later snapshot`],
      details: { reachable: String(newest.to) },
    });
  }
  const { wals: whole, cut } = pick(base, targetTs);
  // What gets staged must pass the recovery rule on its own: Memgraph starts on exactly these files.
  chainFor(base.snapshot, cut === undefined ? whole : [...whole, cut]);
  let upTo = base.snapshot?.durableTs;
  for (const w of whole) {
    const t = w.span()!.toTs;
    if (upTo === undefined || t > upTo) upTo = t;
  }
  return { targetTs, snapshot: base.snapshot, wals: whole, cut, upTo, window };
}

/** The chain files to stage for a target inside the base's reach, and the one to cut. */
function pick<S, W extends ChainWal>(base: RestoreInterval<S, W>, targetTs: bigint): { wals: W[]; cut: W | undefined } {
  // A `_current` twin left by a LOCK is a prefix of the same-numbered finalized file: keep the longer.
  const chain: W[] = [];
  for (const w of base.chain) {
    const prev = chain.at(-1);
    if (prev !== undefined && prev.seqNum === w.seqNum) {
      if (w.span()!.toTs > prev.span()!.toTs) chain[chain.length - 1] = w;
    } else chain.push(w);
  }
  const wals: W[] = [];
  for (const w of chain) {
    if (fromOf(w) > targetTs) break;
    if (w.span()!.toTs <= targetTs) wals.push(w);
    else return { wals, cut: w };
  }
  return { wals, cut: undefined };
}
