// A repository in a local folder (or a mounted filesystem). Objects are files; a put is written to
// .tmp/ first, fsynced, then renamed (or, for putIfAbsent, hard-linked, which fails atomically when
// the key exists), so a crash leaves only .tmp/ debris that no listing shows.
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { errnoOf, fsError } from '../datadir/fs-errors.js';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import { fsyncDir } from '../store/checksum.js';
import { checkKey, compareKeys, type GetRange, type ObjectInfo, type PutOptions, type PutResult, type RepoBackend } from './repo-backend.js';

/** Bytes gathered before one writev. */
const WRITE_BATCH = 1 << 20;

/** Where puts are assembled; never a key of the repository. */
export const LOCAL_TMP_DIR = '.tmp';

export class LocalBackend implements RepoBackend {
  readonly kind = 'local' as const;
  readonly root: string;

  constructor(root: string, readonly location: string = root) {
    this.root = path.resolve(root);
  }

  localPath(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  private async mkdirs(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Writes body to a private temp file, fsynced; returns its path, size and hash (unless `digest` is
   * false). Pieces already buffered are written together, up to 1 MiB in one writev: an encrypted body
   * comes as a 64 KiB ciphertext and a 16-byte tag per chunk, and a write call each doubled the calls.
   */
  private async writeTemp(body: Readable | Uint8Array, signal?: AbortSignal, digest = true): Promise<{ tmp: string } & PutResult> {
    const tmpDir = path.join(this.root, LOCAL_TMP_DIR);
    await this.mkdirs(tmpDir);
    const tmp = path.join(tmpDir, randomBytes(8).toString('hex'));
    const fh = await fsp.open(tmp, 'wx', 0o600);
    const hash = digest ? createHash('sha256') : undefined;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      let bufs = pending;
      pending = [];
      pendingBytes = 0;
      while (bufs.length > 0) {
        let { bytesWritten } = await fh.writev(bufs);
        // A short write (a full disk raises ENOSPC instead; signals may cut one short): go on from there.
        while (bufs.length > 0 && bytesWritten >= bufs[0]!.length) bytesWritten -= bufs.shift()!.length;
        if (bufs.length > 0 && bytesWritten > 0) bufs[0] = bufs[0]!.subarray(bytesWritten);
      }
    };
    try {
      const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = body instanceof Uint8Array ? [body] : body;
      for await (const chunk of chunks) {
        throwIfAborted(signal);
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        hash?.update(buf);
        size += buf.length;
        pending.push(buf);
        pendingBytes += buf.length;
        // Written at once when nothing more is buffered (a slow source, a stalled download: what arrived is on
        // disk), else gathered up to the batch.
        const more = body instanceof Readable && body.readableLength > 0;
        if (!more || pendingBytes >= WRITE_BATCH || pending.length >= 512) await flush();
      }
      await flush();
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    await fh.close();
    return { tmp, size, sha256: hash?.digest('hex') ?? '' };
  }

  async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const dest = this.localPath(key);
    let tmp: string | undefined;
    try {
      const written = await this.writeTemp(body, opts.signal, opts.digest);
      tmp = written.tmp;
      await this.mkdirs(path.dirname(dest));
      await fsp.rename(tmp, dest);
      tmp = undefined;
      await fsyncDir(path.dirname(dest));
      return { size: written.size, sha256: written.sha256 };
    } catch (err) {
      if (tmp !== undefined) await fsp.rm(tmp, { force: true }).catch(() => {});
      throw fsError(err, 'write', dest, '--repo');
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const dest = this.localPath(key);
    let tmp: string | undefined;
    try {
      tmp = (await this.writeTemp(body)).tmp;
      await this.mkdirs(path.dirname(dest));
      try {
        await fsp.link(tmp, dest);
      } catch (err) {
        if (errnoOf(err) === 'EEXIST') return false;
        throw err;
      }
      await fsyncDir(path.dirname(dest));
      return true;
    } catch (err) {
      throw fsError(err, 'write', dest, '--repo');
    } finally {
      if (tmp !== undefined) await fsp.rm(tmp, { force: true }).catch(() => {});
    }
  }

  async get(key: string, range: GetRange = {}): Promise<Readable> {
    const file = this.localPath(key);
    try {
      const fh = await fsp.open(file, 'r');
      if (range.end !== undefined && range.end <= (range.start ?? 0)) {
        await fh.close();
        return Readable.from([]);
      }
      // The stream owns the handle and closes it once (closing the fd twice could close a reused one).
      return fh.createReadStream({ start: range.start ?? 0, end: range.end === undefined ? undefined : range.end - 1 });
    } catch (err) {
      throw this.missing(err, key, file);
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const file = this.localPath(key);
    try {
      return await fsp.readFile(file);
    } catch (err) {
      throw this.missing(err, key, file);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const file = this.localPath(key);
    try {
      const st = await fsp.stat(file);
      return st.isFile() ? { key, size: st.size, mtimeMs: st.mtimeMs } : undefined;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw fsError(err, 'read', file, '--repo');
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the folder that holds the prefix; keys are compared as strings below it.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    if (base !== '') checkKey(base);
    yield* this.walk(base, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    const dir = dirKey === '' ? this.root : this.localPath(dirKey);
    // Children of a folder sort after "name/" but keys are compared whole: gather, then order. Only the
    // keys are kept (a folder's with its trailing "/"), read through opendir in small chunks: a folder
    // of 100,000 files costs its names, not a native array of 100,000 directory entries besides. The
    // entry types come with the names (d_type; Node falls back to lstat where a filesystem lacks it).
    const entries: string[] = [];
    try {
      for await (const d of await fsp.opendir(dir, { bufferSize: 128 })) {
        const key = dirKey === '' ? d.name : `${dirKey}/${d.name}`;
        if (key === LOCAL_TMP_DIR) continue;
        if (!key.startsWith(prefix) && !prefix.startsWith(key + '/')) continue;
        // The name alone: within one folder it orders like the whole key, at half the memory.
        if (d.isDirectory()) entries.push(d.name + '/');
        else if (d.isFile()) entries.push(d.name);
      }
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
      throw fsError(err, 'list', dir, '--repo');
    }
    entries.sort(compareKeys);
    // Sizes and times are read a window ahead, in parallel, and yielded in order; an object deleted
    // before its stat is left out, as before.
    const WINDOW = 64;
    const isDir = (name: string) => name.endsWith('/');
    const keyOf = (name: string) => (dirKey === '' ? name : `${dirKey}/${name}`);
    for (let i = 0; i < entries.length;) {
      const e = entries[i]!;
      if (isDir(e)) {
        yield* this.walk(keyOf(e.slice(0, -1)), prefix);
        i++;
        continue;
      }
      let j = i;
      while (j < entries.length && j - i < WINDOW && !isDir(entries[j]!)) j++;
      const batch = entries.slice(i, j);
      const stats = await Promise.all(batch.map((name) => fsp.stat(path.join(dir, name)).catch(() => undefined)));
      for (let k = 0; k < batch.length; k++) {
        const st = stats[k];
        if (st !== undefined) yield { key: keyOf(batch[k]!), size: st.size, mtimeMs: st.mtimeMs };
      }
      i = j;
    }
  }

  /** Deletes every key (no order among them), then makes the deletions durable once per folder. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    const files = keys.map((k) => this.localPath(k));
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        try {
          await fsp.unlink(file); // not rm: its lstat first doubled the cost of a large prune
        } catch (err) {
          if (errnoOf(err) !== 'ENOENT') throw fsError(err, 'delete', file, '--repo');
        }
        dirs.add(path.dirname(file));
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, files.length) }, worker));
    for (const d of dirs) await fsyncDir(d).catch(() => {});
  }

  async delete(key: string): Promise<void> {
    const file = this.localPath(key);
    try {
      await fsp.rm(file, { force: true });
      await fsyncDir(path.dirname(file)).catch(() => {});
    } catch (err) {
      throw fsError(err, 'delete', file, '--repo');
    }
  }

  private missing(err: unknown, key: string, file: string): MgBackupError {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      return new MgBackupError('notFound', `object ${q(key)} is missing from repository ${q(this.location)}`, {
        details: { key, path: file },
      });
    }
    return fsError(err, 'read', file, '--repo');
  }
}

/** For tests and small callers: a whole readable body from bytes. */
export function bodyOf(bytes: Uint8Array): Readable {
  return Readable.from([bytes]);
}
