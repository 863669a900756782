// Single-file export of a published backup: tar, tar.gz or tar.zst, compressed in process by node:zlib
// (zstd is 5-20x faster than gzip on snapshots, toolchain.md §8, so it is the one to recommend).
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsError } from '../datadir/fs-errors.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { createCompressor, type Compression } from '../io/compression.js';
import type { Manifest } from './manifest.js';
import { plainTar } from './plain-tar.js';

export type { Compression };

/** gzip at level 1 for archives: snapshots are mostly incompressible, and gzip's higher levels cost
 *  much time for little on them (toolchain.md §8). zstd keeps its default 3. */
export const ARCHIVE_GZIP_LEVEL = 1;

export function compressionFor(target: string): Compression {
  if (target === '-' || target.endsWith('.tar')) return 'none';
  if (target.endsWith('.tar.gz') || target.endsWith('.tgz')) return 'gzip';
  if (target.endsWith('.tar.zst') || target.endsWith('.tzst')) return 'zstd';
  throw new UsageError(`archive name ${q(target)} must end in .tar, .tar.gz or .tar.zst (or be - for stdout)`);
}

/**
 * Streams `<backup id>/...` as an archive into `out` (a file path, written via a temp name, or a stream).
 * Only a published backup is archived, so when the archive fails the backup itself is complete and
 * valid: it stays in the repository (removing it would lose a good backup for want of a second copy),
 * and the error says so, with the flag to change and a way to export it later.
 */
export async function writeArchive(
  backupDir: string, manifest: Manifest, out: string | Writable, compression: Compression, signal?: AbortSignal, level?: number,
): Promise<void> {
  const cwd = path.dirname(backupDir);
  const entry = path.basename(backupDir);
  const packed = Readable.from(plainTar(backupDir, manifest), { objectMode: false });
  const compressor = createCompressor(compression, level ?? (compression === 'gzip' ? ARCHIVE_GZIP_LEVEL : undefined));
  const stream: Readable = compressor ? packed.pipe(compressor) : packed;
  if (compressor) packed.on('error', (err) => compressor.destroy(err));
  const failed = (err: unknown, target: string): MgBackupError => {
    // A damaged backup file: the archive is not written, and the backup is not "complete".
    if (err instanceof MgBackupError && err.kind === 'integrity') return err;
    if (signal?.aborted) return signal.reason instanceof MgBackupError ? signal.reason : fsError(err, 'write archive', target, '--archive');
    const e = fsError(err, 'write archive', target, '--archive');
    if (e.kind === 'interrupted') return e;
    return new MgBackupError(e.kind, `${e.message}; backup ${entry} itself is complete and stays in the repository`, {
      hints: [...(e.hints.length > 0 ? e.hints : ['free space or fix the --archive target, then export the backup again']),
        `to export it later: tar -C ${q(cwd)} -cf ARCHIVE.tar ${entry}`],
      cause: err,
    });
  };
  if (typeof out !== 'string') {
    try {
      await pipeline(stream, out, { signal, end: false });
    } catch (err) {
      throw failed(err, 'stdout');
    }
    return;
  }
  const tmp = `${out}.partial-${entry}`;
  try {
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await pipeline(stream, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) await fh.write(chunk);
      }, { signal });
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, out);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw failed(err, out);
  }
}
