// Streaming sha256 while copying, with fsync: the bytes we hash are the bytes we wrote, in one pass.
// A file read stream nobody has read from yet is read directly instead, positionally into one reused
// buffer: a read stream allocates a fresh buffer per chunk, and the page faults of those allocations
// cost more system time than the copy itself (2.2x cp + sha256sum's system time with 64 KiB chunks,
// 2.7x with 1 MiB chunks; measured by `node dist/scripts/bench/create.js --copy-step 512`).
// The reused buffer is 256 KiB so that it stays in a core's L2 cache (512 KiB here) while the kernel
// copies into and out of it: 1.0-1.2x cp + sha256sum's system time, against 3x with 1 MiB and 2x with
// 64 KiB (more calls). fs.copyFile (copy_file_range) + a hash pass over the copy measured the same
// 1.1-1.3x and reads the data twice, so it is not used (create.js --copy-step 256, same run).
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsError } from '../datadir/fs-errors.js';
import { MgBackupError, throwIfAborted } from '../errors/errors.js';

export interface HashResult {
  size: number;
  sha256: string;
}

export interface CopyOptions {
  mode?: number;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

export const IO_CHUNK = 256 * 1024;

const readAt = (fd: number, buf: Buffer, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));

/** The file and byte range of an fs read stream that has not started reading; undefined otherwise. */
function unreadFileStream(src: Readable): { fd: number | undefined; path: string | undefined; start: number; end: number } | undefined {
  if (!(src instanceof fs.ReadStream) || src.bytesRead > 0 || src.destroyed || src.readableFlowing !== null) return undefined;
  const s = src as fs.ReadStream & { fd: unknown; start?: number; end?: number };
  const fd = typeof s.fd === 'number' ? s.fd : undefined;
  const file = typeof s.path === 'string' ? s.path : undefined;
  if (fd === undefined && file === undefined) return undefined;
  return { fd, path: file, start: s.start ?? 0, end: s.end ?? Infinity };
}

/** Reads [start, end] (inclusive, as read streams count) through one buffer, passing each piece on. */
async function eachPiece(range: { fd: number; start: number; end: number }, signal: AbortSignal | undefined,
  piece: (buf: Buffer, n: number) => Promise<void> | void, source: string): Promise<void> {
  const buf = Buffer.allocUnsafeSlow(IO_CHUNK);
  for (let pos = range.start; pos <= range.end;) {
    if (signal?.aborted) throw signal.reason;
    const n = await readAt(range.fd, buf, Math.min(buf.length, range.end - pos + 1), pos).catch((err: unknown) => { throw fsError(err, 'read', source); });
    if (n === 0) return;
    await piece(buf, n);
    pos += n;
  }
}

async function copyDirect(src: Readable, range: NonNullable<ReturnType<typeof unreadFileStream>>, fh: fsp.FileHandle, hash: Hash,
  opts: CopyOptions): Promise<number> {
  let own: fsp.FileHandle | undefined;
  let size = 0;
  // The stream opens its file by itself; its errors are ours to report, from our own reads.
  src.on('error', () => {});
  try {
    const source = range.path ?? 'the source file';
    if (range.fd === undefined) own = await fsp.open(range.path!, 'r').catch((err: unknown) => { throw fsError(err, 'read', source); });
    await eachPiece({ fd: range.fd ?? own!.fd, start: range.start, end: range.end }, opts.signal, async (buf, n) => {
      hash.update(buf.subarray(0, n));
      await fh.write(buf, 0, n);
      size += n;
      opts.onBytes?.(n);
    }, source);
  } finally {
    await own?.close();
    // Closes the stream's own descriptor (or file handle) once we are done with it.
    src.destroy();
  }
  return size;
}

/** Copies a stream into a new file (refusing to overwrite), hashing on the way, then fsyncs it. */
export async function copyAndHash(src: Readable, dest: string, opts: CopyOptions = {}): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(dest, 'wx', opts.mode ?? 0o600);
  } catch (err) {
    src.destroy();
    throw fsError(err, 'create', dest, '--repo');
  }
  try {
    const direct = unreadFileStream(src);
    if (direct !== undefined) size = await copyDirect(src, direct, fh, hash, opts);
    // A plain sink instead of a write stream: each chunk is hashed and written once, and the file handle
    // stays ours for the fsync below.
    else await pipeline(
      src,
      async function (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          await fh.write(chunk);
          size += chunk.length;
          opts.onBytes?.(chunk.length);
        }
      },
      { signal: opts.signal },
    );
    await fh.sync();
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof MgBackupError ? opts.signal.reason : err;
    throw fsError(err, 'write', dest, '--repo');
  } finally {
    await fh.close().catch(() => {});
  }
  return { size, sha256: hash.digest('hex') };
}

/** Hashes a byte stream (an object read through a repository backend) without writing it anywhere. */
export async function hashStream(src: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  // Leaving the loop (an abort, an error) destroys a Readable source: its requests stop too.
  for await (const chunk of src) {
    throwIfAborted(signal);
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Hashes a file without copying it (verify). */
export async function hashFile(file: string, signal?: AbortSignal): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(file, 'r');
    await eachPiece({ fd: fh.fd, start: 0, end: Infinity }, signal, (buf, n) => {
      hash.update(buf.subarray(0, n));
      size += n;
    }, file);
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof MgBackupError ? signal.reason : err;
    throw fsError(err, 'read', file);
  } finally {
    await fh?.close().catch(() => {});
  }
  return { size, sha256: hash.digest('hex') };
}

/** fsync a directory so that the names in it (renames, new files) survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
