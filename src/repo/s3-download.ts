// Download of one object into a new local file with parallel ranged GETs, as `aws s3 cp` does: one
// GET stream is bound by a single connection's throughput (and the server's per-request pace), while
// several ranges in flight fill the link. Memory is bounded by the part buffers of a PartPool shared by
// every download of the backend (pool size x part size, however large or many the objects). Parts are
// hashed and written in order, so the sha256 is that of the plain bytes as they lie in the file. A
// connection cut while a body streams is retried from the byte reached (the SDK retries only until the
// response headers arrive), pinned to the first response's ETag so that a replaced object fails
// instead of mixing versions. The file is created exclusively, fsynced, and removed on any failure.
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { fsError } from '../datadir/fs-errors.js';
import { q, throwIfAborted } from '../errors/errors.js';
import type { PutResult } from './repo-backend.js';
import { httpStatusOf, netCodeOf } from './s3-errors.js';

/** Part buffers shared by all downloads of one backend: `max` buffers of `partSize` bytes at most. */
export class PartPool {
  private readonly free: Buffer[] = [];
  private made = 0;
  private readonly waiters: ((buf: Buffer) => void)[] = [];

  constructor(readonly partSize: number, readonly max: number) {}

  /** A buffer now, or undefined when all are taken (for a download that already holds one). */
  tryTake(): Buffer | undefined {
    if (this.free.length > 0) return this.free.pop();
    if (this.made < this.max) {
      this.made += 1;
      return Buffer.allocUnsafeSlow(this.partSize);
    }
    return undefined;
  }

  /** Waits for a buffer. Only a download holding none may wait: one holding some finishes its own
   *  parts and gives them back, so waiting never closes a circle. */
  take(signal?: AbortSignal): Promise<Buffer> {
    const now = this.tryTake();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(got);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      const got = (buf: Buffer) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(buf);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(got);
    });
  }

  give(buf: Buffer): void {
    const next = this.waiters.shift();
    if (next !== undefined) next(buf);
    else this.free.push(buf);
  }
}

export interface DownloadSource {
  client: S3Client;
  bucket: string;
  /** The bucket's full key. */
  key: string;
  pool: PartPool;
  /** Tries per range when its body breaks (the SDK's own retries cover the request itself). */
  maxAttempts: number;
  /** A line for each retry (--verbose). */
  onRetry?: ((message: string) => void) | undefined;
}

export interface DownloadFileOptions {
  mode?: number;
  signal?: AbortSignal;
  /** The size a listing gave: 0 skips the ranged first request (an empty object has no byte 0). */
  size?: number;
  /** false: no fsync (a private temporary copy; about 20% of a 1 GiB download's time here). */
  sync?: boolean;
}

/** Errors of a body that stopped early: the range is asked for again from the byte reached. */
class BodyBroke extends Error {
  constructor(readonly cause: unknown, readonly reason: string) {
    super(`the body broke: ${reason}`);
  }
}

/**
 * Downloads the object into `dest` (created exclusively) and returns its size and sha256. Errors from
 * S3 are thrown as the SDK gives them (the backend maps them, knowing the repository key); local file
 * errors are MgBackupErrors.
 */
export async function downloadToFile(src: DownloadSource, dest: string, opts: DownloadFileOptions = {}): Promise<PutResult> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(opts.signal?.reason);
  if (opts.signal?.aborted) throw opts.signal.reason;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(dest, 'wx', opts.mode ?? 0o600);
  } catch (err) {
    opts.signal?.removeEventListener('abort', onAbort);
    throw fsError(err, 'create', dest, '--repo');
  }
  try {
    const res = await transfer(src, fh, dest, stop, opts.size);
    if (opts.sync !== false) await fh.sync().catch((err: unknown) => { throw fsError(err, 'write', dest, '--repo'); });
    await fh.close();
    return res;
  } catch (err) {
    stop.abort(err);
    await fh.close().catch(() => {});
    await fsp.rm(dest, { force: true }).catch(() => {});
    throwIfAborted(opts.signal);
    throw err instanceof BodyBroke ? err.cause : err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The first response of a download: the first range, with the object's size and ETag. */
export interface OpenedObject {
  first: GetObjectCommandOutput;
  /** undefined: the first response holds the whole object (no range asked, or the server ignored it). */
  total: number | undefined;
  etag: string | undefined;
}

/** Asks for the first part: the answer tells the object's size (Content-Range) and its ETag. */
export async function openObject(src: DownloadSource, signal: AbortSignal, sizeHint?: number): Promise<OpenedObject> {
  let first: GetObjectCommandOutput;
  try {
    first = await get(src, sizeHint === 0 ? undefined : `bytes=0-${src.pool.partSize - 1}`, undefined, signal);
  } catch (err) {
    if (httpStatusOf(err) !== 416) throw err;
    first = await get(src, undefined, undefined, signal); // an empty object has no byte 0
  }
  return { first, total: totalOf(first), etag: first.ETag };
}

/** What partsInOrder does with the parts: `arrived` sees the head part's bytes as they come. */
interface PartSink {
  arrived?(part: Part): void;
  complete(part: Part, n: number): Promise<void>;
}

/**
 * Fetches the ranges of an object of `total` bytes (the first one already opened), as many at once as
 * the pool has buffers (never waiting for one while holding some), and hands them to the sink in order.
 */
async function partsInOrder(src: DownloadSource, o: OpenedObject & { total: number }, stop: AbortController, sink: PartSink): Promise<void> {
  const signal = stop.signal;
  const ps = src.pool.partSize;
  const parts = Math.ceil(o.total / ps);
  const queue: { part: Part; done: Promise<number> }[] = [];
  const start = (i: number, buf: Buffer, opened?: GetObjectCommandOutput) => {
    const from = i * ps;
    const part: Part = { buf, got: 0 };
    const done = fetchRange(src, part, from, Math.min(o.total, from + ps), o.etag, signal, opened);
    done.catch(() => {}); // awaited in order below; a later part's failure waits its turn or the abort
    queue.push({ part, done });
  };
  let next = 0;
  try {
    start(next++, await src.pool.take(signal), o.first);
    while (queue.length > 0) {
      while (next < parts) {
        const buf = src.pool.tryTake();
        if (buf === undefined) break;
        start(next++, buf);
      }
      const head = queue[0]!;
      if (sink.arrived) {
        sink.arrived(head.part);
        head.part.onBytes = sink.arrived;
      }
      const n = await head.done;
      await sink.complete(head.part, n);
      queue.shift();
      src.pool.give(head.part.buf);
      if (queue.length === 0 && next < parts) start(next++, await src.pool.take(signal));
    }
  } finally {
    // On failure: stop the other ranges, and give their buffers back once they have settled.
    if (queue.length > 0) {
      stop.abort(new Error('another range failed'));
      await Promise.allSettled(queue.map((p) => p.done));
      for (const p of queue) src.pool.give(p.part.buf);
    }
  }
}

async function transfer(src: DownloadSource, fh: fsp.FileHandle, dest: string, stop: AbortController, sizeHint?: number): Promise<PutResult> {
  const signal = stop.signal;
  const hash = createHash('sha256');
  let written = 0;
  const write = async (buf: Buffer, n: number, hashed = false) => {
    // The write runs on libuv's thread pool while this thread hashes the same bytes.
    const writing = (async () => {
      for (let off = 0; off < n;) {
        const { bytesWritten } = await fh.write(buf, off, n - off, written + off).catch((err: unknown) => { throw fsError(err, 'write', dest, '--repo'); });
        off += bytesWritten;
      }
    })();
    if (!hashed) hash.update(buf.subarray(0, n));
    await writing;
    written += n;
  };

  const o = await openObject(src, signal, sizeHint);
  if (o.total === undefined) {
    // The whole object in one body (no range asked, or none honoured): stream it through one buffer.
    const buf = await src.pool.take(signal);
    try {
      let n = 0;
      for await (const chunk of o.first.Body as Readable) {
        for (let off = 0; off < chunk.length;) {
          const k = Math.min(chunk.length - off, buf.length - n);
          (chunk as Buffer).copy(buf, n, off, off + k);
          n += k;
          off += k;
          if (n === buf.length) {
            await write(buf, n);
            n = 0;
          }
        }
      }
      if (n > 0) await write(buf, n);
    } catch (err) {
      throw new BodyBroke(err, reasonOf(err));
    } finally {
      src.pool.give(buf);
    }
    if (o.first.ContentLength !== undefined && written !== o.first.ContentLength) {
      throw new BodyBroke(new Error(`short body: ${written} of ${o.first.ContentLength} bytes`), 'short body');
    }
    return { size: written, sha256: hash.digest('hex') };
  }

  // The head part (the next in order) is hashed as its bytes arrive, while they are still in the CPU's
  // cache: hashing whole 8 MiB parts afterwards cost twice the time (profiled: 1.6 s per GiB).
  let current: Part | undefined;
  let hashed = 0;
  await partsInOrder(src, { ...o, total: o.total }, stop, {
    arrived: (part) => {
      if (part !== current) {
        current = part;
        hashed = 0;
      }
      if (part.got > hashed) {
        hash.update(part.buf.subarray(hashed, part.got));
        hashed = part.got;
      }
    },
    complete: async (part, n) => {
      if (hashed !== n) throw new Error(`part hashed to ${hashed} of ${n} bytes`); // cannot happen: arrived saw every byte
      await write(part.buf, n, true);
    },
  });
  if (written !== o.total) throw new BodyBroke(new Error(`short object: ${written} of ${o.total} bytes`), 'short body');
  return { size: written, sha256: hash.digest('hex') };
}

/**
 * The rest of an opened object larger than one part as a stream, fetched in parallel ranges (for
 * get(): copy and the decrypting reader). Each part is copied out of its pool buffer, so the stream
 * may hold it as long as it likes; at most about two parts wait in the stream (its highWaterMark).
 * Destroying the stream stops the ranges. `mapError` turns a failure into the stream's error.
 */
export function rangedStream(src: DownloadSource, o: OpenedObject & { total: number }, mapError: (err: unknown) => Error): Readable {
  const out = new PassThrough({ highWaterMark: src.pool.partSize });
  const stop = new AbortController();
  out.once('close', () => stop.abort(new Error('the reader went away')));
  let sent = 0;
  partsInOrder(src, o, stop, {
    complete: async (part, n) => {
      sent += n;
      if (!out.write(Buffer.from(part.buf.subarray(0, n)))) await once(out, 'drain', { signal: stop.signal });
    },
  }).then(() => {
    if (sent !== o.total) throw new BodyBroke(new Error(`short object: ${sent} of ${o.total} bytes`), 'short body');
    out.end();
  }).catch((err: unknown) => {
    if (!out.destroyed) out.destroy(mapError(err instanceof BodyBroke ? err.cause : err));
  });
  return out;
}

/** The object's size from a 206's Content-Range ("bytes 0-8388607/1073741824"); undefined for a 200. */
function totalOf(res: GetObjectCommandOutput): number | undefined {
  const m = /\/(\d+)\s*$/.exec(res.ContentRange ?? '');
  return m === null ? undefined : Number(m[1]);
}

function get(src: DownloadSource, range: string | undefined, etag: string | undefined, signal: AbortSignal): Promise<GetObjectCommandOutput> {
  return src.client.send(new GetObjectCommand({
    Bucket: src.bucket, Key: src.key, ...(range === undefined ? {} : { Range: range }), ...(etag === undefined ? {} : { IfMatch: etag }),
  }), { abortSignal: signal });
}

/** A range's buffer and how much of it has arrived; onBytes is told of each arrival. */
interface Part {
  buf: Buffer;
  got: number;
  onBytes?: (part: Part) => void;
}

/** Reads [from, to) into the part's buffer, asking again from the byte reached when the body breaks. */
async function fetchRange(
  src: DownloadSource, part: Part, from: number, to: number, etag: string | undefined, signal: AbortSignal, opened?: GetObjectCommandOutput,
): Promise<number> {
  const want = to - from;
  const buf = part.buf;
  let got = 0;
  for (let attempt = 1; ; attempt++) {
    const began = Date.now();
    try {
      // A request that fails outright has had the SDK's retries already: its error is final.
      const res = opened ?? await get(src, `bytes=${from + got}-${to - 1}`, etag, signal);
      opened = undefined;
      try {
        for await (const chunk of res.Body as Readable) {
          const c = chunk as Buffer;
          if (got + c.length > want) throw new Error(`the server sent more than the ${want} bytes of range ${from}-${to - 1}`);
          c.copy(buf, got);
          got += c.length;
          part.got = got;
          part.onBytes?.(part);
        }
      } catch (err) {
        throw new BodyBroke(err, reasonOf(err));
      }
      if (got === want) return got;
      throw new BodyBroke(new Error(`short body: ${got} of ${want} bytes of range ${from}-${to - 1}`), 'short body');
    } catch (err) {
      if (!(err instanceof BodyBroke) || signal.aborted || attempt >= src.maxAttempts) throw err;
      const wait = Math.min(2_000, 100 * 2 ** (attempt - 1));
      src.onRetry?.(`retrying S3 GetObject of ${q(src.key)} bytes ${from + got}-${to - 1} (${err.reason} after ${Date.now() - began} ms): ` +
        `attempt ${attempt + 1} of ${src.maxAttempts} after ${(wait / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      throwIfAborted(signal);
    }
  }
}

function reasonOf(err: unknown): string {
  return netCodeOf(err) ?? (err instanceof Error ? err.message : String(err));
}
