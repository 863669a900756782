// WAL decoding (research doc §5): header with CRC and optional v37 summary, then delta frames grouped
// into transactions. An unfinalized file may end mid-transaction: decoding then stops after the last
// complete transaction and reports the tail; a CRC mismatch is always an integrity error.
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
  /** Treat a torn tail as corruption (finalized files); v37 files with a summary are always strict. */
  finalized?: boolean;
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

export function decodeWalInfo(input: ByteSource | Uint8Array): WalInfo {
  return readWalInfo(new Reader(asSource(input)));
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
  const strict = opts.finalized === true || (info.summary !== undefined && info.summary.numDeltas > 0n);
  let frames = 0n;
  let tail: WalContents['tail'];
  r.seek(info.deltasOffset, 'deltas');
  let lastTs = -1n;
  while (r.pos < r.end) {
    const at = r.pos;
    let raw: RawTransaction;
    try {
      raw = readTransaction(r, info, ctx, onOp);
    } catch (e) {
      if (!(e instanceof CorruptFileError) || strict) throw e;
      tail = { offset: at, reason: e.message };
      break;
    }
    if (raw.crc) checkCrc(r, raw.crc.stored, raw.tx.offset, raw.crc.at + 1, 'wal transaction', raw.crc.at);
    if (raw.tx.timestamp < lastTs) r.fail(`transaction timestamp ${raw.tx.timestamp} goes backwards`, at);
    lastTs = raw.tx.timestamp;
    frames += BigInt(raw.tx.frames);
    yield raw.tx;
  }
  if (info.summary !== undefined && info.summary.numDeltas > 0n && frames !== info.summary.numDeltas) {
    throw new CorruptFileError(`wal holds ${frames} deltas but its summary says ${info.summary.numDeltas}`, r.pos);
  }
  return tail;
}

/** Header plus every complete transaction (a WAL segment is bounded in size, so this is held in memory). */
export function decodeWal(input: ByteSource | Uint8Array, opts: WalDecodeOptions = {}): WalContents {
  const r = new Reader(asSource(input));
  const info = readWalInfo(r);
  const transactions: WalTransaction[] = [];
  const it = walTransactions(r, info, opts);
  for (;;) {
    const n = it.next();
    if (n.done) return { info, transactions, tail: n.value };
    transactions.push(n.value);
  }
}
