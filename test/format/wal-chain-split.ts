// Test-only: turns one real Memgraph WAL into a chain of files the way Memgraph would have written the
// same transactions across several segments: each file keeps the original transaction bytes (their
// CRCs cover only themselves), gets its own sequence number in a header copy with the header CRC
// recomputed (v36+), and, for v37 files with a summary, the finalized summary FinalizeWal writes
// (from, to, delta count, CRC). Names are `<prefix>_from_<a>_to_<b>` as RemakeWalName makes them.
// Transaction positions come from the existing decoder (decodeWal), not from the code under test.
import { crc32 } from 'node:zlib';
import { decodeWal } from '../../src/format/index.js';
import type { WalInfo, WalTransaction } from '../../src/format/wal-types.js';

export interface ChainFile {
  name: string;
  bytes: Uint8Array;
  seq: bigint;
  fromTs: bigint;
  toTs: bigint;
}

const prefix = (i: number): string => `2026010112000000${String(1000 + i).padStart(4, '0')}`;

/** Offset of the sequence number's u64 in a WAL header (after the metadata's uuid and epoch). */
function seqValueAt(bytes: Uint8Array): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const meta = Number(view.readBigUInt64LE(14));
  const uuidLen = Number(view.readBigUInt64LE(meta + 2));
  const epochAt = meta + 1 + 9 + uuidLen;
  const epochLen = Number(view.readBigUInt64LE(epochAt + 1));
  return epochAt + 9 + epochLen + 1;
}

/** A header copy for sequence number `seq` covering `txs` (finalized summary when the file has one). */
export function headerFor(bytes: Uint8Array, info: WalInfo, seq: bigint, txs: readonly WalTransaction[], finalized = true): Buffer {
  const h = Buffer.from(bytes.subarray(0, info.deltasOffset));
  const at = seqValueAt(h);
  h.writeBigUInt64LE(seq, at);
  if (info.headerCrcOk !== undefined) h.writeBigUInt64LE(BigInt(crc32(h.subarray(0, at + 9)) >>> 0), at + 9);
  if (info.summary !== undefined) {
    const s = info.deltasOffset - 36;
    const vals = finalized
      ? [txs[0]!.timestamp, txs.at(-1)!.timestamp, BigInt(txs.reduce((n, t) => n + t.frames, 0))]
      : [0n, 0n, 0n];
    vals.forEach((v, i) => { h[s + i * 9] = 0x12; h.writeBigUInt64LE(v, s + i * 9 + 1); });
    h[s + 27] = 0x12;
    h.writeBigUInt64LE(BigInt(crc32(h.subarray(s, s + 28)) >>> 0), s + 28);
  }
  return h;
}

/** Splits `bytes` into files starting at the transaction indexes in `starts` (0 implied). */
export function splitWal(bytes: Uint8Array, starts: readonly number[]): ChainFile[] {
  const { info, transactions } = decodeWal(bytes, { lenientEnums: true });
  const bounds = [0, ...starts.filter((s) => s > 0 && s < transactions.length), transactions.length];
  const out: ChainFile[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const txs = transactions.slice(bounds[i], bounds[i + 1]);
    const seq = info.sequenceNumber + BigInt(i);
    const body = bytes.subarray(txs[0]!.offset, txs.at(-1)!.end);
    const fromTs = txs[0]!.timestamp, toTs = txs.at(-1)!.timestamp;
    out.push({ name: `${prefix(i)}_from_${fromTs}_to_${toTs}`, bytes: Buffer.concat([headerFor(bytes, info, seq, txs), body]), seq, fromTs, toTs });
  }
  return out;
}
