// The one WAL-chain rule of mgbackup: which WAL files Memgraph's startup recovery replays on top of a
// snapshot, and when it refuses to start (Memgraph durability.cpp:162-222 GetWalFiles, :720-748
// RecoverData). restore planning, verify --deep, replay (convert, inspect) and point-in-time planning
// (point-in-time.ts) all go through analyzeChain()/chainFor(); nothing else decides this.
//
// Memgraph's rules, as read at HEAD (df0f636):
//  - only WALs whose header UUID equals the snapshot's are considered; epoch ids are no filter;
//  - a WAL holding no complete transaction has no timestamps and is dropped from the list;
//  - the rest is sorted by sequence number; the first one must have seq 0, or (with a snapshot) a
//    first commit timestamp <= the snapshot's durable timestamp ("You must have at least one WAL file
//    that contains at least one delta that was created before the snapshot file!"), and without a
//    snapshot a non-zero first seq is "There are missing prefix WAL files…";
//  - a step of more than one in seq is "You are missing a WAL file with the sequence number N!"
//    (equal numbers pass: a LOCK leaves a `_current` twin of a file finalized meanwhile).
// The first commit timestamp is read from the file's contents by Memgraph, never from its name; a
// `_current` file has none in its name, so callers supply a span read from the deltas.
//
// Since Memgraph 3.13, leaving IN_MEMORY_ANALYTICAL writes a snapshot, archives older files to .old
// and restarts WAL numbering at 0 under the same UUID and epoch (inmemory/storage.cpp, "The
// switch-back snapshot is a new durability base"). A backup can therefore hold two numberings of
// one UUID. They are told apart by creation order (the 20-digit UTC name prefix): a sequence number
// that goes down, or repeats under another prefix, starts a new numbering. Only the numbering that
// continues the chosen snapshot is its chain; files of another numbering are never mixed into it.
import { MgBackupError, q } from '../errors/errors.js';
import { closeSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { FdSource, asSource, type ByteSource } from './byte-source.js';
import { decodeSnapshotInfo } from './snapshot-header.js';
import { Reader } from './reader.js';
import { readWalInfo, walTransactions } from './wal.js';

export interface ChainWal {
  /** File name (or path) for messages; its 20-digit prefix gives creation order. */
  name: string;
  uuid: string;
  seqNum: bigint;
  /**
   * First and last commit timestamps, or undefined when the file holds no complete transaction.
   * Called only when the rule needs it (it may decode the file).
   */
  span: () => { fromTs: bigint; toTs: bigint } | undefined;
  /**
   * The first commit timestamp alone (undefined: no complete transaction), when it is cheaper than
   * span(): replay reads one transaction for it instead of the whole file. Default: span()?.fromTs.
   */
  firstTs?: () => bigint | undefined;
}

export interface ChainSnapshot {
  uuid: string;
  durableTs: bigint;
}

export interface RecoveryChain<W extends ChainWal> {
  /** The WALs recovery replays, by sequence number. */
  chain: W[];
  /** Same-UUID files of another numbering (storage-mode switch): not part of this snapshot's chain. */
  otherNumbering: W[];
  /** Files of another UUID, or with no complete transaction: recovery ignores them. */
  ignored: W[];
}

/** Why Memgraph would refuse to start on a chain (durability.cpp RecoverData, see the top comment). */
export type ChainProblem<W extends ChainWal> =
  /** No snapshot, and the first file is not sequence 0: "There are missing prefix WAL files…". */
  | { kind: 'noPrefix'; first: W }
  /** The first file is not sequence 0 and starts after the snapshot: its predecessors are missing. */
  | { kind: 'startsAfterSnapshot'; first: W; fromTs: bigint; snapshotTs: bigint }
  /** Sequence numbers `missing` (in order) are absent between `after` and `next`. */
  | { kind: 'gap'; after: W; next: W; missing: bigint[] };

export interface ChainAnalysis<W extends ChainWal> extends RecoveryChain<W> {
  /** In chain order: a prefix problem first, then each gap. Empty when Memgraph would start. */
  problems: ChainProblem<W>[];
}

export interface ChainRuleOptions<W extends ChainWal> {
  /** The hints of a refusal (default: restore's, naming Memgraph's message and --snapshot-only). */
  hints?: (p: ChainProblem<W>) => string[];
}

/** Memgraph's own words for each problem (durability.cpp:720-748). */
export function memgraphSays(p: ChainProblem<ChainWal>): string {
  switch (p.kind) {
    case 'noPrefix': return 'There are missing prefix WAL files and data can\'t be recovered without them!';
    case 'startsAfterSnapshot': return 'You must have at least one WAL file that contains at least one delta that was created before the snapshot file!';
    case 'gap': return `You are missing a WAL file with the sequence number ${p.missing[0]}!`;
  }
}

/** "1", "1 and 2", "1 to 7" */
function seqList(missing: readonly bigint[]): string {
  if (missing.length === 1) return `sequence number ${missing[0]}`;
  if (missing.length === 2) return `sequence numbers ${missing[0]} and ${missing[1]}`;
  return `sequence numbers ${missing[0]} to ${missing[missing.length - 1]}`;
}

/** What is wrong, in words that name the files and the missing sequence numbers. */
export function describeProblem(p: ChainProblem<ChainWal>): string {
  switch (p.kind) {
    case 'noPrefix':
      return `the first wal ${q(p.first.name)} has sequence number ${p.first.seqNum}, not 0, and there is no snapshot`;
    case 'startsAfterSnapshot':
      return `the first wal ${q(p.first.name)} (sequence number ${p.first.seqNum}) starts at timestamp ${p.fromTs}, after the snapshot's ${p.snapshotTs}, and its predecessor is missing`;
    case 'gap':
      return `${seqList(p.missing)} ${p.missing.length === 1 ? 'is' : 'are'} missing between ${q(p.after.name)} and ${q(p.next.name)}`;
  }
}

const restoreHints = (p: ChainProblem<ChainWal>): string[] => [
  `Memgraph's recovery stops with "${memgraphSays(p)}"`,
  'restore with --snapshot-only to recover the snapshot\'s state, or use a backup whose wal chain is complete',
];

/** The integrity error for a problem (exit 14). */
export function chainProblemError<W extends ChainWal>(p: ChainProblem<W>, hints: (p: ChainProblem<W>) => string[] = restoreHints): MgBackupError {
  const what = `${p.kind === 'gap' ? 'a sequence gap: ' : ''}${describeProblem(p)}`;
  return new MgBackupError('integrity', `the wal files would make memgraph refuse to start: ${what}`, {
    hints: hints(p),
    details: p.kind === 'gap' ? { missingSequenceNumbers: p.missing.map(String) } : undefined,
  });
}

const PREFIX = /^\d{20}_/;
const baseOf = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
/** The 20-digit UTC creation prefix of a Memgraph file name, or undefined (a copy named otherwise). */
const prefixOf = (name: string): string | undefined => {
  const base = baseOf(name);
  return PREFIX.test(base) ? base.slice(0, 20) : undefined;
};

/** Creation order: by name prefix where both names have one (Memgraph's "newest by path"), else by
 *  sequence number, which is all a file renamed by hand (wal.bin) still tells. */
function byCreation<W extends ChainWal>(a: W, b: W): number {
  const pa = prefixOf(a.name), pb = prefixOf(b.name);
  if (pa !== undefined && pb !== undefined && pa !== pb) return pa < pb ? -1 : 1;
  return a.seqNum < b.seqNum ? -1 : a.seqNum > b.seqNum ? 1 : 0;
}

/** Splits same-UUID files into numberings, oldest first. */
export function numberings<W extends ChainWal>(wals: W[]): W[][] {
  const out: W[][] = [];
  let prev: W | undefined;
  for (const w of [...wals].sort(byCreation)) {
    const pw = prefixOf(w.name);
    const pp = prev === undefined ? undefined : prefixOf(prev.name);
    const restart = prev !== undefined && (w.seqNum < prev.seqNum || (w.seqNum === prev.seqNum && pw !== undefined && pp !== undefined && pw !== pp));
    if (prev === undefined || restart) out.push([]);
    out[out.length - 1]!.push(w);
    prev = w;
  }
  return out;
}

/** The storage UUID recovery keeps: the snapshot's, else the newest WAL's (durability.cpp:681-716). */
export function chainUuid(snapshot: ChainSnapshot | undefined, wals: readonly ChainWal[]): string | undefined {
  return snapshot?.uuid ?? [...wals].sort(byCreation).at(-1)?.uuid;
}

/**
 * The WAL chain Memgraph would replay on `snapshot` (or on no snapshot), and every reason it would
 * refuse to start on these files. Never throws for a chain problem: point-in-time planning needs to
 * know where a gap is, not only that there is one.
 */
export function analyzeChain<W extends ChainWal>(snapshot: ChainSnapshot | undefined, wals: W[]): ChainAnalysis<W> {
  const uuid = chainUuid(snapshot, wals);
  const ignored = wals.filter((w) => w.uuid !== uuid);
  const usable: W[] = [];
  for (const w of wals) {
    if (w.uuid !== uuid) continue;
    // GetWalFiles drops a file whose ReadWalContents throws: one without a complete transaction.
    if ((w.firstTs !== undefined ? w.firstTs() : w.span()?.fromTs) === undefined) ignored.push(w);
    else usable.push(w);
  }
  const groups = numberings(usable);
  let chosen: W[] = groups.at(-1) ?? [];
  if (groups.length > 1 && snapshot !== undefined) {
    // The numbering that continues the snapshot: the first that holds a commit after it. Later
    // numberings start after a switch-back snapshot that is not this one, beyond a gap no WAL fills.
    chosen = groups.find((g) => g.some((w) => w.span()!.toTs > snapshot.durableTs)) ?? groups.at(-1)!;
  }
  const otherNumbering = usable.filter((w) => !chosen.includes(w));
  const chain = [...chosen].sort((a, b) => (a.seqNum < b.seqNum ? -1 : a.seqNum > b.seqNum ? 1 : 0));
  const problems: ChainProblem<W>[] = [];
  const first = chain[0];
  if (first !== undefined && first.seqNum !== 0n) {
    if (snapshot === undefined) problems.push({ kind: 'noPrefix', first });
    else {
      const fromTs = first.firstTs !== undefined ? first.firstTs()! : first.span()!.fromTs;
      if (fromTs > snapshot.durableTs) problems.push({ kind: 'startsAfterSnapshot', first, fromTs, snapshotTs: snapshot.durableTs });
    }
  }
  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1]!.seqNum;
    const next = chain[i]!.seqNum;
    // Equal numbers pass: a LOCK leaves a `_current` twin of a file finalized meanwhile.
    if (next - prev > 1n) {
      const missing: bigint[] = [];
      for (let s = prev + 1n; s < next; s++) missing.push(s);
      problems.push({ kind: 'gap', after: chain[i - 1]!, next: chain[i]!, missing });
    }
  }
  return { chain, otherNumbering, ignored, problems };
}

/**
 * The WAL chain Memgraph would replay on `snapshot` (or on no snapshot), or an integrity error when
 * Memgraph would refuse to start on these files.
 */
export function chainFor<W extends ChainWal>(snapshot: ChainSnapshot | undefined, wals: W[], opts: ChainRuleOptions<W> = {}): RecoveryChain<W> {
  const { chain, otherNumbering, ignored, problems } = analyzeChain(snapshot, wals);
  if (problems.length > 0) throw chainProblemError(problems[0]!, opts.hints);
  return { chain, otherNumbering, ignored };
}

const FINALIZED_NAME = /(?:^|\/)\d{20}_from_(\d+)_to_(\d+)$/;

/**
 * First and last commit timestamps of a WAL. A finalized name carries them (Memgraph writes the name
 * from the same values when it finalizes); a `_current` file is decoded up to its last complete
 * transaction, as Memgraph's ReadWalContents does.
 */
export function walSpan(name: string, input: () => ByteSource | Uint8Array): { fromTs: bigint; toTs: bigint } | undefined {
  const m = FINALIZED_NAME.exec(name);
  if (m) return { fromTs: BigInt(m[1]!), toTs: BigInt(m[2]!) };
  const r = new Reader(asSource(input()));
  const info = readWalInfo(r);
  if (info.summary !== undefined && info.summary.numDeltas > 0n) return { fromTs: info.summary.fromTimestamp, toTs: info.summary.toTimestamp };
  let span: { fromTs: bigint; toTs: bigint } | undefined;
  for (const tx of walTransactions(r, info, { lenientEnums: true, name })) {
    span = span === undefined ? { fromTs: tx.timestamp, toTs: tx.timestamp } : { fromTs: span.fromTs, toTs: tx.timestamp };
  }
  return span;
}

/**
 * chainFor over files in a folder (a backup): reads the snapshot's and each WAL's header, and a WAL's
 * span when the rule needs it. Returns the WALs recovery would replay, in order.
 */
export function chainOfFiles<F extends { path: string }>(dir: string, snapshot: F | undefined, wals: F[]): F[] {
  const withFd = <T>(rel: string, fn: (src: ByteSource) => T): T => {
    const fd = openSync(path.join(dir, rel), 'r');
    try {
      return fn(new FdSource(fd, fstatSync(fd).size));
    } finally {
      closeSync(fd);
    }
  };
  const snap = snapshot === undefined ? undefined : withFd(snapshot.path, (s) => decodeSnapshotInfo(s));
  const entries = wals.map((f) => {
    const info = withFd(f.path, (s) => readWalInfo(new Reader(s)));
    let span: { fromTs: bigint; toTs: bigint } | undefined | null = null;
    return {
      file: f, name: f.path, uuid: info.uuid, seqNum: info.sequenceNumber,
      span: () => (span !== null ? span : (span = withFd(f.path, (s) => walSpan(f.path, () => s)))),
    };
  });
  return chainFor(snap === undefined ? undefined : { uuid: snap.uuid, durableTs: snap.durableTimestamp }, entries).chain.map((e) => e.file);
}
