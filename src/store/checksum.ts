// Streaming sha256 while copying, with fsync: the bytes we hash are the bytes we wrote, in one pass.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsError } from '../datadir/fs-errors.js';
import { MgBackupError } from '../errors/errors.js';

export interface HashResult {
  size: number;
  sha256: string;
}

export interface CopyOptions {
  mode?: number;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
}

export const IO_CHUNK = 1 << 20;

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
    // A plain sink instead of a write stream: each chunk is hashed and written once, and the file handle
    // stays ours for the fsync below.
    await pipeline(
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

/** Hashes a file without copying it (verify). */
export async function hashFile(file: string, signal?: AbortSignal): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      fs.createReadStream(file, { highWaterMark: IO_CHUNK }),
      async function (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
        }
      },
      { signal },
    );
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof MgBackupError ? signal.reason : err;
    throw fsError(err, 'read', file);
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
