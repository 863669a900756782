// convert's output buffer: statements are written into one growing byte array (ASCII syntax, copied
// name and string bytes, integers as digits) and handed over a chunk at a time, instead of building a
// string per statement and encoding it.

/** "00" to "99" as ASCII pairs. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** A growable output buffer; `take` hands its bytes over (their own ArrayBuffer, transferable). */
export class ByteSink {
  buf: Buffer;
  pos = 0;

  /** capacity: the size of each fresh buffer (the chunk size a caller takes at, plus room for a record). */
  constructor(private readonly capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Room for n more bytes at pos (buf may be replaced). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A string of code units below 0x80 (numbers, fixed syntax). */
  ascii(s: string): void {
    this.ensure(s.length);
    const { buf } = this;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  bytes(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.ensure(n);
    const { buf } = this;
    if (n > 64) {
      buf.set(src.subarray(from, to), this.pos);
      this.pos += n;
      return;
    }
    let p = this.pos;
    for (let i = from; i < to; i++) buf[p++] = src[i]!;
    this.pos = p;
  }

  /** Non-negative integers below 2^31 two digits at a time; others through String. */
  int(v: number): void {
    if (!(v >= 0 && v < 0x8000_0000)) {
      this.ascii(String(v));
      return;
    }
    this.ensure(10);
    const digits = v < 10 ? 1 : v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
    const { buf } = this;
    let p = this.pos + digits;
    this.pos = p;
    let x = v;
    while (x >= 100) {
      const q = (x / 100) | 0;
      const r = (x - q * 100) * 2;
      buf[--p] = DIGIT_PAIRS[r + 1]!;
      buf[--p] = DIGIT_PAIRS[r]!;
      x = q;
    }
    if (x >= 10) {
      buf[--p] = DIGIT_PAIRS[x * 2 + 1]!;
      buf[--p] = DIGIT_PAIRS[x * 2]!;
    } else {
      buf[--p] = 48 + x;
    }
  }

  /** The bytes written so far, handed over without a copy; writing continues in a fresh buffer. */
  take(): Uint8Array {
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    // allocUnsafe gives sizes from 4 KiB on their own ArrayBuffer (never the shared pool), so `out`
    // can be transferred to another thread. As large as this take (up to 4 MiB): a worker's range
    // output (about 1.2 MiB) then does not grow the next buffer by doubling and copying.
    this.buf = Buffer.allocUnsafe(Math.max(this.capacity, Math.min(this.pos, 4 << 20)));
    this.pos = 0;
    return out;
  }
}
