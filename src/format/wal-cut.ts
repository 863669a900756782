// Cutting a WAL at a commit timestamp for point-in-time restore: Memgraph's own bytes up to the end of
// the last transaction committed at or before the target, made to read as a file that was never
// finalized, so that Memgraph recovers it exactly like a `_current` file its writer left behind.
//
// How Memgraph reads the two kinds (memgraph df0f636, src/storage/v2/durability/wal.cpp):
//  - DecodeWalHeader (:1002-1020) reads the v37 summary; all zeros (num_deltas == 0) leave
//    header.summary empty: "A file that was never finalized has no summary to offer; its deltas have to
//    be parsed". The summary carries its own CRC (:998-1012), which must verify for zeros too.
//  - LoadWal (:1382-1395): with a summary it replays exactly num_deltas and fails recovery on anything
//    short (:2252-2260 "ends mid-transaction"); without one it takes the count from ReadWalInfo ->
//    ScanWalDeltas (:1026-1086), which counts the deltas of complete transactions and stops at the first
//    one that does not parse or verify. ReadWalContents (:1105-1129) likewise takes from/to timestamps
//    from the summary, else from the scan. So a prefix ending at a transaction boundary, with a zero
//    summary, is read whole and nothing after it is expected.
//  - Before v37 there is no summary field at all: every file is read the ScanWalDeltas way, finalized
//    or not, so the prefix alone is a file Memgraph recovers exactly (no header field says otherwise).
//  - Names decide nothing in recovery (durability.cpp:171-173 GetWalFiles reads headers; "_current"
//    only means the previous session did not finalize). The cut still gets a `<prefix>_current` name
//    (paths.hpp:42 MakeWalName): a `_from_<a>_to_<b>` name would claim a finalized file and an end
//    timestamp it no longer has, and mgbackup's own chain rule takes spans from such names.
// The header CRC (v36+) covers magic, version, offsets and metadata only (wal.cpp:2287-2334), not the
// summary, so it stays valid; and the sequence number is kept, so the chain rule sees no gap.
import { crc32 } from 'node:zlib';
import { asSource, type ByteSource } from './byte-source.js';
import { Marker } from './markers.js';
import type { WalInfo } from './wal-types.js';
import { indexWalTransactions, type WalTransactionSpan } from './wal-transactions.js';

/** The v37 summary of a file that was never finalized: from, to, num_deltas = 0, then its CRC. */
export const UNFINALIZED_SUMMARY: Uint8Array = (() => {
  const b = Buffer.alloc(36);
  for (let i = 0; i < 4; i++) b[i * 9] = Marker.TYPE_INT;
  // Encoder::WriteCrc (serialization.cpp:97-104): the CRC covers everything since the accumulator
  // reset (the three values) plus the TYPE_INT marker it writes, then the value as a u64.
  b.writeBigUInt64LE(BigInt(crc32(b.subarray(0, 28)) >>> 0), 28);
  return b;
})();

export interface WalCut {
  /** The bytes to write into wal/ under `name`. */
  bytes: Uint8Array;
  /** `<20-digit creation prefix>_current` (or the input name plus `_current` when it has no prefix). */
  name: string;
  /** Transactions kept (including commit=false ones, which recovery skips anyway). 0: stage nothing,
   *  Memgraph drops a file without a complete transaction (durability.cpp:192-193). */
  kept: number;
  /** Transactions of the file after the target, left out. */
  dropped: number;
  /** Commit timestamp of the last kept committed transaction (undefined: none kept). */
  lastTs: bigint | undefined;
  /** The file's transactions, as indexed (kept ones first). */
  transactions: WalTransactionSpan[];
  info: WalInfo;
}

/** The name a cut of `name` gets in wal/: Memgraph's creation prefix with `_current`. */
export function currentWalName(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const m = /^(\d{20})_/.exec(base);
  if (m) return `${m[1]}_current`;
  return base.endsWith('_current') ? base : `${base}_current`;
}

/**
 * The WAL `input` (named `name` on disk) cut after the last transaction whose commit timestamp is
 * <= `ts`, with a v37 summary made "not finalized". A torn tail of an unfinalized input is dropped
 * like any other byte after the cut. Damage throws (integrity), as decoding does. The result is held
 * in memory: a WAL segment is bounded by Memgraph's --storage-wal-file-size-kib (20 MiB by default).
 */
export function cutWal(input: ByteSource | Uint8Array, ts: bigint, name: string): WalCut {
  const source = asSource(input);
  const index = indexWalTransactions(source, { name });
  const keep = index.transactions.filter((t) => t.commitTs <= ts).length;
  // Commit timestamps only grow within a file (wal.ts refuses one going backwards), so the kept
  // transactions are a prefix.
  const end = keep === 0 ? index.info.deltasOffset : index.transactions[keep - 1]!.end;
  const bytes = new Uint8Array(end);
  bytes.set(source.read(0, end));
  if (index.info.summary !== undefined) bytes.set(UNFINALIZED_SUMMARY, index.info.deltasOffset - UNFINALIZED_SUMMARY.length);
  const lastCommitted = index.transactions.slice(0, keep).filter((t) => t.committed).at(-1);
  return {
    bytes, name: currentWalName(name), kept: keep, dropped: index.transactions.length - keep,
    lastTs: lastCommitted?.commitTs, transactions: index.transactions, info: index.info,
  };
}
