// The committed prefix of a WAL file Memgraph is still writing (`…_current`): the bytes up to the end of
// its last complete transaction, by Memgraph's framing and (v36+) transaction CRCs, never a torn tail.
// Built on src/format/wal.ts's reader, which already tells a torn tail (the writer cut off inside its
// last transaction) from damage. The walcut branch adds `committedPrefixLength` in
// src/format/wal-transactions.ts for the same question; at merge this file should call it instead.
import { asSource } from '../../format/byte-source.js';
import { Reader } from '../../format/reader.js';
import { named, readWalInfo, walTransactions } from '../../format/wal.js';
import type { WalInfo } from '../../format/wal-types.js';

export interface CommittedPrefix {
  info: WalInfo;
  /** Bytes from the start of the file to the end of the last complete transaction. */
  length: number;
  /** Commit timestamps of the first and last complete transactions. */
  fromTs: bigint;
  toTs: bigint;
  /** The newest transaction in the prefix that committed (TRANSACTION_START commit flag; v28+). */
  lastCommittedTs: bigint | undefined;
  transactions: number;
}

/**
 * undefined when the file holds no complete transaction yet. Throws CorruptFileError (14) for damage
 * before the tail; for a file being written that can also be a read racing Memgraph's in-place commit
 * flag update (wal.cpp UpdateCommitStatus rewrites a start frame and its CRC), so callers retry.
 */
export function committedPrefix(bytes: Uint8Array, name: string): CommittedPrefix | undefined {
  const r = new Reader(asSource(bytes));
  const info = named(name, () => readWalInfo(r));
  let first: bigint | undefined;
  let last: bigint | undefined;
  let lastCommittedTs: bigint | undefined;
  let length = info.deltasOffset;
  let transactions = 0;
  // Enum values may refer to enums created in earlier files: resolve leniently, only framing matters here.
  for (const tx of walTransactions(r, info, { name, lenientEnums: true })) {
    first ??= tx.timestamp;
    last = tx.timestamp;
    if (tx.commit) lastCommittedTs = tx.timestamp;
    length = tx.end;
    transactions++;
  }
  if (first === undefined || last === undefined) return undefined;
  return { info, length, fromTs: first, toTs: last, lastCommittedTs, transactions };
}
