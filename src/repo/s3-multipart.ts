// Streaming upload of one object with bounded memory: at most `queueSize` parts in flight plus the one
// being filled, each `partSize` bytes. A body that fits in one part is sent as a single PutObject once
// it has ended. Any failure (the body, a part, the signal) stops reading at once, cancels the parts in
// flight, and aborts the multipart upload before the error is thrown, so nothing is left half-written
// and a later cleanupIncomplete() has only killed processes' uploads to collect.
// (lib-storage's Upload was tried first: after one part fails its other workers keep reading the whole
// body, and abort() settles before the multipart upload is actually aborted.)
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand,
  UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { PutResult } from './repo-backend.js';

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
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
  const pool: Buffer[] = [];
  const take = () => pool.pop() ?? Buffer.allocUnsafe(t.partSize);
  let fill = take();
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
      if (part.length === t.partSize) pool.push(part);
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
        const n = Math.min(chunk.length - off, t.partSize - filled);
        fill.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === t.partSize) {
          const full = fill;
          fill = take();
          filled = 0;
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
        Bucket: t.bucket, Key: t.key, Body: fill.subarray(0, filled), ContentLength: filled,
      }), { abortSignal: stop.signal });
    } else if (failure === undefined) {
      if (filled > 0) await sendPart(fill.subarray(0, filled));
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
