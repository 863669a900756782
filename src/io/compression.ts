// Compressed streams for dump files. gzip uses Node's zlib; zstd spawns the system `zstd` binary,
// because Node 20 has no zstd in zlib and the bindings build from source at install time.
// Readers sniff the magic bytes instead of trusting the name, so `load - < x.gz` works too.
import { spawn } from 'node:child_process';
import { Duplex, Readable, pipeline } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { MgBackupError, CorruptFileError, q } from '../errors/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

/** By file name: `.gz` → gzip, `.zst`/`.zstd` → zstd, anything else → none. */
export function compressionForPath(path: string): Compression {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zstd?$/i.test(path)) return 'zstd';
  return 'none';
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** By content: needs the first 4 bytes (fewer only at end of input). */
export function detectCompression(head: Uint8Array): Compression {
  const starts = (magic: number[]) => head.length >= magic.length && magic.every((b, i) => head[i] === b);
  if (starts(GZIP_MAGIC)) return 'gzip';
  if (starts(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** A child process used as a transform: bytes in on stdin, bytes out on stdout. A missing binary or a
 *  non-zero exit becomes a typed error on the stream, so a pipeline fails instead of ending short. */
function spawnFilter(command: string, args: string[], role: string): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => { if (stderr.length < 2000) stderr += s; });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stdoutEnded = false;
  let failed = false;

  const duplex = new Duplex({
    write(chunk, _enc, cb) {
      if (child.stdin.write(chunk)) cb();
      else child.stdin.once('drain', () => cb());
    },
    final(cb) {
      child.stdin.end(cb);
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, cb) {
      if (exit === undefined) child.kill('SIGTERM');
      cb(err);
    },
  });
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    duplex.destroy(err);
  };
  const finishIfDone = () => {
    if (!stdoutEnded || exit === undefined || failed) return;
    if (exit.code === 0) duplex.push(null);
    else fail(new MgBackupError(role === 'decompress' ? 'integrity' : 'io',
      `${command} ${role === 'decompress' ? 'could not decompress the input' : 'failed'} (exit ${exit.code ?? exit.signal}): ${stderr.trim().split('\n')[0] ?? ''}`,
      { hints: role === 'decompress' ? ['the file is truncated or not a zstd file'] : [] }));
  };
  child.stdout.on('data', (d: Buffer) => { if (!duplex.push(d)) child.stdout.pause(); });
  child.stdout.on('end', () => { stdoutEnded = true; finishIfDone(); });
  child.on('close', (code, signal) => { exit = { code, signal }; finishIfDone(); });
  child.on('error', (err: NodeJS.ErrnoException) => {
    fail(err.code === 'ENOENT'
      ? new MgBackupError('notFound', `cannot run ${q(command)}: not installed`, {
          hints: ['install zstd (e.g. apt-get install zstd), or use .gz / no compression'],
        })
      : new MgBackupError('io', `cannot run ${q(command)}: ${err.message}`));
  });
  // EPIPE on stdin when zstd died early: the exit code tells the real story.
  child.stdin.on('error', () => {});
  return duplex;
}

export function createCompressor(c: Compression): Duplex | undefined {
  if (c === 'gzip') return createGzip({ level: 6 });
  if (c === 'zstd') return spawnFilter('zstd', ['-q', '-c', '-3', '-T1'], 'compress');
  return undefined;
}

export function createDecompressor(c: Compression): Duplex | undefined {
  if (c === 'gzip') return createGunzip();
  if (c === 'zstd') return spawnFilter('zstd', ['-q', '-d', '-c'], 'decompress');
  return undefined;
}

/** zlib's errors for a damaged or truncated .gz, as an integrity error. */
export function classifyInputError(err: unknown, source: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new CorruptFileError(`compressed input ${q(source)} is truncated or corrupt (${e.message})`, 0, {
      hints: ['check the file was copied completely; a load can continue later with --resume-from'],
    });
  }
  return new MgBackupError('io', `cannot read ${q(source)}: ${e?.message ?? String(err)}`, { cause: err });
}

/** The decompressed bytes of `src`, whatever compression its first bytes announce. */
export async function decompressed(src: Readable, source: string): Promise<Readable> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 4) {
    const next = await it.next().catch((err: unknown) => { throw classifyInputError(err, source); });
    if (next.done) { done = true; break; }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headLen += chunk.length;
  }
  const first = Buffer.concat(head);
  const rest = Readable.from((async function* () {
    if (first.length) yield first;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  })(), { objectMode: false });
  const d = createDecompressor(detectCompression(first));
  if (!d) return rest;
  pipeline(rest, d, () => {});
  return d;
}
