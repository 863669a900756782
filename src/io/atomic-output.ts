// Output files that are either complete or absent: bytes go to `<name>.tmp-<random>` in the target's
// directory, are fsynced, and only then renamed over the target. Compression is applied on the way
// (chosen by the caller, usually from the extension). A failed or interrupted write removes the temp file.
// Every write error (ENOSPC, EIO, EPIPE...) destroys the stream the caller writes to, so whoever waits
// for 'drain' or 'finish' hears of it; a destroyed stream never emits 'drain' again, and waiting for one
// is how `dump -o` on a full disk used to hang forever. Files hold all the data: they are created 0600.
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
  /** The typed error for a failure while writing this output (errno errors name the target). */
  failure(err: unknown): unknown;
}

/** Files mgbackup writes hold the graph's data: owner-only, like backups. */
export const DATA_FILE_MODE = 0o600;

/** An fs failure as a typed error naming the path; `flag` is the option that chose the path, for hints. */
export function fsError(err: unknown, action: string, file: string, flag = '-o/--output'): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new MgBackupError('notFound', `cannot ${action} ${q(file)}: no such file or directory`, {
        hints: ['check the path; the directory must exist'], cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: permission denied`, {
        hints: [`give this user write access to that directory, or choose another ${flag}`], cause: err,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: no space left on the device`, {
        hints: [`free space on that filesystem, or choose another ${flag}`], cause: err,
      });
    case 'EIO':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: input/output error (EIO) from the device`, {
        hints: [`check the disk and its kernel log (dmesg), or choose another ${flag}`], cause: err,
      });
    case 'EPIPE':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: the reading end went away (EPIPE)`, {
        hints: [`check what reads ${q(file)}, or choose a regular file for ${flag}`], cause: err,
      });
    case 'EISDIR':
      return new MgBackupError('io', `cannot ${action} ${q(file)}: it is a directory`, { cause: err });
    default:
      return new MgBackupError('io', `cannot ${action} ${q(file)}: ${e?.message ?? String(err)}`, { cause: err });
  }
}

/** A write error of an atomic output: the target was never touched, and the hint says so. */
function outputError(err: unknown, target: string): MgBackupError {
  const e = fsError(err, 'write', target);
  if (e.kind !== 'io' || e.hints.length === 0) return e;
  return new MgBackupError(e.kind, e.message, { hints: [`${e.hints[0]}; nothing was written there`, ...e.hints.slice(1)], cause: err });
}

/** True for errors a failing output produces (errno codes), as opposed to the caller's own errors. */
function isErrno(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && !(err instanceof MgBackupError);
}

export async function openAtomicOutput(targetPath: string, compression: Compression, level?: number): Promise<AtomicOutput> {
  const dir = path.dirname(targetPath);
  const tempPath = path.join(dir, `${path.basename(targetPath)}.tmp-${randomBytes(4).toString('hex')}`);
  // A plain fd (FileHandle streams never let the handle close on Node 20); autoClose off keeps it open
  // for the fsync after the last write.
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => fs.open(tempPath, 'wx', DATA_FILE_MODE, (err, n) => (err ? reject(err) : resolve(n))));
  } catch (err) {
    throw fsError(err, 'create', targetPath);
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
  // Dump text (dump -o, convert -o): one frame (compression.ts createCompressor says why).
  const compressor = createCompressor(compression, level, { oneFrame: true });
  let compressorError: unknown;
  // The file's error must reach the stream the caller writes to: with a compressor in front, a dead
  // file would otherwise only stop the pipe, the compressor's buffer would fill, and no 'drain' would come.
  file.on('error', (err) => {
    fileError ??= err;
    if (compressor && !compressor.destroyed) compressor.destroy(err);
  });
  if (compressor) {
    compressor.on('error', (err) => { if (err !== fileError) compressorError ??= err; file.destroy(); });
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
        // An output that already failed has closed; waiting for its 'finish' or 'close' would never end.
        if (compressorError ?? fileError) throw compressorError ?? fileError;
        if (file.destroyed || stream.destroyed) throw stream.errored ?? file.errored ?? new Error('output closed early');
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
        throw outputError(compressorError ?? fileError ?? err, targetPath);
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
    failure(err: unknown) {
      const first = compressorError ?? fileError;
      if (first !== undefined && (isErrno(err) || (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_DESTROYED')) {
        return outputError(first, targetPath);
      }
      return isErrno(err) ? outputError(err, targetPath) : err;
    },
  };
}

/** Waits until `out` accepts more data; rejects when it errors, closes, or `signal` aborts. A stream
 *  that already failed rejects at once with its error: it will never emit 'drain' again. */
export function waitForDrain(out: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const w = out as Partial<Writable>;
    if (w.errored) return reject(w.errored);
    if (w.destroyed || w.writableEnded) return reject(new MgBackupError('io', 'the output was closed while writing'));
    if (w.writableNeedDrain === false) return resolve();
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
