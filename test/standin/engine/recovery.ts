// Startup recovery (src/storage/v2/durability/durability.cpp:598-820), summarised in
// research/memgraph-semantics.md §5: the greatest snapshot file name wins and gives the UUID, the newest
// loadable snapshot with that UUID is loaded, WALs with the same UUID replay in sequence order, applying
// only transactions newer than what is loaded. Unreadable files are skipped with a log line.
import * as fs from 'node:fs';
import type { Graph } from '../../../src/graph/model.js';
import type { DurabilityCodec } from './codec.js';
import { errorText, readSnapshotMeta, readWal, regularFiles, type SnapshotFile, type WalFile } from './durability-files.js';
import { applyOps } from './tx-log.js';

export interface Recovered {
  graph: Graph;
  uuid: string;
  epochId: string;
  lastTs: bigint;
  /** Sequence number for the next WAL file. */
  nextWalSeq: bigint;
}

/** A RecoveryFailure: Memgraph refuses to start (durability.cpp:664-668, 720-748). */
export class RecoveryError extends Error {}

export function recover(codec: DurabilityCodec, snapshotDir: string, walDir: string, log: (l: string) => void):
  Recovered | undefined {
  const snapshots: SnapshotFile[] = [];
  for (const file of regularFiles(snapshotDir)) {
    try {
      snapshots.push({ path: file, meta: readSnapshotMeta(codec, file) });
    } catch (e) {
      log(`Couldn't read snapshot info in GetSnapshotFiles: ${file} (${errorText(e)})`);
    }
  }
  // durability.hpp:45-53: sorted by (path, uuid, ts); the greatest path is "latest".
  snapshots.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  let graph: Graph | undefined;
  let uuid: string | undefined;
  let epochId = '';
  let snapshotTs: bigint | undefined;
  if (snapshots.length > 0) {
    uuid = snapshots[snapshots.length - 1]!.meta.uuid;
    for (const s of [...snapshots].reverse()) {
      if (s.meta.uuid !== uuid) {
        log(`The snapshot file ${s.path} isn't related to the latest snapshot file!`);
        continue;
      }
      try {
        const decoded = codec.decodeSnapshot(fs.readFileSync(s.path));
        graph = decoded.graph;
        epochId = decoded.meta.epochId;
        snapshotTs = decoded.meta.durableTs;
        log(`Recovered snapshot ${s.path}`);
        break;
      } catch (e) {
        log(`Couldn't recover snapshot from ${s.path} because of: ${errorText(e)}.`);
      }
    }
    if (!graph) {
      throw new RecoveryError(
        "Couldn't recover using any of the specified snapshots! Please inspect them and restart the database.",
      );
    }
  }

  let wals: WalFile[] = [];
  for (const file of regularFiles(walDir)) {
    try {
      wals.push(readWal(codec, file));
    } catch (e) {
      log(`Failed to read WAL file ${file} (${errorText(e)})`);
    }
  }
  if (uuid === undefined) {
    if (wals.length === 0) {
      log('No snapshot or WAL file found.');
      return undefined;
    }
    // The newest WAL by path gives UUID and epoch (durability.cpp:681-716).
    const newest = wals.reduce((a, b) => (b.path > a.path ? b : a));
    uuid = newest.meta.uuid;
    epochId = newest.meta.epochId;
  }
  wals = wals.filter((w) => {
    if (w.meta.uuid === uuid) return true;
    log(`Wal file ${w.path} won't be used. Wanted UUID: ${uuid}. File UUID: ${w.meta.uuid}.`);
    return false;
  });
  wals.sort((a, b) => (a.meta.seqNum < b.meta.seqNum ? -1 : a.meta.seqNum > b.meta.seqNum ? 1 : a.path < b.path ? -1 : 1));

  graph ??= { vertices: new Map(), edges: new Map(), schema: [] };
  // Without a snapshot nothing is applied yet, so nothing is skipped: LoadWal gets no last-applied
  // timestamp (durability.cpp:742 last_loaded_timestamp = snapshot_durable_timestamp, nullopt) and a
  // transaction at timestamp 0 (v14 files start there) is replayed (wal.cpp:2222-2226).
  let lastTs: bigint | undefined = snapshotTs;
  let nextWalSeq = 0n;
  if (wals.length > 0) {
    const first = wals[0]!;
    if (first.meta.seqNum !== 0n) {
      if (snapshotTs === undefined) {
        throw new RecoveryError('There are missing prefix WAL files and data can\'t be recovered without them!');
      }
      if (first.fromTs > snapshotTs) {
        throw new RecoveryError(
          'You must have at least one WAL file that contains at least one delta that was created before the ' +
            'snapshot file!',
        );
      }
    }
    let prev: bigint | undefined;
    for (const w of wals) {
      if (prev !== undefined && w.meta.seqNum - prev > 1n) {
        throw new RecoveryError(`You are missing a WAL file with the sequence number ${prev + 1n}!`);
      }
      prev = w.meta.seqNum;
      // wal.cpp:1397-1401, 2222-2226: skip what is already applied, so duplicates are harmless.
      if (lastTs !== undefined && w.toTs <= lastTs) continue;
      for (const tx of w.transactions) {
        if (lastTs !== undefined && tx.commitTs <= lastTs) continue;
        applyOps(graph, tx.ops);
        lastTs = tx.commitTs;
      }
    }
    nextWalSeq = prev! + 1n;
  }
  return { graph, uuid, epochId, lastTs: lastTs ?? 0n, nextWalSeq };
}
