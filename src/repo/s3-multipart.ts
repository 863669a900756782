// Streaming upload of one object with bounded memory: at most `queueSize` parts in flight plus the one
// being filled, each `partSize` bytes. A body that fits in one part is sent as a single PutObject once
// it has ended. Any failure (the body, a part, the signal) stops reading at once, cancels the parts in
// flight, and aborts the multipart upload before the error is thrown, so nothing is left half-written
// and a later cleanupIncomplete() has only killed processes' uploads to collect.
// (lib-storage's Upload was tried first: after one part fails its other workers keep reading the whole
// body, and abort() settles before the multipart upload is actually aborted.)
// S3 takes at most 10,000 parts. The body's size is not known up front (a compressed or encrypted
// stream), and refusing at part 10,001 would throw away everything uploaded, so an object past 5,000
// parts grows its later parts instead: double every 400 parts, up to S3's 5 GiB part. That reaches
// S3's 5 TiB object limit from 5 MiB parts; memory grows with the parts only for such objects
// (past about 39 GiB at the default 8 MiB), and the operator is told (onNote: --verbose).
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand,
  UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { formatBytes } from '../core/format-bytes.js';
import { q } from '../errors/errors.js';
import type { PutResult } from './repo-backend.js';

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
  /** Told when the parts grow (see above). */
  onNote?: (message: string) => void;
  /** Parts at partSize before they grow, and parts per doubling; 5,000 and 400 (tests lower them). */
  growAfter?: number;
  growEvery?: number;
}

export const MAX_PARTS = 10_000;
const MAX_PART = 5 * 1024 * 1024 * 1024;

/** The size of part `n` (from 1) of an upload: partSize, then doubling every growEvery parts. */
export function partSizeFor(t: Pick<MultipartTarget, 'partSize' | 'growAfter' | 'growEvery'>, n: number): number {
  const after = t.growAfter ?? 5_000;
  if (n <= after) return t.partSize;
  return Math.min(MAX_PART, t.partSize * 2 ** Math.ceil((n - after) / (t.growEvery ?? 400)));
}

export async function uploadStream(
  t: MultipartTarget,
  body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<PutResult> {
  const hash = createHash('sha256');
  let size = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let uploadId: string | undefined;
  const inFlight = new Set<Promise<void>>();
  const parts: { PartNumber: number; ETag: string }[] = [];
  let failure: { err: unknown } | undefined;
  const fail = (err: unknown) => {
    failure ??= { err };
    stop.abort(err);
  };

  // Part buffers are reused once their UploadPart has settled: memory stays at queueSize + 1 parts
  // however large the object, without waiting for the garbage collector to return freed buffers.
  // Once parts grow, the smaller buffers are dropped.
  const pool: Buffer[] = [];
  let filling = 1; // the number of the part being filled
  let current = partSizeFor(t, filling);
  const take = () => {
    for (let b = pool.pop(); b !== undefined; b = pool.pop()) if (b.length === current) return b;
    return Buffer.allocUnsafe(current);
  };
  // Taken when its first byte arrives, so that a body ending on a part boundary grows nothing.
  let fill: Buffer | undefined;
  let filled = 0;
  let partNumber = 0;

  const sendPart = async (part: Buffer): Promise<void> => {
    const number = ++partNumber;
    if (uploadId === undefined) {
      const created = await t.client.send(new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: stop.signal });
      uploadId = created.UploadId;
      if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
    }
    const p = (async () => {
      const res = await t.client.send(new UploadPartCommand({
        Bucket: t.bucket, Key: t.key, UploadId: uploadId, PartNumber: number, Body: part, ContentLength: part.length,
      }), { abortSignal: stop.signal });
      if (res.ETag === undefined) throw new Error(`UploadPart ${number} returned no ETag`);
      parts.push({ PartNumber: number, ETag: res.ETag });
    })().catch(fail).finally(() => {
      if (part.length === current) pool.push(part);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    // Backpressure: never more than queueSize parts in memory besides the one being filled.
    while (inFlight.size >= t.queueSize && failure === undefined) await Promise.race(inFlight);
  };

  try {
    for await (const item of body) {
      if (stop.signal.aborted) break;
      const chunk = typeof item === 'string' ? Buffer.from(item) : item;
      hash.update(chunk);
      size += chunk.length;
      let off = 0;
      while (off < chunk.length) {
        if (fill === undefined) {
          if (filling > MAX_PARTS) {
            fail(new Error(`the object is larger than S3's ${MAX_PARTS} parts of up to 5 GiB hold`));
            break;
          }
          const next = partSizeFor(t, filling);
          if (next !== current) {
            t.onNote?.(`S3 upload of ${q(t.key)} passed ${filling - 1} parts of ${formatBytes(current)}: its next parts are ` +
              `${formatBytes(next)} (S3 takes at most 10,000 parts; memory now about ${formatBytes(next * (t.queueSize + 1))})`);
            current = next;
          }
          fill = take();
        }
        const n = Math.min(chunk.length - off, fill.length - filled);
        fill.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === fill.length) {
          const full = fill;
          fill = undefined;
          filled = 0;
          filling += 1;
          await sendPart(full);
          if (failure !== undefined) break;
        }
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) stop.signal.throwIfAborted();
    if (failure === undefined && uploadId === undefined) {
      // The whole body fits in one part: one PutObject, atomic by itself.
      await t.client.send(new PutObjectCommand({
        Bucket: t.bucket, Key: t.key, Body: fill?.subarray(0, filled) ?? Buffer.alloc(0), ContentLength: filled,
      }), { abortSignal: stop.signal });
    } else if (failure === undefined) {
      if (fill !== undefined && filled > 0) await sendPart(fill.subarray(0, filled));
      await Promise.all(inFlight);
      if (failure === undefined) {
        stop.signal.throwIfAborted();
        parts.sort((a, b) => a.PartNumber - b.PartNumber);
        await t.client.send(new CompleteMultipartUploadCommand({
          Bucket: t.bucket, Key: t.key, UploadId: uploadId, MultipartUpload: { Parts: parts },
        }), { abortSignal: stop.signal });
        uploadId = undefined; // completed: nothing to abort
      }
    }
    if (failure !== undefined) throw failure.err;
  } catch (err) {
    stop.abort(err);
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) await abortUpload(t, uploadId);
    throw failure?.err ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Aborts a multipart upload, a few tries (it runs right after a network failure); a leftover is what
 *  cleanupIncomplete() collects. */
async function abortUpload(t: MultipartTarget, uploadId: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await t.client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId }));
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}
