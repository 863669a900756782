// Positional input for the decoders. The interface is synchronous on purpose: decoding touches
// millions of 9-byte fields, and an await per field (or per refill) would cost more than the work
// itself; the reader refills a large window per call, so a blocking pread of 1 MiB is the whole
// I/O cost. A CLI decodes one file at a time, so blocking the event loop is acceptable there.
const { readSync } = process.getBuiltinModule('node:fs');

export interface ByteSource {
  readonly size: number;
  /** Returns exactly `length` bytes at `offset` (the caller keeps within size). May alias. */
  read(offset: number, length: number): Uint8Array;
}

/** In-memory source; reads return views, never copies. */
export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }
}

/** File-backed source over a descriptor opened (and closed) by the caller. */
export class FdSource implements ByteSource {
  constructor(readonly fd: number, readonly size: number) {}
  read(offset: number, length: number): Uint8Array {
    return this.readInto(new Uint8Array(length), offset, length);
  }

  /** read() into a caller's buffer (from its start), which a reader can reuse window after window. */
  readInto(buf: Uint8Array, offset: number, length: number): Uint8Array {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }
}

export function asSource(input: ByteSource | Uint8Array): ByteSource {
  return input instanceof Uint8Array ? new BufferSource(input) : input;
}
