// Byte sources for reading age files: a stream whose header is read off its front before the payload is
// streamed on (Bytes), and a file read in 1 MiB pieces (fileChunks).
import type { FileHandle } from 'node:fs/promises';

/** A byte source whose first bytes can be read off (the header) and the rest streamed on. */
export class Bytes implements AsyncIterable<Uint8Array> {
  private back: Buffer | undefined;

  constructor(private readonly it: AsyncIterator<Uint8Array | string>) {}

  async next(): Promise<Buffer | undefined> {
    if (this.back !== undefined) {
      const b = this.back;
      this.back = undefined;
      return b;
    }
    const r = await this.it.next();
    if (r.done === true) return undefined;
    const v: Uint8Array | string = r.value;
    return typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }

  /** Bytes read too far, given back to be read again. */
  unshift(b: Buffer): void {
    if (b.length > 0) this.back = this.back === undefined ? b : Buffer.concat([b, this.back]);
  }

  /** Reads until `end(bytes)` finds the end of what is wanted (or the source ends, or `max` is passed). */
  async readUntil(end: (head: Buffer) => number, max: number): Promise<{ head: Buffer; found: boolean }> {
    let head: Buffer = Buffer.alloc(0);
    for (let c = await this.next(); c !== undefined; c = await this.next()) {
      head = head.length === 0 ? c : Buffer.concat([head, c]);
      const at = end(head);
      if (at >= 0) {
        this.unshift(head.subarray(at));
        return { head: head.subarray(0, at), found: true };
      }
      if (head.length > max) break;
    }
    return { head, found: false };
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (let c = await this.next(); c !== undefined; c = await this.next()) yield c;
    } finally {
      await this.close();
    }
  }
}

/** A file's bytes in 1 MiB reads; the handle is closed at the end or when the reader stops. */
export async function* fileChunks(fh: FileHandle): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(1 << 20);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
