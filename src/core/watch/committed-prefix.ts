// The committed prefix of a WAL file Memgraph is still writing (`…_current`): the bytes up to the end of
// its last complete transaction, by Memgraph's framing and (v36+) transaction CRCs, never a torn tail.
// The reading is src/format/wal-transactions.ts (indexWalTransactions); this adds what the archive
// records: the first and last commit timestamps and the newest commit that is settled.
import { indexWalTransactions } from '../../format/wal-transactions.js';
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
 * undefined when the file holds no complete transaction yet. `live`: the server may still append to
 * the file, so a last transaction whose two-phase commit flag is not set yet is left out (see
 * IndexWalOptions.live). Throws CorruptFileError (14) for damage before the tail.
 */
export function committedPrefix(bytes: Uint8Array, name: string, live: boolean): CommittedPrefix | undefined {
  const index = indexWalTransactions(bytes, { name, live });
  const txs = index.transactions;
  if (txs.length === 0) return undefined;
  const committed = txs.filter((t) => t.committed);
  return {
    info: index.info, length: index.committedPrefixLength, fromTs: txs[0]!.commitTs, toTs: txs.at(-1)!.commitTs,
    lastCommittedTs: committed.at(-1)?.commitTs, transactions: txs.length,
  };
}
