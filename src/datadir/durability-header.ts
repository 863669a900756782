// Reads just enough of a snapshot or WAL header to label, select and verify files: magic, durability
// version, UUID, WAL sequence number and snapshot timestamps (research memgraph-semantics §3.2). The
// full decoder lives in src/format; this reader exists so that backups need none of it.
import { CorruptFileError, q } from '../errors/errors.js';

export type DurabilityKind = 'snapshot' | 'wal';

export interface DurabilityHeader {
  kind: DurabilityKind;
  version: number;
  uuid: string;
  epochId: string;
  /** WAL only: position in the WAL chain of this UUID. */
  seqNum?: bigint;
  /** Snapshot only: durable commit timestamp (start timestamp before version 23). */
  durableTs?: bigint;
  vertexCount?: bigint;
  edgeCount?: bigint;
}

/** Random access into one file; returns fewer bytes only at end of file. */
export type ReadAt = (start: number, length: number) => Promise<Buffer>;

export const MIN_DURABILITY_VERSION = 14;
const MAGIC: Record<string, DurabilityKind> = { MGsn: 'snapshot', MGwl: 'wal' };
const M_INT = 0x12;
const M_STRING = 0x14;
const M_SECTION_OFFSETS = 0x42;
const M_SECTION_METADATA = 0x23;

class Cursor {
  pos: number;
  constructor(private readonly buf: Buffer, private readonly name: string, private readonly base: number, start = 0) {
    this.pos = start;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new CorruptFileError(`${q(this.name)} has a truncated durability header`, this.base + this.pos);
    }
  }
  marker(expected: number, what: string): void {
    this.need(1);
    if (this.buf[this.pos] !== expected) {
      throw new CorruptFileError(`${q(this.name)} has no ${what} marker`, this.base + this.pos);
    }
    this.pos += 1;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  int(what: string): bigint {
    this.marker(M_INT, what);
    return this.u64();
  }
  string(what: string, max = 4096): string {
    this.marker(M_STRING, what);
    const len = this.u64();
    if (len > BigInt(max)) throw new CorruptFileError(`${q(this.name)} has an implausible ${what} length`, this.base + this.pos - 8);
    this.need(Number(len));
    const s = this.buf.toString('utf8', this.pos, this.pos + Number(len));
    this.pos += Number(len);
    return s;
  }
}

/** Magic and version from the first 12 bytes; refuses anything that is not Memgraph's. */
export function parseMagic(first12: Buffer, name: string): { kind: DurabilityKind; version: number } {
  if (first12.length < 12) throw new CorruptFileError(`${q(name)} is too short to be a Memgraph durability file`, first12.length);
  const kind = MAGIC[first12.toString('latin1', 0, 4)];
  if (!kind) {
    throw new CorruptFileError(
      `${q(name)} is not a Memgraph durability file (magic ${q(first12.toString('latin1', 0, 4))}, expected "MGsn" or "MGwl")`,
      0,
    );
  }
  const version = first12.readBigUInt64LE(4);
  if (version < BigInt(MIN_DURABILITY_VERSION) || version > 1000n) {
    throw new CorruptFileError(`${q(name)} has an implausible durability version ${version}`, 4);
  }
  return { kind, version: Number(version) };
}

/** Reads and validates the header of a snapshot or WAL file through random access. */
export async function readDurabilityHeader(readAt: ReadAt, name: string): Promise<DurabilityHeader> {
  const head = await readAt(0, 13 + 9 * 32);
  const { kind, version } = parseMagic(head, name);
  const c = new Cursor(head, name, 0, 12);
  c.marker(M_SECTION_OFFSETS, 'section-offsets');
  // The offsets table's length differs by version; every entry is an INT, so read until the marker changes.
  const offsets: bigint[] = [];
  while (c.pos < head.length && head[c.pos] === M_INT && offsets.length < 32) offsets.push(c.int('offset'));
  if (kind === 'wal') {
    const metaOffset = Number(offsets[0] ?? 0n);
    const buf = await readAt(metaOffset, 256);
    const m = new Cursor(buf, name, metaOffset);
    m.marker(M_SECTION_METADATA, 'metadata');
    const uuid = m.string('uuid');
    const epochId = m.string('epoch id');
    const seqNum = m.int('sequence number');
    return { kind, version, uuid, epochId, seqNum };
  }
  // Snapshot: the metadata section is one of the offsets (its index moved between versions); it is the
  // one that starts with the metadata marker and a 36-character UUID. A snapshot still being written
  // has zero placeholders there, so it fails here, as it does in Memgraph's own recovery.
  for (const off of offsets) {
    if (off === 0n) continue;
    const buf = await readAt(Number(off), 256);
    if (buf.length < 10 || buf[0] !== M_SECTION_METADATA || buf[1] !== M_STRING || buf.readBigUInt64LE(2) !== 36n) continue;
    const m = new Cursor(buf, name, Number(off), 1);
    const uuid = m.string('uuid');
    const epochId = m.string('epoch id');
    const startTs = m.int('start timestamp');
    const durableTs = version >= 23 ? m.int('durable timestamp') : startTs;
    const edgeCount = m.int('edge count');
    const vertexCount = m.int('vertex count');
    return { kind, version, uuid, epochId, durableTs, edgeCount, vertexCount };
  }
  throw new CorruptFileError(`${q(name)} has no metadata section (incomplete or damaged snapshot)`, 13);
}

/** ReadAt over an in-memory buffer. */
export function bufferReadAt(buf: Buffer): ReadAt {
  return async (start, length) => buf.subarray(Math.min(start, buf.length), Math.min(start + length, buf.length));
}
