// The age payload as a stream of batches: plaintext is regrouped into 1 MiB batches of 64 KiB chunks,
// each batch sealed in one call (age-format.ts sealPieces) on this thread or on a worker thread
// (chunk-pool.ts), and the sealed bytes come out in order: the cipher's own buffers from this thread, one
// buffer per batch from a worker. Decryption is the same
// with sealed batches. Memory is bounded by the batches in flight (two per worker, two more here),
// whatever the size.
import type { FileHandle } from 'node:fs/promises';
import type { BatchJob } from './chunk-worker.js';
import { BATCH_CHUNKS, openPieces, PLAIN_BATCH, sealPieces, SEALED_CHUNK } from './age-format.js';
import { chunkPool, defaultThreads } from './chunk-pool.js';

/** A sealed batch: the bytes of BATCH_CHUNKS sealed chunks, or fewer in the last one. */
export const SEALED_BATCH = BATCH_CHUNKS * SEALED_CHUNK;

/** Bytes as streams give them: buffers, or strings from a Readable made of strings. */
export type ByteChunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export interface Batch {
  buf: Buffer;
  /**
   * `buf` is memory of ours, a whole ArrayBuffer: it may be moved to a worker thread and reused for a
   * later batch. False for a slice of the source's own buffer, passed through without a copy.
   */
  owned: boolean;
  /** No bytes follow it. */
  last: boolean;
}

/** How payload batches are spread over threads. */
export interface ChunkThreads {
  /** Worker threads to use; 0 seals and opens on this thread only. Default: chunk-pool.ts defaultThreads. */
  threads?: number;
  /**
   * Batches done on this thread before workers take over: small files (most repository objects) never
   * start a worker (two cost about 100 ms of CPU to boot). Default 8 (8 MiB).
   */
  inlineBatches?: number;
  /** After those, this thread takes batches while no worker has started yet (default true); false waits for one. */
  spill?: boolean;
}

/**
 * Regroups a byte stream into batches of exactly `size` bytes (the last one shorter, possibly empty),
 * in buffers taken from `spare` (batches done with) or new ones: fresh memory costs a page fault per
 * 4 KiB, a fair part of the time. Whole batches that lie inside one source buffer (a file stream's 1 MiB
 * reads) are passed through as slices, not copied. A full batch is held until a further byte or the end
 * says whether it is the last. Like any stream reader it assumes the source never rewrites a buffer it
 * has handed out.
 */
export async function* regroup(src: ByteChunks, size: number, spare: Buffer[] = []): AsyncGenerator<Batch> {
  let cur: Buffer | undefined;
  let owned = true;
  let fill = 0;
  for await (const c of src) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let off = 0;
    while (off < chunk.length) {
      if (cur !== undefined && fill === size) {
        yield { buf: cur, owned, last: false };
        cur = undefined;
      }
      if (cur === undefined) {
        fill = 0;
        owned = chunk.length - off < size;
        if (!owned) {
          cur = chunk.subarray(off, off + size);
          fill = size;
          off += size;
          continue;
        }
        cur = reuse(spare, size);
      }
      const n = Math.min(size - fill, chunk.length - off);
      cur.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
    }
  }
  yield cur === undefined ? { buf: Buffer.alloc(0), owned: false, last: true } : { buf: cur.subarray(0, fill), owned, last: true };
}

function reuse(spare: Buffer[], size: number): Buffer {
  const b = spare.pop();
  return b !== undefined && b.length === size ? b : Buffer.allocUnsafeSlow(size);
}

/**
 * The sealed batches of a file from offset `pos` to `size`, read straight into reused buffers: no stream,
 * no regrouping. A file shorter than `size` ends early, and its last chunk then fails to authenticate.
 */
export async function* fileBatches(fh: FileHandle, pos: number, size: number, spare: Buffer[]): AsyncGenerator<Batch> {
  for (;;) {
    const want = Math.min(SEALED_BATCH, size - pos);
    const buf = reuse(spare, SEALED_BATCH);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(buf, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    pos += got;
    const last = got < want || pos >= size;
    yield { buf: buf.subarray(0, got), owned: true, last };
    if (last) return;
  }
}

/**
 * Runs `op` over the batches, the first `first` chunks of a payload on, yielding results in order. The
 * `last` flag of the final batch is `lastFinal`: false for a range that stops before the payload's end.
 */
export async function* runBatches(
  op: BatchJob['op'], key: Uint8Array, batches: AsyncIterable<Batch>, spare: Buffer[],
  opts: ChunkThreads & { first?: number; lastFinal?: boolean } = {},
): AsyncGenerator<Buffer> {
  const inline = opts.inlineBatches ?? 8;
  const here = op === 'seal' ? sealPieces : openPieces;
  // Decided when the inline batches are done: small files never look at the machine's load.
  let threads = opts.threads ?? 0;
  // Two batches per worker plus two here bound the memory: a few MiB per stream.
  let depth = 1;
  const queue: Promise<Buffer[]>[] = [];
  let index = 0;
  for await (const b of batches) {
    if (index === inline) {
      threads = opts.threads ?? defaultThreads();
      depth = threads === 0 ? 1 : 2 * threads + 2;
    }
    const first = (opts.first ?? 0) + index * BATCH_CHUNKS;
    const last = b.last && (opts.lastFinal ?? true);
    let p: Promise<Buffer[]>;
    // Once a worker runs, batches go to the workers only: this thread has the reads and writes, and on a
    // machine with as many cores as workers, sealing here too would only delay them.
    if (threads > 0 && index >= inline && (opts.spill === false || chunkPool(threads).ready())) {
      // A worker takes the batch's memory: a slice of the source's buffer is copied first.
      const data = b.owned ? b.buf : Buffer.from(Uint8Array.prototype.slice.call(b.buf).buffer);
      p = chunkPool(threads).run(op, key, first, data, last).then((r) => {
        spare.push(r.spare);
        return [r.out];
      });
    } else {
      try {
        p = Promise.resolve(here(key, first, b.buf, last));
        if (b.owned) spare.push(Buffer.from(b.buf.buffer));
      } catch (err) {
        p = Promise.reject(err as Error);
      }
    }
    index++;
    // Awaited below, in order; a failure is thrown there, not reported as unhandled meanwhile.
    p.catch(() => {});
    queue.push(p);
    while (queue.length >= depth) yield* await queue.shift()!;
  }
  while (queue.length > 0) yield* await queue.shift()!;
}

/** Plaintext bytes in → sealed chunks out (without the header and payload nonce). */
export function sealChunks(key: Uint8Array, plain: ByteChunks, opts: ChunkThreads = {}): AsyncGenerator<Buffer> {
  const spare: Buffer[] = [];
  return runBatches('seal', key, regroup(plain, PLAIN_BATCH, spare), spare, opts);
}

/** Sealed chunks in (from chunk `first` on) → plaintext out. */
export function openChunks(
  key: Uint8Array, sealed: ByteChunks, opts: ChunkThreads & { first?: number; lastFinal?: boolean } = {},
): AsyncGenerator<Buffer> {
  const spare: Buffer[] = [];
  return runBatches('open', key, regroup(sealed, SEALED_BATCH, spare), spare, opts);
}
