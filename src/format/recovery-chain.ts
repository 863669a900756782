// The one WAL-chain rule of mgbackup: which WAL files Memgraph's startup recovery replays on top of a
// snapshot, and when it refuses to start (Memgraph durability.cpp:162-222 GetWalFiles, :720-748
// RecoverData). restore planning and verify --deep both call chainFor(); nothing else decides this.
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

function failure(why: string, memgraphSays: string): MgBackupError {
  return new MgBackupError('integrity', `the wal files would make memgraph refuse to start: ${why}`, {
    hints: [
      `Memgraph's recovery stops with "${memgraphSays}"`,
      'restore with --snapshot-only to recover the snapshot\'s state, or use a backup whose wal chain is complete',
    ],
  });
}

const prefixOf = (name: string): string => {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return /^\d{20}_/.test(base) ? base.slice(0, 20) : base;
};

function byCreation<W extends ChainWal>(a: W, b: W): number {
  const pa = prefixOf(a.name), pb = prefixOf(b.name);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.seqNum < b.seqNum ? -1 : a.seqNum > b.seqNum ? 1 : 0;
}

/** Splits same-UUID files into numberings, oldest first. */
export function numberings<W extends ChainWal>(wals: W[]): W[][] {
  const out: W[][] = [];
  let prev: W | undefined;
  for (const w of [...wals].sort(byCreation)) {
    const restart = prev !== undefined && (w.seqNum < prev.seqNum || (w.seqNum === prev.seqNum && prefixOf(w.name) !== prefixOf(prev.name)));
    if (prev === undefined || restart) out.push([]);
    out[out.length - 1]!.push(w);
    prev = w;
  }
  return out;
}

/**
 * The WAL chain Memgraph would replay on `snapshot` (or on no snapshot), or an integrity error when
 * Memgraph would refuse to start on these files.
 */
export function chainFor<W extends ChainWal>(snapshot: ChainSnapshot | undefined, wals: W[]): RecoveryChain<W> {
  const uuid = snapshot?.uuid ?? [...wals].sort(byCreation).at(-1)?.uuid;
  const ignored = wals.filter((w) => w.uuid !== uuid);
  const usable: W[] = [];
  for (const w of wals) {
    if (w.uuid !== uuid) continue;
    if (w.span() === undefined) ignored.push(w);
    else usable.push(w);
  }
  const groups = numberings(usable);
  let chosen: W[] = groups.at(-1) ?? [];
  if (groups.length > 1) {
    if (snapshot === undefined) {
      chosen = groups.at(-1)!;
    } else {
      // The numbering that continues the snapshot: the first that holds a commit after it. Later
      // numberings start after a switch-back snapshot that is not this one, beyond a gap no WAL fills.
      chosen = groups.find((g) => g.some((w) => w.span()!.toTs > snapshot.durableTs)) ?? groups.at(-1)!;
    }
  }
  const otherNumbering = usable.filter((w) => !chosen.includes(w));
  const chain = [...chosen].sort((a, b) => (a.seqNum < b.seqNum ? -1 : a.seqNum > b.seqNum ? 1 : 0));
  const first = chain[0];
  if (first !== undefined && first.seqNum !== 0n) {
    if (snapshot === undefined) {
      throw failure(`the first wal ${q(first.name)} has sequence number ${first.seqNum}, not 0, and there is no snapshot`,
        'There are missing prefix WAL files and data can\'t be recovered without them!');
    }
    const fromTs = first.span()!.fromTs;
    if (fromTs > snapshot.durableTs) {
      throw failure(`the first wal ${q(first.name)} (sequence number ${first.seqNum}) starts at timestamp ${fromTs}, after the snapshot's ${snapshot.durableTs}, and its predecessor is missing`,
        'You must have at least one WAL file that contains at least one delta that was created before the snapshot file!');
    }
  }
  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1]!.seqNum;
    if (chain[i]!.seqNum - prev > 1n) {
      throw failure(`sequence number ${prev + 1n} is missing between ${q(chain[i - 1]!.name)} and ${q(chain[i]!.name)}`,
        `You are missing a WAL file with the sequence number ${prev + 1n}!`);
    }
  }
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
