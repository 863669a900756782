// How a backup file or an archived WAL file is stored (docs/repository-format.md, "Compression"): as
// Memgraph's bytes, or compressed in process (zstd by default, gzip) before any encryption, which is a
// backend decorator below the store. Manifests and WAL records keep `size` and `sha256` of the PLAIN
// content (what restore puts into a data directory) and add `stored` (compression, stored size, stored
// sha256) when the bytes on storage differ. Everything that consumes a backup file goes through the
// helpers here: `verify` checks the stored form, `verify --deep` and restore the plain content.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { fsError } from '../datadir/fs-errors.js';
import { createCompressor, createDecompressor, detectCompression, isCodecError, LEVEL_RANGE, DEFAULT_LEVEL, type Compression } from '../io/compression.js';
import { copyAndHash, type CopyOptions, type HashResult } from './checksum.js';

/** The stored form of a file whose bytes on storage are not its plain content. */
export interface StoredForm {
  compression: Exclude<Compression, 'none'>;
  /** Bytes on storage (before encryption, which the backend adds and removes). */
  size: number;
  sha256: string;
}

/** What create and watch write: `--repo-compression` and `--repo-compression-level`. */
export interface RepoCompression {
  codec: Compression;
  /** undefined: the codec's default (zstd 3, gzip 6). */
  level?: number;
}

/** zstd 3, as restic and pgBackRest compress by default: snapshots shrink several-fold at copy speed. */
export const DEFAULT_REPO_COMPRESSION: RepoCompression = { codec: 'zstd' };

/** The size and sha256 the storage holds for a described file: the stored form when there is one. */
export function storedOf(f: { size: number; sha256: string; stored?: StoredForm }): { size: number; sha256: string } {
  return f.stored ?? { size: f.size, sha256: f.sha256 };
}

/** Checks a `stored` field of a manifest entry or WAL record; returns a problem or undefined. */
export function storedProblem(s: unknown): string | undefined {
  if (s === undefined) return undefined;
  const o = s as Partial<StoredForm> | null;
  if (typeof o !== 'object' || o === null) return 'stored is not an object';
  if (o.compression !== 'zstd' && o.compression !== 'gzip') return `stored compression ${q(o.compression)} is not zstd or gzip`;
  if (!Number.isSafeInteger(o.size) || o.size! < 0) return 'bad stored size';
  if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) return 'bad stored sha256';
  return undefined;
}

/** A pass-through that hashes what flows (the plain side of a compressing copy). */
export function hashingTap(onBytes?: (n: number) => void): { tap: Transform; result: () => HashResult } {
  const hash: Hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  let digest: string | undefined;
  return { tap, result: () => ({ size, sha256: (digest ??= hash.digest('hex')) }) };
}

/**
 * `src` compressed by `c` as a stream, with the plain side hashed: `plain()` is valid once the stream
 * has ended. For 'none' the source itself (plain = stored; the caller hashes what it stores).
 */
export function compressing(src: Readable, c: RepoCompression, onBytes?: (n: number) => void): { body: Readable; plain: () => HashResult; compressed: boolean } {
  const compressor = createCompressor(c.codec, c.level);
  const { tap, result } = hashingTap(onBytes);
  if (compressor === undefined) {
    src.on('error', (err) => tap.destroy(err));
    return { body: src.pipe(tap), plain: result, compressed: false };
  }
  // Errors of either stage end the body, so the put consuming it fails and stores nothing.
  src.on('error', (err) => tap.destroy(err));
  tap.on('error', (err) => compressor.destroy(err));
  return { body: src.pipe(tap).pipe(compressor) as Readable, plain: result, compressed: true };
}

/** The plain content of a stored file's bytes (`stored` undefined: the bytes are plain already). */
export function plainStream(bytes: Readable, stored: StoredForm | undefined, where: string): Readable {
  if (stored === undefined) return bytes;
  const d = createDecompressor(stored.compression)!;
  bytes.on('error', (err) => d.destroy(err));
  const out = bytes.pipe(d);
  // A codec error is damage of the stored bytes: integrity (14), naming the file.
  const wrapped = new Transform({ transform(chunk, _e, done) { done(null, chunk); } });
  out.on('error', (err) => wrapped.destroy(isCodecError(err) ? damaged(where, `does not decompress (${(err as Error).message})`) : err));
  // A reader that stops early (a header read) closes the whole chain, the file descriptor too.
  wrapped.on('close', () => { d.destroy(); bytes.destroy(); });
  return out.pipe(wrapped);
}

/** The plain content of a local stored file, as a stream. */
export function openPlainFile(abs: string, stored: StoredForm | undefined, where = abs): Readable {
  return plainStream(fs.createReadStream(abs), stored, where);
}

export function damaged(where: string, why: string): MgBackupError {
  return new MgBackupError('integrity', `backup file ${q(where)} ${why}`, {
    hints: ['the backup is damaged; do not restore from it, or check the repository\'s disk', '"mgbackup verify --all" lists what else is damaged'],
    details: { file: where },
  });
}

/**
 * Writes the plain content of a stored file to `dest` (new file, 0600, fsynced) and checks it against
 * the plain size and sha256 it must have. Streams: memory stays bounded whatever the file's size.
 */
export async function writePlainCopy(src: Readable, stored: StoredForm | undefined, dest: string,
  want: { size: number; sha256: string }, where: string, signal?: AbortSignal): Promise<void> {
  const { tap, result } = hashingTap();
  const fh = await fsp.open(dest, 'wx', 0o600).catch((err: unknown) => { src.destroy(); throw fsError(err, 'create', dest); });
  try {
    await pipeline(plainStream(src, stored, where), tap, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) await fh.write(chunk);
    }, signal ? { signal } : {});
    await fh.sync();
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof MgBackupError ? signal.reason : err;
    if (err instanceof MgBackupError) throw err;
    throw fsError(err, 'write', dest);
  } finally {
    await fh.close().catch(() => {});
  }
  const got = result();
  if (got.size !== want.size || got.sha256 !== want.sha256) {
    throw damaged(where, `decompresses to ${got.size} bytes with sha256 ${got.sha256}, the manifest says ${want.size} bytes with sha256 ${want.sha256}`);
  }
}

/** Entries of a backup folder that may carry a stored form. */
interface FileEntry { path: string; size: number; sha256: string; stored?: StoredForm }

/**
 * The backup folder `dir` with every compressed file decompressed (checked against its plain sha256)
 * into a private temp folder, the others symlinked, and the entries without `stored`: for readers that
 * need random access to Memgraph's bytes (verify --deep, restore, point in time, convert). undefined
 * when no file is compressed. Bounded memory; the temp folder needs the plain size of the compressed
 * files. close() removes it.
 */
export async function plainView<F extends FileEntry>(dir: string, files: readonly F[],
  opts: { tmpDir?: string; signal?: AbortSignal; keep?: (f: F) => boolean } = {})
  : Promise<{ dir: string; files: F[]; close: () => Promise<void> } | undefined> {
  if (!files.some((f) => f.stored !== undefined && opts.keep?.(f) !== true)) return undefined;
  const tmp = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'mgbackup-plain-'));
  const close = () => fsp.rm(tmp, { recursive: true, force: true, maxRetries: 3 });
  try {
    const out: F[] = [];
    const made = new Set<string>();
    for (const f of files) {
      const dest = path.join(tmp, ...f.path.split('/'));
      const parent = path.dirname(dest);
      if (!made.has(parent)) {
        await fsp.mkdir(parent, { recursive: true, mode: 0o700 });
        made.add(parent);
      }
      const src = path.join(dir, ...f.path.split('/'));
      // Kept: a reader that streams it decompresses it itself (restore stages a snapshot that way).
      if (f.stored === undefined || opts.keep?.(f) === true) {
        await fsp.symlink(src, dest);
        out.push(f);
        continue;
      }
      // Missing is damage of the backup (14), named as restore's verification names it.
      const st = await fsp.stat(src).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(f.path, 'listed in the manifest is missing');
        throw fsError(err, 'read', src);
      });
      if (!st.isFile()) throw damaged(f.path, 'is not a file');
      await writePlainCopy(fs.createReadStream(src), f.stored, dest, f, f.path, opts.signal);
      const { stored: _s, ...plain } = f;
      out.push(plain as F);
    }
    return { dir: tmp, files: out, close };
  } catch (err) {
    await close().catch(() => {});
    if (err instanceof MgBackupError) throw err;
    throw fsError(err, 'read', dir);
  }
}

/** --repo-compression and --repo-compression-level as typed, checked. */
export function repoCompressionFrom(codecRaw: unknown, levelRaw: unknown): RepoCompression {
  const codec = codecRaw === undefined ? DEFAULT_REPO_COMPRESSION.codec : String(codecRaw);
  if (codec !== 'zstd' && codec !== 'gzip' && codec !== 'none') {
    throw new UsageError(`--repo-compression ${q(codec)} is not zstd, gzip or none`, { hints: ['zstd (the default) is fast and compresses snapshots well; none stores Memgraph\'s bytes as they are'] });
  }
  if (levelRaw === undefined) return { codec };
  const typed = String(levelRaw);
  if (codec === 'none') {
    throw new UsageError(`--repo-compression-level ${q(typed)} needs compression: --repo-compression is none`, { hints: ['drop --repo-compression-level, or choose --repo-compression zstd|gzip'] });
  }
  const level = typed.trim() === '' ? NaN : Number(typed);
  const [lo, hi] = LEVEL_RANGE[codec];
  if (!Number.isInteger(level) || level < lo || level > hi) {
    throw new UsageError(`--repo-compression-level ${q(typed)} is not valid for ${codec}`, { hints: [`${codec} takes a whole number from ${lo} to ${hi} (default ${DEFAULT_LEVEL[codec]})`] });
  }
  return { codec, level };
}

/**
 * Random reads (a durability header's ReadAt) over the plain content of a stored file, read forward:
 * a read before the current position reopens the stream. Memory: one chunk plus the bytes asked for.
 */
export function forwardReadAt(open: () => Readable): { readAt: (start: number, length: number) => Promise<Buffer>; close: () => void } {
  let it: AsyncIterator<Buffer> | undefined;
  let stream: Readable | undefined;
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = 0;
  let ended = false;
  const reset = () => {
    stream?.destroy();
    stream = open();
    it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    buf = Buffer.alloc(0);
    bufStart = 0;
    ended = false;
  };
  const readAt = async (start: number, length: number): Promise<Buffer> => {
    if (it === undefined || start < bufStart) reset();
    while (!ended && bufStart + buf.length < start + length) {
      const next = await it!.next();
      if (next.done) { ended = true; break; }
      buf = buf.length === 0 ? next.value : Buffer.concat([buf, next.value]);
      // Bytes before the asked range are never needed again (reads go forward; an earlier one reopens).
      if (start > bufStart) {
        const drop = Math.min(start - bufStart, buf.length);
        buf = buf.subarray(drop);
        bufStart += drop;
      }
    }
    const from = Math.max(0, start - bufStart);
    return Buffer.from(buf.subarray(from, from + length));
  };
  return { readAt, close: () => stream?.destroy() };
}

/**
 * Copies `src` into the new file `dest` as `c` says, hashing both sides in the same pass: the plain
 * content (for the manifest's size and sha256) and, when compressed, the stored bytes (its `stored`).
 */
export async function copyStored(src: Readable, dest: string, c: RepoCompression, opts: CopyOptions = {}): Promise<{ plain: HashResult; stored?: StoredForm }> {
  if (c.codec === 'none') return { plain: await copyAndHash(src, dest, opts) };
  const x = compressing(src, c, opts.onBytes);
  const r = await copyAndHash(x.body, dest, { ...(opts.mode !== undefined ? { mode: opts.mode } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  return { plain: x.plain(), stored: { compression: c.codec, size: r.size, sha256: r.sha256 } };
}

/**
 * Files given by name (convert SNAPSHOT [WAL…]): a file that starts with a zstd or gzip frame (a
 * compressed repository file, opened by path) is decompressed into a private temp folder first, so
 * that readers with random access get Memgraph's bytes. The frames carry their own checksum (zstd's
 * content checksum, gzip's CRC), so damage fails here. Others are returned as given.
 */
export async function plainInputs(files: readonly string[], tmpDir = os.tmpdir()): Promise<{ files: string[]; close: () => Promise<void> }> {
  let tmp: string | undefined;
  const close = async () => { if (tmp !== undefined) await fsp.rm(tmp, { recursive: true, force: true }); };
  try {
    const out: string[] = [];
    for (const [i, file] of files.entries()) {
      let head = Buffer.alloc(0);
      try {
        const fh = await fsp.open(file, 'r');
        try {
          const buf = Buffer.alloc(4);
          head = buf.subarray(0, (await fh.read(buf, 0, 4, 0)).bytesRead);
        } finally {
          await fh.close();
        }
      } catch {
        out.push(file); // missing or unreadable: the reader reports it as before
        continue;
      }
      const c = detectCompression(head);
      if (c === 'none') {
        out.push(file);
        continue;
      }
      tmp ??= await fsp.mkdtemp(path.join(tmpDir, 'mgbackup-plain-'));
      const dest = path.join(tmp, `${i}-${path.basename(file)}`);
      const fh = await fsp.open(dest, 'wx', 0o600);
      try {
        await pipeline(plainStream(fs.createReadStream(file), { compression: c, size: 0, sha256: '' }, file), async (source: AsyncIterable<Buffer>) => {
          for await (const chunk of source) await fh.write(chunk);
        });
      } finally {
        await fh.close();
      }
      out.push(dest);
    }
    return { files: out, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
