// Compressed streams for dumps, archives and repository files, in process: gzip and zstd both come from
// node:zlib (zstd since Node 22.15), so no external binary is needed and a missing one can neither hang
// nor crash us. Compression runs on every core (parallel-compress.ts).
// Readers sniff the magic bytes instead of trusting the name, so `load - < x.gz` works too.
import os from 'node:os';
import { Readable, pipeline, type Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { MgBackupError, CorruptFileError, UsageError, q } from '../errors/errors.js';
import { ParallelCompress, type ParallelOptions } from './parallel-compress.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

/** zstd 3 is zstd's own default (fast, and far better than gzip); gzip 6 is gzip's. */
export const DEFAULT_LEVEL: Readonly<Record<Exclude<Compression, 'none'>, number>> = { gzip: 6, zstd: 3 };

/** The levels each library accepts (zstd's negative "fast" levels are left out on purpose). */
export const LEVEL_RANGE: Readonly<Record<Exclude<Compression, 'none'>, readonly [number, number]>> = {
  gzip: [1, 9],
  zstd: [1, 19],
};

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

/** Checks a user-given level against the range of `c`; the usage error quotes what was typed. */
export function checkLevel(c: Compression, level: number | undefined, typed = String(level), dflt?: number): number | undefined {
  if (c === 'none' || level === undefined) return undefined;
  const [lo, hi] = LEVEL_RANGE[c];
  if (!Number.isInteger(level) || level < lo || level > hi) {
    throw new UsageError(`compression level ${q(typed)} is not valid for ${c}`, { hints: [`${c} takes a whole number from ${lo} to ${hi} (default ${dflt ?? DEFAULT_LEVEL[c]})`] });
  }
  return level;
}

/** The --compress-level flag as typed (a string, so a bad value is quoted as typed, never as NaN),
 *  checked against the compression it applies to. undefined = the default level. */
export function levelFlag(raw: unknown, c: Compression, whyNone: string, hint: string, dflt?: number): number | undefined {
  if (raw === undefined) return undefined;
  const typed = String(raw);
  if (c === 'none') throw new UsageError(`--compress-level ${q(typed)} needs compressed output: ${whyNone}`, { hints: [hint] });
  return checkLevel(c, typed.trim() === '' ? NaN : Number(typed), typed, dflt);
}

// Typed as optional: the Node types describe 24, but an install on an older Node must get a message,
// not "createZstdCompress is not a function".
const zstdApi = zlib as Partial<Pick<typeof zlib, 'createZstdCompress' | 'createZstdDecompress'>>;

function requireZstd(): Required<typeof zstdApi> {
  if (typeof zstdApi.createZstdCompress !== 'function' || typeof zstdApi.createZstdDecompress !== 'function') {
    throw new MgBackupError('notFound', `zstd needs Node.js 22.15 or later (this is ${q(process.version)})`, {
      hints: ['upgrade Node.js (24 LTS recommended), or use .gz / no compression'],
    });
  }
  return zstdApi as Required<typeof zstdApi>;
}

/** How the input is cut and compressed on every core (parallel-compress.ts). Measured with
 *  scripts/bench/compress.ts on 2 cores: 4 MiB blocks keep zstd 3's ratio (its window is 2 MiB; 8 MiB
 *  blocks were no faster); one block more in flight than cores keeps both busy while a finished frame
 *  waits for the one before it (0.86-0.97x of zstd -T0 against 0.84-0.87x with one per core); 1 MiB
 *  output chunks mean few thread-pool round trips (15-30% less CPU than 256 KiB on poorly compressible
 *  bytes, where the output is large). */
export interface CompressTuning extends ParallelOptions {
  /** node:zlib's output buffer per engine call. */
  chunkSize: number;
}

export const BLOCK_SIZE = 4 << 20;

/** Cores + 1 blocks in flight, but one thread of libuv's pool (UV_THREADPOOL_SIZE, 4 by default) left for
 *  file reads and writes: blocks beyond the pool would only queue, and the reads feeding them behind them.
 *  Memory: the blocks in flight with their frames and the one being gathered, 3 + 1 of 4 MiB on 2 cores. */
export function defaultTuning(): CompressTuning {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return { blockSize: BLOCK_SIZE, inFlight: Math.max(1, Math.min(os.availableParallelism() + 1, pool - 1)), chunkSize: 1 << 20 };
}

/** A compressing transform, or undefined for 'none'. zstd frames carry a content checksum (as the zstd
 *  CLI writes them), so a damaged file is caught on reading rather than loaded as garbage. Both codecs
 *  run on every core: an input longer than one block becomes several zstd frames or gzip members, one
 *  stream for every reader (see parallel-compress.ts); `oneFrame` keeps one frame on one core (dumps,
 *  below). The rest of `tuning` is for tests and benchmarks. */
export function createCompressor(c: Compression, level?: number, tuning?: Partial<CompressTuning> & { oneFrame?: boolean }): Duplex | undefined {
  if (c === 'none') return undefined;
  const { chunkSize, oneFrame, ...parallel } = { ...defaultTuning(), ...tuning };
  const engine = engineFor(c, level, chunkSize);
  // One frame (one gzip member) on one core for dumps: frames concatenated are a valid stream, so a dump
  // cut exactly between two would read as a shorter, clean dump, and a dump has no manifest or sha256
  // to catch that; repository files and archives do.
  return oneFrame === true ? engine() : new ParallelCompress(engine, parallel);
}

/** A new node:zlib compressor of `c` for each call: one per frame (block) when compressing in parallel. */
function engineFor(c: Exclude<Compression, 'none'>, level: number | undefined, chunkSize: number): () => Duplex {
  if (c === 'gzip') {
    const opts = { level: level ?? DEFAULT_LEVEL.gzip, chunkSize };
    return () => zlib.createGzip(opts);
  }
  const { createZstdCompress } = requireZstd();
  const params = {
    [zlib.constants.ZSTD_c_compressionLevel]: level ?? DEFAULT_LEVEL.zstd,
    [zlib.constants.ZSTD_c_checksumFlag]: 1,
  };
  return () => createZstdCompress({ params, chunkSize });
}

export function createDecompressor(c: Compression): Duplex | undefined {
  if (c === 'gzip') return zlib.createGunzip();
  if (c === 'zstd') return requireZstd().createZstdDecompress();
  return undefined;
}

/** zlib's errors for a damaged or truncated .gz/.zst (codes Z_* and ZSTD_error_*), as an integrity error. */
export function classifyInputError(err: unknown, source: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = err as NodeJS.ErrnoException;
  if (isCodecError(err)) {
    return new CorruptFileError(`compressed input ${q(source)} is truncated or corrupt (${e.message})`, 0, {
      hints: ['check the file was copied completely; a load can continue later with --resume-from'],
    });
  }
  return new MgBackupError('io', `cannot read ${q(source)}: ${e?.message ?? String(err)}`, { cause: err });
}

/** True for an error raised by zlib's gzip or zstd codec on bad input. */
export function isCodecError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ZSTD_error_'));
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
