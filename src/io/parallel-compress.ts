// Compression on every core, in process: the input is cut into blocks and each block becomes a frame of
// its own, compressed by a one-block node:zlib engine. zlib engines run on libuv's thread pool, so the
// blocks in flight are compressed at the same time, and the frames leave in input order. Concatenated
// frames are one valid stream: zstd (RFC 8878, section 3.1: "a sequence of frames") and gzip (RFC 1952,
// "a series of members") readers, the CLIs and node:zlib's decompressors alike, give back the input.
//
// Not zstd's own workers (ZSTD_c_nbWorkers): Node 24's zstd stream ends with ERR_STREAM_PUSH_AFTER_EOF
// when they are on. Independent blocks lose a little ratio only: zstd 3 looks back 2 MiB at most (a
// 21-bit window), so a block of several MiB is compressed nearly as it would be in one frame.
import { Duplex } from 'node:stream';

/** One block's engine: a fresh compressing stream that gets the whole block with end(). */
export type EngineFactory = () => Duplex;

export interface ParallelOptions {
  /** Input bytes per frame (the last frame may be shorter). */
  blockSize: number;
  /** Blocks held at once, compressing or compressed and waiting for their turn or for the reader. */
  inFlight: number;
}

interface Job {
  engine: Duplex;
  out: Buffer[];
  done: boolean;
}

/**
 * A compressing Duplex (write plain bytes, read compressed frames) that keeps `inFlight` blocks
 * compressing at once. Memory is bounded: at most `inFlight` blocks with their output, plus less than
 * one block (and the last written chunk) being gathered, plus the readable side's buffer of at most one
 * frame beyond its high-water mark (with 4 MiB blocks and 3 in flight: about 16 MiB of input and up
 * to 5 frames). A write is held while all slots are taken (backpressure to the
 * writer); frames are pushed only while the reader wants more (backpressure from the reader).
 * Destroying it (or an engine error, which destroys it) destroys every engine: the thread-pool work in
 * progress finishes into the engine's own buffer, which is then dropped, and nothing is pushed after.
 */
export class ParallelCompress extends Duplex {
  readonly #make: EngineFactory;
  readonly #blockSize: number;
  readonly #inFlight: number;
  /** Block buffers the engines are done with, reused: a fresh 4 MiB buffer costs a page fault per 4 KiB. */
  #spare: Buffer[] = [];
  #pending: Buffer[] = [];
  #pendingLen = 0;
  #jobs: Job[] = [];
  #started = false;
  #wanted = false;
  #ending = false;
  #heldWrite: ((err?: Error | null) => void) | undefined;
  #heldFinal: ((err?: Error | null) => void) | undefined;

  constructor(make: EngineFactory, opts: ParallelOptions) {
    super();
    if (!(opts.blockSize >= 1) || !(opts.inFlight >= 1)) throw new RangeError('blockSize and inFlight must be at least 1');
    this.#make = make;
    this.#blockSize = opts.blockSize;
    this.#inFlight = opts.inFlight;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (chunk.length > 0) {
      this.#pending.push(chunk);
      this.#pendingLen += chunk.length;
    }
    this.#startBlocks();
    // A whole block is waiting for a free slot: hold the writer until one frees.
    if (this.#pendingLen >= this.#blockSize) this.#heldWrite = cb;
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#ending = true;
    this.#heldFinal = cb;
    this.#startBlocks();
    this.#emit();
  }

  override _read(): void {
    this.#wanted = true;
    this.#emit();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    for (const job of this.#jobs) job.engine.destroy();
    this.#jobs = [];
    this.#pending = [];
    this.#pendingLen = 0;
    // As node:zlib does with a write it was processing: its callback still comes, so nothing waits on it.
    const held = this.#heldWrite;
    this.#heldWrite = undefined;
    this.#heldFinal = undefined;
    held?.();
    cb(err);
  }

  /** Starts blocks while slots are free: full blocks, and at the end the rest (one empty frame for empty input). */
  #startBlocks(): void {
    while (!this.destroyed && this.#jobs.length < this.#inFlight) {
      const full = this.#pendingLen >= this.#blockSize;
      const last = this.#ending && (this.#pendingLen > 0 || !this.#started);
      if (!full && !last) break;
      this.#start(...this.#take(Math.min(this.#blockSize, this.#pendingLen)));
    }
  }

  /** The first `n` pending bytes as one buffer: a view when they lie in one chunk, else a copy into a
   *  buffer of ours (`own`: it may be reused once its engine is done). */
  #take(n: number): [block: Buffer, own: boolean] {
    const first = this.#pending[0];
    let block: Buffer;
    if (first !== undefined && first.length >= n) {
      block = first.subarray(0, n);
      if (first.length === n) this.#pending.shift();
      else this.#pending[0] = first.subarray(n);
      this.#pendingLen -= n;
      return [block, false];
    }
    block = (this.#spare.pop() ?? Buffer.allocUnsafeSlow(this.#blockSize)).subarray(0, n);
    let at = 0;
    while (at < n) {
      const c = this.#pending[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(block, at, 0, k);
      at += k;
      if (k === c.length) this.#pending.shift();
      else this.#pending[0] = c.subarray(k);
    }
    this.#pendingLen -= n;
    return [block, true];
  }

  #start(block: Buffer, own: boolean): void {
    this.#started = true;
    const job: Job = { engine: this.#make(), out: [], done: false };
    this.#jobs.push(job);
    job.engine.on('data', (c: Buffer) => { job.out.push(c); });
    job.engine.on('end', () => {
      job.done = true;
      // The engine has read the whole block by now: a buffer of ours goes back to the spares.
      if (own && this.#spare.length < this.#inFlight) this.#spare.push(Buffer.from(block.buffer, block.byteOffset, this.#blockSize));
      this.#emit();
    });
    job.engine.on('error', (err: Error) => { if (!this.destroyed) this.destroy(err); });
    job.engine.end(block);
  }

  /** Pushes finished frames in input order while the reader wants them; frees their slots. */
  #emit(): void {
    while (!this.destroyed && this.#wanted && this.#jobs[0]?.done === true) {
      const job = this.#jobs.shift()!;
      // A reader may destroy us from inside push(); what is left of the frame is then dropped.
      for (const c of job.out) if (!this.destroyed) this.#wanted = this.push(c);
      this.#startBlocks();
      if (this.#heldWrite !== undefined && this.#pendingLen < this.#blockSize) {
        const cb = this.#heldWrite;
        this.#heldWrite = undefined;
        cb();
      }
    }
    if (!this.destroyed && this.#ending && this.#jobs.length === 0 && this.#heldFinal !== undefined) {
      const cb = this.#heldFinal;
      this.#heldFinal = undefined;
      this.push(null);
      cb();
    }
  }
}
