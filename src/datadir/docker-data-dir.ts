// A data directory inside a Docker container, reached through the Engine API only (no docker CLI).
// Paths are container paths: the data-dir root is the server's own --data-directory. Hardlinks cannot
// be made through the API, so pin copies the files out while the lock is held (create says so).
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import {
  type DataDir, type DataDirEntry, type EntryType, type PinOptions, type PinSet, type PinnedFile, type ReadRange,
  DEFAULT_SERVER_DATA_DIR, checkRel, looksLikeMemgraph, notMemgraphError, translateServerPath,
} from './data-dir.js';
import { DockerApi, apiError, endpointFromEnv, readAll } from './docker-api.js';
import { fsError } from './fs-errors.js';
import { copyAndHash } from '../store/checksum.js';

// Go's os.FileMode type bits, as the archive stat header carries them.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;

interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
}

export class DockerDataDir implements DataDir {
  readonly description: string;

  private constructor(private readonly api: DockerApi, readonly container: string, private readonly id: string, readonly root: string) {
    this.description = `data directory ${q(root)} in container ${q(container)}`;
  }

  static async open(container: string, opts: { env: NodeJS.ProcessEnv; serverRoot?: string; api?: DockerApi }): Promise<DockerDataDir> {
    const api = opts.api ?? new DockerApi(endpointFromEnv(opts.env));
    const res = await api.json<{ Id: string; message?: string }>('GET', `/containers/${encodeURIComponent(container)}/json`);
    if (res.status === 404) {
      throw new MgBackupError('notFound', `container ${q(container)} does not exist`, { hints: ['check the name with `docker ps`'] });
    }
    if (res.status !== 200) throw apiError(res.status, res.data, `inspect container ${q(container)}`);
    return new DockerDataDir(api, container, res.data.Id, (opts.serverRoot ?? DEFAULT_SERVER_DATA_DIR).replace(/\/+$/, ''));
  }

  private abs(rel: string): string {
    const clean = checkRel(rel);
    return clean === '' ? this.root : `${this.root}/${clean}`;
  }

  private archiveUrl(abs: string): string {
    return `/containers/${encodeURIComponent(this.id)}/archive?path=${encodeURIComponent(abs)}`;
  }

  async check(): Promise<void> {
    const st = await this.stat('');
    if (!st) {
      throw new MgBackupError('notFound', `${this.description} does not exist`, {
        hints: ['pass --server-data-dir with the --data-directory Memgraph uses in the container'],
      });
    }
    if (!looksLikeMemgraph((await this.list('')).map((e) => e.name))) throw notMemgraphError(this.description);
  }

  fromServerPath(serverPath: string): string {
    return translateServerPath(serverPath, this.root, '--server-data-dir');
  }

  async stat(rel: string): Promise<DataDirEntry | undefined> {
    const clean = checkRel(rel);
    const res = await this.api.request('HEAD', this.archiveUrl(this.abs(clean)));
    res.body.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw apiError(res.status, undefined, `stat ${q(this.abs(clean))}`);
    const header = res.headers['x-docker-container-path-stat'];
    const st = JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')) as PathStat;
    const type: EntryType = st.mode & MODE_DIR ? 'dir' : st.mode & MODE_SYMLINK ? 'symlink' : 'file';
    return { name: path.posix.basename(clean), path: clean, type, size: st.size, mtimeMs: Date.parse(st.mtime) };
  }

  async list(dir: string): Promise<DataDirEntry[]> {
    const clean = checkRel(dir);
    const r = await this.api.exec(this.id, ['find', this.abs(clean), '-mindepth', '1', '-maxdepth', '1', '-printf', '%y %s %T@ %f\\0']);
    if (r.exitCode !== 0) {
      if (/No such file/.test(r.stderr)) return [];
      throw new MgBackupError('io', `cannot list ${q(this.abs(clean))} in container ${q(this.container)}: ${r.stderr.trim()}`);
    }
    const out: DataDirEntry[] = [];
    for (const rec of r.stdout.toString('utf8').split('\0')) {
      const m = /^(\S) (\d+) ([\d.]+) (.+)$/s.exec(rec);
      if (!m) continue;
      const type: EntryType = m[1] === 'f' ? 'file' : m[1] === 'd' ? 'dir' : m[1] === 'l' ? 'symlink' : 'other';
      out.push({ name: m[4]!, path: clean === '' ? m[4]! : `${clean}/${m[4]}`, type, size: Number(m[2]), mtimeMs: Number(m[3]) * 1000 });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(rel: string, range: ReadRange = {}): Promise<Readable> {
    const abs = this.abs(rel);
    const res = await this.api.request('GET', this.archiveUrl(abs));
    if (res.status !== 200) {
      const body = await readAll(res.body);
      throw apiError(res.status, safeJson(body), `read ${q(abs)}`);
    }
    return firstEntry(res.body, range, abs);
  }

  async pin(paths: string[], opts: PinOptions): Promise<PinSet> {
    const files: PinnedFile[] = [];
    const release = async () => {
      await fsp.rm(opts.stagingDir, { recursive: true, force: true });
    };
    try {
      for (const rel of paths) {
        throwIfAborted(opts.signal);
        const dest = path.join(opts.stagingDir, checkRel(rel));
        await fsp.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
        const { size } = await copyAndHash(await this.read(rel), dest, { mode: 0o600, signal: opts.signal });
        files.push({
          path: rel, size, method: 'copy',
          open: async (r = {}) => {
            const start = r.start ?? 0;
            const end = Math.min(r.end ?? size, size);
            if (end <= start) return Readable_from_empty();
            const fh = await fsp.open(dest, 'r').catch((err) => { throw fsError(err, 'read', dest); });
            return fh.createReadStream({ start, end: end - 1, autoClose: true });
          },
        });
      }
    } catch (err) {
      await release();
      throw err;
    }
    return { files, where: 'backup store (copied through the Docker API)', release };
  }

  async write(rel: string, data: Buffer, opts: { mode?: number } = {}): Promise<void> {
    const clean = checkRel(rel);
    const parent = path.posix.dirname(clean);
    // PUT archive extracts into an existing folder only.
    if (parent !== '.') await this.mkdir(parent);
    await this.putTar(path.posix.dirname(this.abs(clean)), [{ path: path.posix.basename(clean), type: 'File', data, mode: opts.mode ?? 0o644 }]);
  }

  async mkdir(rel: string): Promise<void> {
    const parts = checkRel(rel).split('/').filter((p) => p !== '');
    const entries = parts.map((_, i) => ({ path: parts.slice(0, i + 1).join('/'), type: 'Directory' as const, data: Buffer.alloc(0), mode: 0o755 }));
    if (entries.length) await this.putTar(this.root, entries);
  }

  async remove(rel: string): Promise<void> {
    const abs = this.abs(rel);
    if (abs === this.root) throw new MgBackupError('internal', 'refusing to remove the data directory root');
    const r = await this.api.exec(this.id, ['rm', '-rf', '--', abs]);
    if (r.exitCode !== 0) throw new MgBackupError('io', `cannot remove ${q(abs)} in container ${q(this.container)}: ${r.stderr.trim()}`);
  }

  private async putTar(dir: string, entries: { path: string; type: 'File' | 'Directory'; data: Buffer; mode: number }[]): Promise<void> {
    const blocks: Buffer[] = [];
    for (const e of entries) {
      const h = new tar.Header({ path: e.path, type: e.type, mode: e.mode, size: e.type === 'File' ? e.data.length : 0, mtime: new Date(), uid: 0, gid: 0 });
      const block = Buffer.alloc(512);
      h.encode(block, 0);
      blocks.push(block);
      if (e.type === 'File') blocks.push(e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    const res = await this.api.request('PUT', this.archiveUrl(dir), Buffer.concat(blocks), { 'Content-Type': 'application/x-tar' });
    const body = await readAll(res.body);
    if (res.status !== 200) throw apiError(res.status, safeJson(body), `write into ${q(dir)}`);
  }
}

function safeJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return { message: buf.toString('utf8').trim() };
  }
}

function Readable_from_empty(): Readable {
  const p = new PassThrough();
  p.end();
  return p;
}

/** The body of the first file entry of a tar stream, cut to the range. */
function firstEntry(body: Readable, range: ReadRange, what: string): Readable {
  const start = range.start ?? 0;
  const end = range.end ?? Infinity;
  let pos = 0;
  let seen = false;
  const slicer = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const from = Math.max(start - pos, 0);
      const to = Math.min(end - pos, chunk.length);
      pos += chunk.length;
      cb(null, to > from ? chunk.subarray(from, to) : undefined);
    },
  });
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      if (seen || entry.type !== 'File') {
        entry.resume();
        return;
      }
      seen = true;
      entry.pipe(slicer);
    },
  });
  parser.on('end', () => {
    if (!seen) slicer.destroy(new MgBackupError('notFound', `${q(what)} is not a regular file`));
  });
  pipeline(body, parser as unknown as NodeJS.WritableStream).catch((err) => slicer.destroy(err));
  return slicer;
}
