// Test support only. PackStream v1 and Bolt chunking, hand-written so the stand-in owns its wire format
// instead of leaning on the driver's internal classes. Integers always decode to bigint and floats to
// number, so the Int/Float distinction survives the trip (Memgraph's decoder.hpp keeps it too).

/** A Bolt structure: messages (RUN, PULL, ...) and typed values (Date, Point2D, ...). */
export class Struct {
  constructor(readonly signature: number, readonly fields: PackValue[]) {}
}

export type PackValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | PackValue[]
  | Map<string, PackValue>
  | Struct;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Growable output buffer; one per connection, drained after each batch of messages. */
export class PackWriter {
  private static readonly scratch = new PackWriter();
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  u16(n: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(n, this.pos);
    this.pos += 2;
  }

  /** Writes one whole Bolt message: the packed struct split into chunks, then the 00 00 terminator. */
  message(msg: Struct): void {
    // One scratch body for all messages: a fresh 64 KiB buffer per RECORD made the stand-in spend most
    // of a large DUMP in GC (external-memory pressure), which no real server does.
    const body = PackWriter.scratch;
    body.pos = 0;
    body.value(msg);
    const data = body.buf.subarray(0, body.pos);
    for (let off = 0; off < data.length; off += 0xffff) {
      const part = data.subarray(off, Math.min(off + 0xffff, data.length));
      this.u16(part.length);
      this.bytes(part);
    }
    this.u16(0);
  }

  value(v: PackValue): void {
    if (v === null) return this.byte(0xc0);
    if (v === true) return this.byte(0xc3);
    if (v === false) return this.byte(0xc2);
    if (typeof v === 'bigint') return this.int(v);
    if (typeof v === 'number') {
      this.ensure(9);
      this.buf[this.pos] = 0xc1;
      this.buf.writeDoubleBE(v, this.pos + 1);
      this.pos += 9;
      return;
    }
    if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      this.header(b.length, 0x80, 0xd0, 0xd1, 0xd2);
      return this.bytes(b);
    }
    if (v instanceof Uint8Array) {
      this.header(v.length, -1, 0xcc, 0xcd, 0xce);
      return this.bytes(v);
    }
    if (Array.isArray(v)) {
      this.header(v.length, 0x90, 0xd4, 0xd5, 0xd6);
      for (const item of v) this.value(item);
      return;
    }
    if (v instanceof Map) {
      this.header(v.size, 0xa0, 0xd8, 0xd9, 0xda);
      for (const [k, item] of v) {
        this.value(k);
        this.value(item);
      }
      return;
    }
    if (v.fields.length >= 16) throw new Error(`struct 0x${v.signature.toString(16)} has too many fields`);
    this.byte(0xb0 + v.fields.length);
    this.byte(v.signature);
    for (const f of v.fields) this.value(f);
  }

  private int(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`integer ${v} does not fit in 64 bits`);
    this.ensure(9);
    if (v >= -16n && v <= 127n) {
      this.buf.writeInt8(Number(v), this.pos++);
    } else if (v >= -128n && v <= 127n) {
      this.buf[this.pos++] = 0xc8;
      this.buf.writeInt8(Number(v), this.pos++);
    } else if (v >= -32768n && v <= 32767n) {
      this.buf[this.pos++] = 0xc9;
      this.buf.writeInt16BE(Number(v), this.pos);
      this.pos += 2;
    } else if (v >= -2147483648n && v <= 2147483647n) {
      this.buf[this.pos++] = 0xca;
      this.buf.writeInt32BE(Number(v), this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xcb;
      this.buf.writeBigInt64BE(v, this.pos);
      this.pos += 8;
    }
  }

  private header(size: number, tiny: number, m8: number, m16: number, m32: number): void {
    this.ensure(5);
    if (tiny >= 0 && size < 16) {
      this.buf[this.pos++] = tiny + size;
    } else if (size < 0x100) {
      this.buf[this.pos++] = m8;
      this.buf[this.pos++] = size;
    } else if (size < 0x10000) {
      this.buf[this.pos++] = m16;
      this.buf.writeUInt16BE(size, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = m32;
      this.buf.writeUInt32BE(size, this.pos);
      this.pos += 4;
    }
  }
}

export class PackStreamError extends Error {}

/** Decodes one packed value from a complete (de-chunked) message body. */
export function unpack(data: Buffer): PackValue {
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > data.length) throw new PackStreamError(`truncated packstream value at offset ${pos}`);
  };
  const u8 = (): number => {
    need(1);
    return data[pos++]!;
  };
  const sized = (marker: number, base8: number): number => {
    const width = marker - base8; // 0: u8, 1: u16, 2: u32
    need(1 << width);
    const n = width === 0 ? data.readUInt8(pos) : width === 1 ? data.readUInt16BE(pos) : data.readUInt32BE(pos);
    pos += 1 << width;
    return n;
  };
  const str = (n: number): string => {
    need(n);
    const s = data.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  const list = (n: number): PackValue[] => Array.from({ length: n }, () => read());
  const map = (n: number): Map<string, PackValue> => {
    const m = new Map<string, PackValue>();
    for (let i = 0; i < n; i++) {
      const k = read();
      if (typeof k !== 'string') throw new PackStreamError(`map key is not a string at offset ${pos}`);
      m.set(k, read());
    }
    return m;
  };
  const read = (): PackValue => {
    const m = u8();
    if (m < 0x80) return BigInt(m);
    if (m >= 0xf0) return BigInt(m - 0x100);
    const high = m & 0xf0;
    if (high === 0x80) return str(m & 0x0f);
    if (high === 0x90) return list(m & 0x0f);
    if (high === 0xa0) return map(m & 0x0f);
    if (high === 0xb0) {
      const sig = u8();
      return new Struct(sig, list(m & 0x0f));
    }
    switch (m) {
      case 0xc0: return null;
      case 0xc1: need(8); pos += 8; return data.readDoubleBE(pos - 8);
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc8: need(1); pos += 1; return BigInt(data.readInt8(pos - 1));
      case 0xc9: need(2); pos += 2; return BigInt(data.readInt16BE(pos - 2));
      case 0xca: need(4); pos += 4; return BigInt(data.readInt32BE(pos - 4));
      case 0xcb: need(8); pos += 8; return data.readBigInt64BE(pos - 8);
      case 0xcc: case 0xcd: case 0xce: {
        const n = sized(m, 0xcc);
        need(n);
        pos += n;
        return new Uint8Array(data.subarray(pos - n, pos));
      }
      case 0xd0: case 0xd1: case 0xd2: return str(sized(m, 0xd0));
      case 0xd4: case 0xd5: case 0xd6: return list(sized(m, 0xd4));
      case 0xd8: case 0xd9: case 0xda: return map(sized(m, 0xd8));
      case 0xdc: case 0xdd: {
        const n = sized(m, 0xdc);
        const sig = u8();
        return new Struct(sig, list(n));
      }
      default:
        throw new PackStreamError(`unknown packstream marker 0x${m.toString(16)} at offset ${pos - 1}`);
    }
  };
  const value = read();
  if (pos !== data.length) throw new PackStreamError(`${data.length - pos} trailing bytes after message`);
  return value;
}

/** Reassembles chunked Bolt messages; an empty message (lone 00 00) is a NOOP keep-alive. */
export class Dechunker {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];

  /** Feeds bytes, returns the messages completed by them (NOOPs dropped). */
  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const out: Buffer[] = [];
    let off = 0;
    while (this.pending.length - off >= 2) {
      const size = this.pending.readUInt16BE(off);
      if (size === 0) {
        if (this.parts.length > 0) out.push(Buffer.concat(this.parts));
        this.parts = [];
        off += 2;
        continue;
      }
      if (this.pending.length - off < 2 + size) break;
      this.parts.push(Buffer.from(this.pending.subarray(off + 2, off + 2 + size)));
      off += 2 + size;
    }
    this.pending = this.pending.subarray(off);
    return out;
  }
}
