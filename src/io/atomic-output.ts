// Output files that are either complete or absent: bytes go to `<name>.tmp-<random>` in the target's
// directory, are fsynced, and only then renamed over the target. Compression is applied on the way
// (chosen by the caller, usually from the extension). A failed or interrupted write removes the temp file.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { MgBackupError, q } from '../errors/errors.js';
import { createCompressor, type Compression } from './compression.js';

export interface AtomicOutput {
  /** Where the caller writes (uncompressed bytes). */
  readonly stream: Writable;
  readonly tempPath: string;
  readonly targetPath: string;
  /** Ends the stream, waits for every byte, fsyncs, renames onto the target. */
  commit(): Promise<void>;
  /** Stops writing and removes the temp file; never throws. */
  abort(): Promise<void>;
}

/** An fs failure as a typed error naming the path. */
export function fsError(err: unknown, action: string, file: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new MgBackupError('notFound', `cannot ${action} ${q(file)}: no such file or directory`, {
        hints: ['check the path; the directory must exist'], cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: permission denied`, { cause: err });
    case 'ENOSPC':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: no space left on the device`, {
        hints: ['free space or write somewhere else'], cause: err,
      });
    case 'EISDIR':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: it is a directory`, { cause: err });
    default:
      return new MgBackupError('io', `cannot ${action} ${q(file)}: ${e?.message ?? String(err)}`, { cause: err });
  }
}

export async function openAtomicOutput(targetPath: string, compression: Compression, level?: number): Promise<AtomicOutput> {
  const dir = path.dirname(targetPath);
  const tempPath = path.join(dir, `${path.basename(targetPath)}.tmp-${randomBytes(4).toString('hex')}`);
  // A plain fd (FileHandle streams never let the handle close on Node 20); autoClose off keeps it open
  // for the fsync after the last write.
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => fs.open(tempPath, 'wx', 0o644, (err, n) => (err ? reject(err) : resolve(n))));
  } catch (err) {
    throw fsError(err, 'create', tempPath);
  }
  const file = fs.createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
  // Every close goes through the stream (destroy closes the fd even with autoClose off), so the fd is
  // closed exactly once whatever path we take.
  const closeFd = () => new Promise<void>((resolve) => {
    if (file.closed) return resolve();
    file.once('close', () => resolve());
    file.destroy();
  });
  let fileError: unknown;
  file.on('error', (err) => { fileError ??= err; });
  const compressor = createCompressor(compression, level);
  let compressorError: unknown;
  if (compressor) {
    compressor.on('error', (err) => { compressorError ??= err; file.destroy(); });
    compressor.pipe(file);
  }
  const stream: Writable = compressor ?? file;
  let settled = false;

  const cleanup = async () => {
    stream.destroy();
    await closeFd();
    await fs.promises.rm(tempPath, { force: true }).catch(() => {});
  };

  return {
    stream,
    tempPath,
    targetPath,
    async commit() {
      if (settled) throw new MgBackupError('internal', 'output committed twice');
      settled = true;
      try {
        stream.end();
        if (!file.writableFinished) {
          await Promise.race([
            once(file, 'finish'),
            once(file, 'close').then(() => { if (!file.writableFinished) throw fileError ?? compressorError ?? new Error('output closed early'); }),
          ]);
        }
        if (compressorError) throw compressorError;
        if (fileError) throw fileError;
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
        await closeFd();
        await fs.promises.rename(tempPath, targetPath);
      } catch (err) {
        await cleanup();
        throw fsError(compressorError ?? err, 'write', targetPath);
      }
      // The rename is durable only once the directory entry is on disk.
      try {
        const d = await fs.promises.open(dir, 'r');
        await d.sync().catch(() => {});
        await d.close();
      } catch { /* directories cannot be opened for sync on every platform */ }
    },
    async abort() {
      if (settled) return;
      settled = true;
      await cleanup();
    },
  };
}

/** Waits until `out` accepts more data; rejects when it errors, closes, or `signal` aborts. */
export function waitForDrain(out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrain = () => { cleanup(); resolve(); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onClose = () => { cleanup(); reject(new MgBackupError('io', 'the output was closed while writing')); };
    const onAbort = () => { cleanup(); reject(signal?.reason); };
    if (signal?.aborted) return reject(signal.reason);
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
