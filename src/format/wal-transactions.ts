// Where a WAL's transactions are, by Memgraph's own framing (research doc §5.4): the byte range,
// commit timestamp and delta count of each complete transaction, with the v36+ transaction CRC
// checked. This is what `watch` archives from a `_current` file that Memgraph is still appending to
// (its committed prefix) and what a point-in-time cut (wal-cut.ts) cuts at.
//
// Memgraph reads an unfinalized file (no v37 summary) with ScanWalDeltas (wal.cpp:1026-1086): it
// counts deltas up to the end of the last transaction whose end frame parsed and whose CRC verified,
// and LoadWal (wal.cpp:1382-1395) replays exactly that many. A torn tail is therefore not a
// transaction. mgbackup reads the same prefix, and additionally refuses damage that is not a cut-off
// end (wal.ts tornTailOrDamage): a backup must not silently lose a transaction in the middle.
import { crc32 } from 'node:zlib';
import { CorruptFileError } from '../errors/errors.js';
import { asSource, type ByteSource } from './byte-source.js';
import { Marker } from './markers.js';
import { Reader } from './reader.js';
import type { WalInfo, WalTransaction } from './wal-types.js';
import { named, readWalInfo, walTransactions } from './wal.js';
import { featuresOf } from './versions.js';

/** One complete transaction of a WAL file. */
export interface WalTransactionSpan {
  /** Offset of its first delta frame (the SECTION_DELTA marker of TRANSACTION_START from v28). */
  start: number;
  /** Offset just past its last frame (past the CRC trailer from v36). */
  end: number;
  commitTs: bigint;
  /** Delta frames, start and end frames included: what Memgraph's num_deltas counts. */
  deltas: number;
  /** false: a v28+ TRANSACTION_START with commit=false, which recovery skips (LoadWal should_commit). */
  committed: boolean;
}

export interface WalTransactionIndex {
  info: WalInfo;
  transactions: WalTransactionSpan[];
  /** Bytes up to the end of the last complete transaction (the header alone when there is none). */
  committedPrefixLength: number;
  /** What follows the committed prefix when it is not the end of the file, and why it is not part of it. */
  tail: { offset: number; reason: string } | undefined;
}

export interface IndexWalOptions {
  /** The file as named on disk: messages name it, and a finalized name means no torn tail is allowed. */
  name?: string;
  /** The caller knows the file is finalized (it is followed by another in a chain). */
  finalized?: boolean;
  /**
   * The file is being appended to right now (watch reading `<data-dir>/wal/…_current`). Under two-phase
   * commit (a STRICT_SYNC replica registered) Memgraph writes TRANSACTION_START with commit=false and
   * flips it to true in place once the replicas agree (inmemory/storage.cpp:1215-1216,
   * wal.cpp:2401-2424 UpdateCommitStatus: the flag byte first, then the patched CRC). The last
   * transaction of a live file may therefore still change: with commit=false it is left out of the
   * committed prefix, and a CRC that matches once the flag is read back as false is that flip half
   * done, not damage. An earlier transaction is settled: its successor was only written after it.
   */
  live?: boolean;
  /**
   * An index of an earlier, shorter state of the same file (same inode, only appended to since):
   * decoding resumes at its committed prefix, and the result lists its transactions plus the new ones.
   */
  resume?: WalTransactionIndex;
}

const FRAME_HEADER_BYTES = 10; // SECTION_DELTA, TYPE_INT, u64 timestamp
const COMMIT_FLAG_AT = FRAME_HEADER_BYTES + 2; // + DELTA_TRANSACTION_START, TYPE_BOOL

/**
 * Is the transaction at `start`, whose CRC (marker at `crcAt`) does not verify, a commit flag flipped
 * from false to true whose CRC patch has not landed yet? (See IndexWalOptions.live.)
 */
function halfFlipped(source: ByteSource, info: WalInfo, start: number, crcAt: number): boolean {
  // Only the very last bytes of the file: nothing is appended before the flip is complete.
  if (!featuresOf(info.version).txnStart || crcAt + 9 !== source.size || crcAt <= start + COMMIT_FLAG_AT) return false;
  const bytes = Buffer.from(source.read(start, crcAt + 9 - start));
  if (bytes[FRAME_HEADER_BYTES] !== Marker.DELTA_TRANSACTION_START || bytes[COMMIT_FLAG_AT] !== Marker.VALUE_TRUE) return false;
  const stored = bytes.readBigUInt64LE(crcAt + 1 - start);
  bytes[COMMIT_FLAG_AT] = Marker.VALUE_FALSE;
  return BigInt(crc32(bytes.subarray(0, crcAt + 1 - start)) >>> 0) === stored;
}

/**
 * The complete transactions of a WAL, in file order. `input` is the whole file in memory or a
 * ByteSource over a descriptor (read in windows, so memory stays bounded by one transaction); a live
 * file is indexed as of the size the source reports. Damage other than a torn tail of an unfinalized
 * file throws an integrity error naming the file and offset, as decoding does.
 */
export function indexWalTransactions(input: ByteSource | Uint8Array, opts: IndexWalOptions = {}): WalTransactionIndex {
  const source = asSource(input);
  const r = new Reader(source);
  const info = named(opts.name, () => readWalInfo(r));
  // A resumed index must be of this very file: another header means another file under the same name.
  const prev = opts.resume;
  const same = prev !== undefined && prev.info.uuid === info.uuid && prev.info.sequenceNumber === info.sequenceNumber
    && prev.info.deltasOffset === info.deltasOffset && prev.committedPrefixLength <= source.size;
  const transactions: WalTransactionSpan[] = same ? [...prev.transactions] : [];
  const last = transactions.at(-1);
  const resume = last === undefined ? undefined
    : { offset: last.end, deltas: BigInt(transactions.reduce((n, x) => n + x.deltas, 0)), lastTs: last.commitTs };
  // Enum values are not resolved: only the framing matters here, and enum ids may refer to a snapshot.
  const it = walTransactions(r, info, {
    lenientEnums: true, ...(opts.finalized === undefined ? {} : { finalized: opts.finalized }), ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(resume === undefined ? {} : { resume }),
  });
  let tail: WalTransactionIndex['tail'];
  for (;;) {
    let n: IteratorResult<WalTransaction, WalTransactionIndex['tail']>;
    try {
      n = it.next();
    } catch (e) {
      const at = transactions.at(-1)?.end ?? info.deltasOffset;
      if (opts.live === true && e instanceof CorruptFileError && /^wal transaction checksum mismatch/.test(e.reason) && halfFlipped(source, info, at, e.offset)) {
        tail = { offset: at, reason: 'the last transaction is still being committed (two-phase commit flag being set)' };
        break;
      }
      throw e;
    }
    if (n.done) {
      tail = n.value;
      break;
    }
    const tx = n.value;
    transactions.push({ start: tx.offset, end: tx.end, commitTs: tx.timestamp, deltas: tx.frames, committed: tx.commit });
  }
  if (opts.live === true && transactions.at(-1)?.committed === false) {
    const pending = transactions.pop()!;
    tail = { offset: pending.start, reason: 'the last transaction is not committed yet (two-phase commit, commit flag still false)' };
  }
  return { info, transactions, committedPrefixLength: transactions.at(-1)?.end ?? info.deltasOffset, tail };
}

/** Bytes up to the end of the last complete transaction (see indexWalTransactions). */
export function committedPrefixLength(input: ByteSource | Uint8Array, opts: IndexWalOptions = {}): number {
  return indexWalTransactions(input, opts).committedPrefixLength;
}
