// Bounds-checked cursor over a ByteSource. Every read failure becomes a CorruptFileError naming the
// offset, and every length/count is checked against the bytes left in the file before anything is
// allocated, so corrupt input can neither throw a foreign exception nor allocate without bound.
import { CorruptFileError } from '../errors/errors.js';
import { BufferSource, FdSource, type ByteSource } from './byte-source.js';
import { Marker } from './markers.js';

const WINDOW = 1 << 20;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

export class Reader {
  pos: number;
  private buf: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private bufStart = 0;
  private recycle = false;
  private scratch = new Uint8Array(0);

  /** window: bytes loaded per refill from a file; smaller for random access. */
  constructor(readonly source: ByteSource, pos = 0, readonly end = source.size, private readonly window = WINDOW) {
    this.pos = pos;
    if (end > source.size) this.end = source.size;
    // Small files and in-memory buffers are addressed directly: one view, no refills.
    if (source instanceof BufferSource || source.size <= window) this.load(0, source.size);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string, offset = this.pos): never {
    throw new CorruptFileError(message, offset);
  }

  /** A read past the end of the data: how a torn (cut-short) file fails, see CorruptFileError.endOfData. */
  private short(message: string, offset = this.pos): never {
    throw new CorruptFileError(message, offset, { endOfData: true });
  }

  /**
   * Refill into one buffer kept by this reader instead of a fresh one per window (no allocation, no
   * new pages per MiB read). Only for readers whose callers do not keep `slice`/`bytes` views across reads.
   */
  recycleWindows(): this {
    this.recycle = this.source instanceof FdSource;
    return this;
  }

  private load(start: number, length: number): void {
    let b: Uint8Array;
    if (this.recycle) {
      if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.window));
      b = (this.source as FdSource).readInto(this.scratch, start, length);
    } else {
      b = this.source.read(start, length);
    }
    // A Buffer view (no copy) so strings decode straight from the window, without a subarray each.
    this.buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.bufStart = start;
  }

  /** Makes n bytes at pos addressable; returns their index in buf. */
  private need(n: number, what: string): number {
    if (n > this.end - this.pos) this.short(`unexpected end of file reading ${what}`);
    let i = this.pos - this.bufStart;
    if (i < 0 || i + n > this.buf.length) {
      // Never past `end`: a reader bounded to one record (random access) reads just that record.
      this.load(this.pos, Math.min(Math.max(n, this.window), this.end - this.pos));
      if (this.buf.length < n) this.short(`short read of ${what}`);
      i = 0;
    }
    return i;
  }

  /** The window `at` indexes into (valid until the next read through this reader). */
  get bytes(): Buffer {
    return this.buf;
  }

  /**
   * Makes n bytes at pos addressable, advances over them and returns their index in `bytes`: for
   * renderers that copy or parse record bytes in place instead of building values.
   */
  take(n: number, what: string): number {
    const i = this.need(n, what);
    this.pos += n;
    return i;
  }

  /** `12` + u64 as a number, or -1 when it does not fit one exactly (the caller takes a BigInt path). */
  safeUint(what = 'integer'): number {
    const f = this.avail(9);
    if (f >= 0 && this.buf[f] === Marker.TYPE_INT) {
      this.pos += 9;
      const hi = this.view.getUint32(f + 5, true);
      return hi >= 0x200000 ? -1 : hi * 0x1_0000_0000 + this.view.getUint32(f + 1, true);
    }
    this.expect(Marker.TYPE_INT, what);
    const i = this.need(8, what);
    this.pos += 8;
    const hi = this.view.getUint32(i + 4, true);
    return hi >= 0x200000 ? -1 : hi * 0x1_0000_0000 + this.view.getUint32(i, true);
  }

  /** `12` + u64 as a number when it fits one exactly, else as a BigInt: no allocation for the usual ids. */
  uintOrBig(what = 'integer'): number | bigint {
    const v = this.safeUint(what);
    return v >= 0 ? v : this.view.getBigUint64(this.pos - 8 - this.bufStart, true);
  }

  /** A bare i64 as a number, or undefined when it does not fit one exactly. */
  safeI64(what = 'integer'): number | undefined {
    const i = this.need(8, what);
    this.pos += 8;
    const hi = this.view.getInt32(i + 4, true);
    return hi >= 0x200000 || hi < -0x200000 ? undefined : hi * 0x1_0000_0000 + this.view.getUint32(i, true);
  }

  /** The i64 just before pos (after safeI64 declined it). */
  lastI64(): bigint {
    return this.view.getBigInt64(this.pos - 8 - this.bufStart, true);
  }

  /** The index in `bytes` of pos when n bytes from there are already loaded (and inside end), else -1: fast paths. */
  avail(n: number): number {
    const i = this.pos - this.bufStart;
    return i >= 0 && i + n <= this.buf.length && n <= this.end - this.pos ? i : -1;
  }

  seek(pos: number, what: string): void {
    if (!(pos >= 0 && pos <= this.end)) this.fail(`${what} offset ${pos} is outside the file`, this.pos);
    this.pos = pos;
  }

  peek(): number {
    if (this.pos >= this.end) return -1;
    return this.buf[this.need(1, 'marker')]!;
  }

  byte(what = 'marker'): number {
    const f = this.pos - this.bufStart;
    if (f >= 0 && f < this.buf.length && this.pos < this.end) {
      this.pos++;
      return this.buf[f]!;
    }
    const i = this.need(1, what);
    this.pos++;
    return this.buf[i]!;
  }

  expect(marker: number, what: string): void {
    const f = this.pos - this.bufStart;
    if (f >= 0 && f < this.buf.length && this.pos < this.end && this.buf[f] === marker) {
      this.pos++;
      return;
    }
    const at = this.pos;
    const b = this.byte(what);
    if (b !== marker) this.fail(`expected ${what} (marker ${hex(marker)}), found ${hex(b)}`, at);
  }

  rawU64(what = 'integer'): bigint {
    const i = this.need(8, what);
    this.pos += 8;
    return this.view.getBigUint64(i, true);
  }

  rawI64(what = 'integer'): bigint {
    const i = this.need(8, what);
    this.pos += 8;
    return this.view.getBigInt64(i, true);
  }

  rawF64(what = 'double'): number {
    const i = this.need(8, what);
    this.pos += 8;
    return this.view.getFloat64(i, true);
  }

  /** Advances over n bytes that are only validated to exist. */
  skip(n: number, what: string): void {
    if (n > this.end - this.pos) this.short(`unexpected end of file reading ${what}`);
    this.pos += n;
  }

  /** `12` + u64, unsigned. */
  uint(what = 'integer'): bigint {
    this.expect(Marker.TYPE_INT, what);
    return this.rawU64(what);
  }

  /** Skips a `12` + u64 field that is only validated (e.g. in-edges, which repeat out-edges). */
  skipUint(what = 'integer'): void {
    const f = this.avail(9);
    if (f >= 0 && this.buf[f] === Marker.TYPE_INT) {
      this.pos += 9;
      return;
    }
    this.expect(Marker.TYPE_INT, what);
    this.need(8, what);
    this.pos += 8;
  }

  /** `12` + u64 as two's-complement int64. */
  int(what = 'integer'): bigint {
    this.expect(Marker.TYPE_INT, what);
    return this.rawI64(what);
  }

  /** `12` + u64 that must fit a JS number (ids, offsets, dimensions); read without a BigInt. */
  num(what = 'integer'): number {
    const at = this.pos;
    const f = this.avail(9);
    if (f >= 0 && this.buf[f] === Marker.TYPE_INT) {
      const hi = this.view.getUint32(f + 5, true);
      if (hi < 0x200000) {
        this.pos = at + 9;
        return hi * 0x1_0000_0000 + this.view.getUint32(f + 1, true);
      }
    }
    this.expect(Marker.TYPE_INT, what);
    const i = this.need(8, what);
    this.pos += 8;
    const hi = this.view.getUint32(i + 4, true);
    if (hi >= 0x200000) this.fail(`${what} ${this.view.getBigUint64(i, true)} is too large`, at);
    return hi * 0x1_0000_0000 + this.view.getUint32(i, true);
  }

  /** A count of elements each at least `minBytes` long; guarded against the bytes left. */
  count(what: string, minBytes = 1): number {
    const at = this.pos;
    return this.checkCount(this.num(what), what, minBytes, at);
  }

  /** A bare u64 count (inside property values). */
  rawCount(what: string, minBytes = 1): number {
    const at = this.pos;
    const i = this.need(8, what);
    this.pos += 8;
    const hi = this.view.getUint32(i + 4, true);
    const v = hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + this.view.getUint32(i, true);
    return this.checkCount(v, what, minBytes, at);
  }

  private checkCount(v: number, what: string, minBytes: number, at: number): number {
    if (v * minBytes > this.end - this.pos) this.short(`${what} count ${v} exceeds the remaining file size`, at);
    return v;
  }

  double(what = 'double'): number {
    this.expect(Marker.TYPE_DOUBLE, what);
    return this.rawF64(what);
  }

  bool(what = 'bool'): boolean {
    this.expect(Marker.TYPE_BOOL, what);
    return this.rawBool(what);
  }

  rawBool(what = 'bool'): boolean {
    const at = this.pos;
    const b = this.byte(what);
    if (b === Marker.VALUE_TRUE) return true;
    if (b === Marker.VALUE_FALSE) return false;
    return this.fail(`invalid ${what} byte ${hex(b)}`, at);
  }

  string(what = 'string'): string {
    this.expect(Marker.TYPE_STRING, what);
    return this.rawString(what);
  }

  rawString(what = 'string'): string {
    const len = this.rawCount(what);
    if (len === 0) return '';
    const i = this.need(len, what);
    this.pos += len;
    return this.buf.toString('utf8', i, i + len);
  }

  /** Raw bytes [from, to) of the source, for checksums. */
  slice(from: number, to: number): Uint8Array {
    if (from >= this.bufStart && to <= this.bufStart + this.buf.length) {
      return this.buf.subarray(from - this.bufStart, to - this.bufStart);
    }
    return this.source.read(from, to - from);
  }
}
