// A complete in-memory data directory: the fake that core tests drive instead of a disk. It keeps the
// same rules as the real ones (relative paths, server-path translation, pins that outlive deletes).
// Pins share the stored Buffer, which is never mutated in place: that is what a hardlink gives.
import path from 'node:path';
import { Readable } from 'node:stream';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import {
  type DataDir, type DataDirEntry, type PinOptions, type PinSet, type PinnedFile, type ReadRange,
  DEFAULT_SERVER_DATA_DIR, checkRel, looksLikeMemgraph, notMemgraphError, translateServerPath,
} from './data-dir.js';

interface MemFile {
  data: Buffer;
  mtimeMs: number;
}

export class MemoryDataDir implements DataDir {
  readonly description: string;
  private readonly files = new Map<string, MemFile>();
  private readonly dirs = new Set<string>(['']);
  /** Set to make the directory look absent (for error tests). */
  missing = false;

  constructor(readonly serverRoot: string = DEFAULT_SERVER_DATA_DIR, name = 'memory') {
    this.description = `data directory ${q(name)}`;
  }

  async check(): Promise<void> {
    if (this.missing) throw new MgBackupError('notFound', `${this.description} does not exist`);
    const names = (await this.list('')).map((e) => e.name);
    if (!looksLikeMemgraph(names)) throw notMemgraphError(this.description);
  }

  fromServerPath(serverPath: string): string {
    return translateServerPath(serverPath, this.serverRoot, '--server-data-dir');
  }

  async list(dir: string): Promise<DataDirEntry[]> {
    const d = checkRel(dir);
    if (!this.dirs.has(d)) return [];
    const prefix = d === '' ? '' : d + '/';
    const out: DataDirEntry[] = [];
    for (const sub of this.dirs) {
      if (sub !== d && sub.startsWith(prefix) && !sub.slice(prefix.length).includes('/')) out.push(this.entry(sub)!);
    }
    for (const f of this.files.keys()) {
      if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) out.push(this.entry(f)!);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private entry(rel: string): DataDirEntry | undefined {
    const f = this.files.get(rel);
    if (f) return { name: path.posix.basename(rel), path: rel, type: 'file', size: f.data.length, mtimeMs: f.mtimeMs };
    if (this.dirs.has(rel)) return { name: path.posix.basename(rel), path: rel, type: 'dir', size: 0, mtimeMs: 0 };
    return undefined;
  }

  async stat(rel: string): Promise<DataDirEntry | undefined> {
    return this.entry(checkRel(rel));
  }

  async read(rel: string, range: ReadRange = {}): Promise<Readable> {
    const f = this.files.get(checkRel(rel));
    if (!f) throw new MgBackupError('notFound', `cannot read ${q(rel)}: it does not exist in ${this.description}`);
    return Readable.from([f.data.subarray(range.start ?? 0, range.end ?? f.data.length)]);
  }

  async pin(paths: string[], opts: PinOptions): Promise<PinSet> {
    const files: PinnedFile[] = [];
    for (const rel of paths) {
      throwIfAborted(opts.signal);
      const f = this.files.get(checkRel(rel));
      if (!f) throw new MgBackupError('notFound', `cannot pin ${q(rel)}: it does not exist in ${this.description}`);
      const data = f.data;
      files.push({
        path: rel,
        size: data.length,
        method: 'hardlink',
        open: async (r = {}) => Readable.from([data.subarray(r.start ?? 0, Math.min(r.end ?? data.length, data.length))]),
      });
    }
    return { files, where: 'memory', release: async () => {} };
  }

  async write(rel: string, data: Buffer): Promise<void> {
    const clean = checkRel(rel);
    this.addDirs(path.posix.dirname(clean));
    this.files.set(clean, { data: Buffer.from(data), mtimeMs: Date.now() });
  }

  /** Appends (a WAL being written); replaces the Buffer so that pins keep their old bytes. */
  append(rel: string, data: Buffer): void {
    const clean = checkRel(rel);
    const old = this.files.get(clean);
    this.addDirs(path.posix.dirname(clean));
    this.files.set(clean, { data: Buffer.concat([old?.data ?? Buffer.alloc(0), data]), mtimeMs: Date.now() });
  }

  async mkdir(rel: string): Promise<void> {
    this.addDirs(checkRel(rel));
  }

  private addDirs(rel: string): void {
    const parts = rel === '.' ? [] : rel.split('/').filter((p) => p !== '');
    for (let i = 1; i <= parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
  }

  async remove(rel: string): Promise<void> {
    const clean = checkRel(rel);
    this.files.delete(clean);
    for (const key of [...this.files.keys()]) if (key.startsWith(clean + '/')) this.files.delete(key);
    for (const d of [...this.dirs]) if (d === clean || d.startsWith(clean + '/')) this.dirs.delete(d);
    this.dirs.add('');
  }

  /** Synchronous rename, as Memgraph's WAL finalize does. */
  rename(from: string, to: string): void {
    const f = this.files.get(checkRel(from));
    if (!f) throw new Error(`no such file ${from}`);
    this.files.delete(from);
    this.files.set(checkRel(to), f);
  }
}
