// WAL decoding (research doc §5): header with CRC and optional v37 summary, then delta frames grouped
// into transactions. Only a torn tail is a tail: a file that was never finalized may end inside its last
// transaction (the writer was cut off), and decoding then stops after the last complete one. Anything
// else that does not decode is damage, an integrity error naming the file and offset; see tornTailOrDamage.
import { crc32 } from 'node:zlib';
import { CorruptFileError } from '../errors/errors.js';
import { asSource, type ByteSource } from './byte-source.js';
import { EnumRegistry } from './enums.js';
import { readFileHeader } from './file-header.js';
import { Marker } from './markers.js';
import type { ValueContext } from './property-value.js';
import { Reader } from './reader.js';
import { readDeltaOp } from './wal-delta.js';
import type { WalContents, WalInfo, WalOp, WalTransaction } from './wal-types.js';
import { featuresOf } from './versions.js';

export interface WalDecodeOptions {
  /** Enum registry to resolve enum values with and extend by ENUM_* deltas (default: empty). */
  enums?: EnumRegistry;
  /** Enum deltas of transactions at or below this timestamp are already in the registry (snapshot cut-off). */
  after?: bigint;
  /** Resolve unknown enum ids to `#type`/`#value` placeholders instead of failing (for inspect). */
  lenientEnums?: boolean;
  /** The file is finalized (no torn tail possible); also inferred from `name` and from a v37 summary. */
  finalized?: boolean;
  /**
   * Start at this transaction boundary instead of the first delta, with `deltas` frames and the last
   * commit timestamp `lastTs` before it (from an earlier pass over the same file): re-reading a file
   * that grows (watch) costs only what was appended.
   */
  resume?: { offset: number; deltas: bigint; lastTs: bigint };
  /** The file as the operator named it: used in error messages, and a finalized name means finalized. */
  name?: string;
}

/**
 * Memgraph names a WAL `<time>_current` while writing it and renames it `<time>_from_<ts>_to_<ts>` after
 * the last write and fsync (durability/paths.hpp RemakeWalName, wal.cpp WalFile::FinalizeWal), so a
 * file under a finalized name cannot have a torn tail. Any other name (a copy, `wal.bin`) proves nothing.
 */
export function isFinalizedWalName(name: string | undefined): boolean {
  return name !== undefined && /_from_\d+_to_\d+$/.test(name.replace(/^.*[\\/]/, ''));
}

const SUMMARY_BYTES = 36;

function crcOf(r: Reader, from: number, to: number): number {
  return crc32(r.slice(from, to)) >>> 0;
}

function checkCrc(r: Reader, stored: bigint, from: number, to: number, what: string, at: number): void {
  // A CRC-32 always fits 32 bits; nonzero high bits are damage too.
  const want = stored > 0xffff_ffffn ? -1 : Number(stored);
  const got = crcOf(r, from, to);
  if (want !== got) {
    throw new CorruptFileError(`${what} checksum mismatch (stored ${stored.toString(16)}, computed ${got.toString(16)})`, at, {
      hints: ['the file was modified or damaged after Memgraph wrote it; use another backup of it'],
    });
  }
}

export function readWalInfo(r: Reader): WalInfo {
  const { kind, version } = readFileHeader(r.source);
  if (kind !== 'wal') throw new CorruptFileError('not a wal file (magic "MGsn" is a snapshot)', 0);
  const f = featuresOf(version);
  r.seek(12, 'header');
  r.expect(Marker.SECTION_OFFSETS, 'offsets table');
  const metaAt = r.pos;
  const offMeta = r.num('metadata offset');
  const offDeltas = r.num('deltas offset');
  if (offMeta > r.source.size || offDeltas > r.source.size) r.fail('wal header offsets point outside the file', metaAt);
  r.seek(offMeta, 'metadata');
  r.expect(Marker.SECTION_METADATA, 'metadata section');
  const uuid = r.string('storage uuid');
  const epochId = r.string('epoch id');
  const sequenceNumber = r.uint('sequence number');
  let headerCrcOk: boolean | undefined;
  let summary: WalInfo['summary'];
  if (f.crc) {
    const at = r.pos;
    const stored = r.uint('header crc');
    checkCrc(r, stored, 0, at + 1, 'wal header', at);
    headerCrcOk = true;
    // v37 dev builds before 2026-08-12 have no summary: detect it by the gap, not the version (T12).
    if (f.walSummary && offDeltas - r.pos === SUMMARY_BYTES) {
      const sAt = r.pos;
      const fromTimestamp = r.uint('summary from timestamp');
      const toTimestamp = r.uint('summary to timestamp');
      const numDeltas = r.uint('summary delta count');
      const cAt = r.pos;
      const scrc = r.uint('summary crc');
      checkCrc(r, scrc, sAt, cAt + 1, 'wal summary', cAt);
      summary = { fromTimestamp, toTimestamp, numDeltas };
    }
  }
  if (offDeltas < r.pos) r.fail(`deltas offset ${offDeltas} overlaps the header`, metaAt);
  return { kind: 'wal', version, uuid, epochId, sequenceNumber, headerCrcOk, summary, deltasOffset: offDeltas, size: r.source.size };
}

export function decodeWalInfo(input: ByteSource | Uint8Array, name?: string): WalInfo {
  return named(name, () => readWalInfo(new Reader(asSource(input))));
}

const DAMAGE_HINT = 'the file was damaged after Memgraph wrote it (only a cut-off end of an unfinished file is expected); use another copy or backup of it';

/** Runs fn; a decoding error comes out naming `name`. */
export function named<T>(name: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof CorruptFileError ? e.inFile(name) : e;
  }
}

const FRAME_HEADER_BYTES = 10; // SECTION_DELTA marker, TYPE_INT marker, u64 timestamp
const CRC_TRAILER_BYTES = 9; // TYPE_INT marker, u64 crc

/**
 * Decoding stopped inside the transaction at `at` with `err`. Is the rest of the file a torn tail (the
 * writer was cut off inside its last transaction) or damage? Memgraph itself does not ask: for a file
 * without a summary, ScanWalDeltas (wal.cpp) counts deltas up to the first one that fails to parse or
 * whose transaction CRC mismatches, and LoadWal replays that many - a damaged middle silently cuts the
 * file short. mgbackup checks backups, so it is stricter: it is a torn tail only when
 *  - the decoder ran out of bytes (a cut-off write), not when bytes are there but wrong, and
 *  - nothing after `at` shows that the writer went on: no complete end frame of this transaction and
 *    no frame of a later transaction (a flipped length can make a whole transaction look cut off), and
 *  - with CRCs, the file does not end in this transaction's end frame with only its marker changed
 *    (the case LoadWal reports as "ends mid-transaction").
 * Without CRCs (before FEATURE_SINCE.crc) a changed end marker of the very last transaction looks
 * exactly like a cut after a delta marker; such a file cannot tell, and reads as torn, as in Memgraph.
 */
function tornTailOrDamage(r: Reader, info: WalInfo, at: number, err: CorruptFileError): 'torn' | 'damage' {
  const end = r.end;
  // A crash can also leave the end of a file zero-filled (its size was updated, its data never
  // written): zeros from the failure to the end are the same torn tail.
  if (!err.endOfData && !(err.offset >= at && err.offset < end && r.slice(err.offset, end).every((b) => b === 0))) return 'damage';
  const f = featuresOf(info.version);
  if (end - at < FRAME_HEADER_BYTES) return 'torn';
  const bytes = r.slice(at, end);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== Marker.SECTION_DELTA || bytes[1] !== Marker.TYPE_INT) return 'damage';
  const ts = view.getBigUint64(2, true);
  const endFrame = FRAME_HEADER_BYTES + 1 + (f.crc ? CRC_TRAILER_BYTES : 0);
  for (let i = 1; i + FRAME_HEADER_BYTES < bytes.length; i++) {
    if (bytes[i] !== Marker.SECTION_DELTA || bytes[i + 1] !== Marker.TYPE_INT) continue;
    const m = bytes[i + FRAME_HEADER_BYTES]!;
    if (m < Marker.DELTA_VERTEX_CREATE || m > Marker.DELTA_GLOBAL_VERTEX_PROPERTY_INDEX_DROP) continue;
    const t = view.getBigUint64(i + 2, true);
    if (t > ts) return 'damage'; // a later transaction follows
    if (t === ts && m === Marker.DELTA_TRANSACTION_END && i + endFrame <= bytes.length) return 'damage';
  }
  if (f.crc && bytes.length >= endFrame) {
    const e = bytes.length - endFrame;
    if (bytes[e] === Marker.SECTION_DELTA && bytes[e + 1] === Marker.TYPE_INT && view.getBigUint64(e + 2, true) === ts
      && bytes[e + FRAME_HEADER_BYTES + 1] === Marker.TYPE_INT) {
      const fixed = Buffer.from(bytes.subarray(0, bytes.length - 8));
      fixed[e + FRAME_HEADER_BYTES] = Marker.DELTA_TRANSACTION_END;
      if ((crc32(fixed) >>> 0) === Number(view.getBigUint64(bytes.length - 8, true) & 0xffff_ffffn)) return 'damage';
    }
  }
  return 'torn';
}

const isDataDelta = (m: number): boolean => m >= Marker.DELTA_VERTEX_CREATE && m <= Marker.DELTA_EDGE_SET_PROPERTY;

interface RawTransaction {
  tx: WalTransaction;
  crc: { stored: bigint; at: number } | undefined;
}

function readTransaction(r: Reader, info: WalInfo, ctx: ValueContext, onOp: (op: WalOp, ts: bigint) => void): RawTransaction {
  const f = featuresOf(info.version);
  const offset = r.pos;
  const ops: WalOp[] = [];
  let timestamp = 0n;
  let commit = true;
  let accessType: number | undefined;
  let frames = 0;
  for (;;) {
    const frameAt = r.pos;
    r.expect(Marker.SECTION_DELTA, 'wal delta');
    const ts = r.uint('delta timestamp');
    if (frames === 0) timestamp = ts;
    else if (ts !== timestamp) r.fail(`delta timestamp ${ts} differs from its transaction's ${timestamp}`, frameAt);
    const mAt = r.pos;
    const m = r.byte('delta type');
    frames++;
    if (m === Marker.DELTA_TRANSACTION_START) {
      if (!f.txnStart || frames !== 1) r.fail('unexpected transaction start', mAt);
      commit = r.bool('transaction commit flag');
      if (f.txnAccessType) accessType = r.num('transaction access type');
      continue;
    }
    if (m === Marker.DELTA_TRANSACTION_END) {
      let crc: RawTransaction['crc'];
      if (f.crc) {
        const at = r.pos;
        crc = { stored: r.uint('transaction crc'), at };
      }
      return { tx: { timestamp, commit, accessType, ops, frames, offset, end: r.pos, crcChecked: crc !== undefined }, crc };
    }
    if (f.txnStart && frames === 1) r.fail('transaction does not begin with a transaction start', mAt);
    const op = readDeltaOp(r, m, f, ctx, mAt);
    ops.push(op);
    onOp(op, timestamp);
    // v14–15: a schema delta is a transaction by itself, without an end frame.
    if (!f.explicitTxnEnd && !isDataDelta(m) && frames === 1) {
      return { tx: { timestamp, commit, accessType, ops, frames, offset, end: r.pos, crcChecked: false }, crc: undefined };
    }
  }
}

/** Complete transactions in file order; returns the torn-tail description (or undefined) when done. */
export function* walTransactions(r: Reader, info: WalInfo, opts: WalDecodeOptions = {}): Generator<WalTransaction, WalContents['tail']> {
  const enums = opts.enums ?? new EnumRegistry();
  const after = opts.after ?? -1n;
  const ctx: ValueContext = {
    version: info.version,
    resolveEnum: opts.lenientEnums
      ? (t, v, at) => {
          try {
            return enums.resolve(t, v, at);
          } catch {
            return { kind: 'enum', type: `#${t}`, value: `#${v}` };
          }
        }
      : enums.resolve,
  };
  const onOp = (op: WalOp, ts: bigint): void => {
    if (ts <= after) return;
    if (op.op === 'enumCreate') enums.create(op.name, op.values);
    else if (op.op === 'enumAddValue') enums.addValue(op.name, op.value);
    else if (op.op === 'enumUpdateValue') enums.updateValue(op.name, op.oldValue, op.newValue);
  };
  // Finalized: a v37+ summary with a delta count (wal.cpp DecodeWalHeader: zeros mean "never finalized"),
  // which Memgraph replays exactly and fails recovery on any damage (LoadWal: "a failure has to be fatal";
  // memgraph commit df0f636, the code of 3.13), or a finalized file name, or the caller knows (a file
  // followed by another in a chain).
  const strict = opts.finalized === true || isFinalizedWalName(opts.name) || (info.summary !== undefined && info.summary.numDeltas > 0n);
  let frames = opts.resume?.deltas ?? 0n;
  let tail: WalContents['tail'];
  r.seek(opts.resume?.offset ?? info.deltasOffset, 'deltas');
  let lastTs = opts.resume?.lastTs ?? -1n;
  while (r.pos < r.end) {
    const at = r.pos;
    let raw: RawTransaction;
    try {
      raw = readTransaction(r, info, ctx, onOp);
    } catch (e) {
      if (!(e instanceof CorruptFileError)) throw e;
      if (strict || tornTailOrDamage(r, info, at, e) === 'damage') throw e.inFile(opts.name, [DAMAGE_HINT]);
      tail = { offset: at, reason: e.message };
      break;
    }
    if (raw.crc) named(opts.name, () => checkCrc(r, raw.crc!.stored, raw.tx.offset, raw.crc!.at + 1, 'wal transaction', raw.crc!.at));
    if (raw.tx.timestamp < lastTs) named(opts.name, () => r.fail(`transaction timestamp ${raw.tx.timestamp} goes backwards`, at));
    lastTs = raw.tx.timestamp;
    frames += BigInt(raw.tx.frames);
    yield raw.tx;
  }
  if (info.summary !== undefined && info.summary.numDeltas > 0n && frames !== info.summary.numDeltas) {
    throw new CorruptFileError(`wal holds ${frames} deltas but its summary says ${info.summary.numDeltas}`, r.pos, { ...(opts.name ? { file: opts.name } : {}), hints: [DAMAGE_HINT] });
  }
  return tail;
}

/** Header plus every complete transaction (a WAL segment is bounded in size, so this is held in memory). */
export function decodeWal(input: ByteSource | Uint8Array, opts: WalDecodeOptions = {}): WalContents {
  const r = new Reader(asSource(input));
  const info = named(opts.name, () => readWalInfo(r));
  const transactions: WalTransaction[] = [];
  const it = walTransactions(r, info, opts);
  for (;;) {
    const n = it.next();
    if (n.done) return { info, transactions, tail: n.value };
    transactions.push(n.value);
  }
}
