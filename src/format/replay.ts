// Snapshot + WAL chain -> Graph, by Memgraph's recovery rules (research doc §5.5–5.6): WALs of another
// storage uuid are ignored, the rest are ordered by sequence number and must not have gaps, and only
// committed transactions newer than the last applied timestamp are replayed.
import { CorruptFileError, MgBackupError, q } from '../errors/errors.js';
import { emptyGraph, type Graph } from '../graph/model.js';
import { asSource, type ByteSource } from './byte-source.js';
import { GraphReplayer } from './apply-wal.js';
import { EnumRegistry } from './enums.js';
import { Reader } from './reader.js';
import { decodeSnapshot } from './snapshot.js';
import type { SnapshotInfo } from './snapshot-header.js';
import { named, readWalInfo, walTransactions } from './wal.js';
import type { WalInfo } from './wal-types.js';

export interface ReplayResult {
  graph: Graph;
  snapshot: SnapshotInfo | undefined;
  /** WAL files used, in replay order, with the number of transactions applied from each. */
  wals: { index: number; info: WalInfo; applied: number; skipped: number }[];
  /** Indexes (into the input list) of WAL files ignored because their storage uuid differs. */
  ignored: number[];
  /** Timestamp of the last applied transaction (or the snapshot's durable timestamp). */
  lastTimestamp: bigint | undefined;
}

function chainError(message: string, hint: string): MgBackupError {
  return new MgBackupError('integrity', message, { hints: [hint] });
}

export interface ReplayOptions {
  /** The WAL files' names, in input order: errors name the file, and a finalized name means finalized. */
  walNames?: readonly (string | undefined)[];
}

export function replay(
  snapshotInput: ByteSource | Uint8Array | undefined, walInputs: readonly (ByteSource | Uint8Array)[], opts: ReplayOptions = {},
): ReplayResult {
  const snap = snapshotInput === undefined ? undefined : decodeSnapshot(snapshotInput);
  const opened = walInputs.map((input, index) => {
    const r = new Reader(asSource(input));
    const name = opts.walNames?.[index];
    return { index, r, name, info: named(name, () => readWalInfo(r)) };
  });
  let uuid = snap?.info.uuid;
  if (uuid === undefined && opened.length > 0) {
    uuid = opened.reduce((a, b) => (b.info.sequenceNumber > a.info.sequenceNumber ? b : a)).info.uuid;
  }
  const ignored = opened.filter((w) => w.info.uuid !== uuid).map((w) => w.index);
  const chain = opened.filter((w) => w.info.uuid === uuid).sort((a, b) => (a.info.sequenceNumber < b.info.sequenceNumber ? -1 : 1));

  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1]!.info.sequenceNumber;
    const cur = chain[i]!.info.sequenceNumber;
    if (cur === prev) throw chainError(`two wal files have sequence number ${q(cur)}`, 'pass each wal file once');
    if (cur !== prev + 1n) {
      throw chainError(`wal sequence gap: ${q(prev)} is followed by ${q(cur)}`, `the wal file with sequence number ${prev + 1n} is missing: add it, or restore only up to sequence ${prev}`);
    }
  }
  const first = chain[0];
  if (first !== undefined && first.info.sequenceNumber !== 0n && snap === undefined) {
    throw chainError(`the first wal file has sequence number ${q(first.info.sequenceNumber)}, not 0, and there is no snapshot`,
      'add the snapshot these wal files continue, or the earlier wal files');
  }

  const graph = snap?.graph ?? emptyGraph();
  const replayer = new GraphReplayer(graph, snap?.names ?? []);
  const enums = new EnumRegistry(snap?.enums ?? []);
  let last: bigint | undefined = snap?.info.durableTimestamp;
  const used: ReplayResult['wals'] = [];
  chain.forEach((w, i) => {
    // A file followed by another in the chain was finalized before the next one started.
    const it = walTransactions(w.r, w.info, {
      enums, after: last ?? -1n, finalized: i < chain.length - 1, ...(w.name === undefined ? {} : { name: w.name }),
    });
    let applied = 0;
    let skipped = 0;
    let firstTx = true;
    for (let n = it.next(); !n.done; n = it.next()) {
      const tx = n.value;
      if (firstTx && i === 0 && snap !== undefined && w.info.sequenceNumber !== 0n && tx.timestamp > snap.info.durableTimestamp) {
        throw chainError(`the first wal file starts at timestamp ${q(tx.timestamp)}, after the snapshot's ${q(snap.info.durableTimestamp)}`,
          'the wal files between the snapshot and this one are missing: add them');
      }
      firstTx = false;
      if ((last !== undefined && tx.timestamp <= last) || !tx.commit) {
        skipped++;
        continue;
      }
      try {
        replayer.apply(tx);
      } catch (e) {
        // A transaction that decodes but does not apply: name the file and where the transaction starts.
        if (!(e instanceof MgBackupError) || e.kind !== 'integrity' || e instanceof CorruptFileError) throw e;
        throw new CorruptFileError(e.message, tx.offset, { ...(w.name === undefined ? {} : { file: w.name }), hints: e.hints, cause: e });
      }
      last = tx.timestamp;
      applied++;
    }
    used.push({ index: w.index, info: w.info, applied, skipped });
  });
  return { graph: replayer.finish(), snapshot: snap?.info, wals: used, ignored, lastTimestamp: last };
}
