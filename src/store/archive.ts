// Single-file export of a published backup: tar, tar.gz (Node zlib) or tar.zst (the system `zstd`
// binary: Node 20 has no zstd, and zstd is 5-20x faster than gzip on snapshots, toolchain.md §8).
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { fsError } from '../datadir/fs-errors.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export function compressionFor(target: string): Compression {
  if (target === '-' || target.endsWith('.tar')) return 'none';
  if (target.endsWith('.tar.gz') || target.endsWith('.tgz')) return 'gzip';
  if (target.endsWith('.tar.zst') || target.endsWith('.tzst')) return 'zstd';
  throw new UsageError(`archive name ${q(target)} must end in .tar, .tar.gz or .tar.zst (or be - for stdout)`);
}

function zstdStream(input: Readable, signal?: AbortSignal): Readable {
  const child = spawn('zstd', ['-3', '-T0', '-q', '-c'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (err) => {
    const code = (err as NodeJS.ErrnoException).code;
    out.destroy(code === 'ENOENT'
      ? new MgBackupError('notFound', 'the zstd program is not installed, needed for .tar.zst archives', {
        hints: ['install it (apt-get install -y zstd) or choose .tar / .tar.gz'],
      })
      : err);
  });
  child.on('close', (code) => {
    if (code !== 0 && code !== null) out.destroy(new MgBackupError('io', `zstd exited with code ${code}: ${stderr.trim()}`));
  });
  input.on('error', (e) => child.stdin.destroy(e));
  input.pipe(child.stdin);
  child.stdout.pipe(out);
  return out;
}

/**
 * Streams `<backup id>/...` as an archive into `out` (a file path, written via a temp name, or a stream).
 * Only a published backup is archived, so when the archive fails the backup itself is complete and
 * valid: it stays in the repository (removing it would lose a good backup for want of a second copy),
 * and the error says so, with the flag to change and a way to export it later.
 */
export async function writeArchive(
  backupDir: string, out: string | Writable, compression: Compression, signal?: AbortSignal,
): Promise<void> {
  const cwd = path.dirname(backupDir);
  const entry = path.basename(backupDir);
  const packed = tar.c({ cwd, portable: true, gzip: compression === 'gzip' ? { level: 1 } : undefined }, [entry]) as unknown as Readable;
  const stream = compression === 'zstd' ? zstdStream(packed, signal) : packed;
  const failed = (err: unknown, target: string): MgBackupError => {
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
