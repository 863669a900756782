// A data directory on this machine (or bind-mounted into the Memgraph container). Pins are hardlinks:
// into the store's staging folder when it shares the filesystem, else into a hidden folder inside the
// data directory; a copy only when the kernel refuses links (EPERM under protected_hardlinks, EMLINK).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import {
  type DataDir, type DataDirEntry, type EntryType, type PinOptions, type PinSet, type PinnedFile, type ReadRange,
  DEFAULT_SERVER_DATA_DIR, checkRel, looksLikeMemgraph, notMemgraphError, translateServerPath,
} from './data-dir.js';
import { currentUser, errnoOf, fsError } from './fs-errors.js';

const LINK_REFUSED = new Set(['EPERM', 'EACCES', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'EROFS']);

export class LocalDataDir implements DataDir {
  readonly description: string;

  constructor(readonly root: string, readonly serverRoot: string = DEFAULT_SERVER_DATA_DIR) {
    this.root = path.resolve(root);
    this.description = `data directory ${q(this.root)}`;
  }

  private abs(rel: string): string {
    return path.join(this.root, checkRel(rel));
  }

  async check(): Promise<void> {
    let st: fs.Stats;
    try {
      st = await fsp.stat(this.root);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') {
        throw new MgBackupError('notFound', `data directory ${q(this.root)} does not exist`, {
          hints: ['pass --data-dir with the host path of Memgraph\'s --data-directory'],
        });
      }
      throw fsError(err, 'read data directory', this.root);
    }
    if (!st.isDirectory()) throw new MgBackupError('notFound', `data directory ${q(this.root)} is not a directory`);
    let names: string[];
    try {
      names = await fsp.readdir(this.root);
    } catch (err) {
      if (errnoOf(err) === 'EACCES' || errnoOf(err) === 'EPERM') {
        throw new MgBackupError('io', `data directory ${q(this.root)} is not readable by user ${currentUser()}`, {
          hints: ['run mgbackup as the memgraph user (uid 101 in Docker) or as root, or grant read access'],
        });
      }
      throw fsError(err, 'read data directory', this.root);
    }
    if (!looksLikeMemgraph(names)) throw notMemgraphError(this.description);
  }

  fromServerPath(serverPath: string): string {
    return translateServerPath(serverPath, this.serverRoot, '--server-data-dir');
  }

  async list(dir: string): Promise<DataDirEntry[]> {
    let dirents: fs.Dirent[];
    try {
      dirents = await fsp.readdir(this.abs(dir), { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw fsError(err, 'list', this.abs(dir));
    }
    const out: DataDirEntry[] = [];
    for (const d of dirents) {
      const entry = await this.stat(dir === '' ? d.name : `${checkRel(dir)}/${d.name}`);
      if (entry) out.push(entry);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async stat(rel: string): Promise<DataDirEntry | undefined> {
    const clean = checkRel(rel);
    try {
      const st = await fsp.lstat(this.abs(clean));
      return { name: path.posix.basename(clean), path: clean, type: typeOf(st), size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw fsError(err, 'stat', this.abs(clean));
    }
  }

  async read(rel: string, range: ReadRange = {}): Promise<Readable> {
    return openRange(this.abs(rel), range, undefined);
  }

  async pin(paths: string[], opts: PinOptions): Promise<PinSet> {
    const hidden = path.join(this.root, `.mgbackup-pin-${opts.id}`);
    const files: PinnedFile[] = [];
    const where = new Set<string>();
    const release = async () => {
      await fsp.rm(opts.stagingDir, { recursive: true, force: true });
      await fsp.rm(hidden, { recursive: true, force: true });
    };
    try {
      for (const rel of paths) {
        throwIfAborted(opts.signal);
        const src = this.abs(rel);
        let size: number;
        try {
          size = (await fsp.stat(src)).size;
        } catch (err) {
          throw fsError(err, 'pin', src);
        }
        const result = await linkOrCopy(src, path.join(opts.stagingDir, checkRel(rel)), path.join(hidden, checkRel(rel)));
        where.add(result.where);
        files.push(localPinned(rel, result.file, size, result.method));
      }
    } catch (err) {
      await release();
      throw err;
    }
    return { files, where: [...where].join(', ') || 'backup store', release };
  }

  async write(rel: string, data: Buffer, opts: { mode?: number } = {}): Promise<void> {
    const dest = this.abs(rel);
    try {
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.writeFile(dest, data, { mode: opts.mode ?? 0o644 });
    } catch (err) {
      throw fsError(err, 'write', dest);
    }
  }

  async mkdir(rel: string): Promise<void> {
    try {
      await fsp.mkdir(this.abs(rel), { recursive: true });
    } catch (err) {
      throw fsError(err, 'create directory', this.abs(rel));
    }
  }

  async remove(rel: string): Promise<void> {
    try {
      await fsp.rm(this.abs(rel), { recursive: true, force: true });
    } catch (err) {
      throw fsError(err, 'remove', this.abs(rel));
    }
  }
}

function typeOf(st: fs.Stats): EntryType {
  return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
}

async function linkOrCopy(
  src: string, storeDest: string, hiddenDest: string,
): Promise<{ file: string; method: 'hardlink' | 'copy'; where: string }> {
  const tryLink = async (dest: string): Promise<string | undefined> => {
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fsp.link(src, dest);
      return undefined;
    } catch (err) {
      return errnoOf(err) ?? 'EUNKNOWN';
    }
  };
  try {
    let code = await tryLink(storeDest);
    if (code === undefined) return { file: storeDest, method: 'hardlink', where: 'backup store' };
    if (code === 'EXDEV') {
      code = await tryLink(hiddenDest);
      if (code === undefined) return { file: hiddenDest, method: 'hardlink', where: 'data directory' };
    }
    if (!LINK_REFUSED.has(code) && code !== 'EXDEV') {
      throw new MgBackupError('io', `cannot hardlink ${q(src)}: ${code}`);
    }
    await fsp.copyFile(src, storeDest);
    return { file: storeDest, method: 'copy', where: 'backup store' };
  } catch (err) {
    throw fsError(err, 'pin', src);
  }
}

function localPinned(rel: string, file: string, size: number, method: 'hardlink' | 'copy'): PinnedFile {
  return { path: rel, size, method, open: (range) => openRange(file, range ?? {}, size) };
}

async function openRange(file: string, range: ReadRange, limit: number | undefined): Promise<Readable> {
  const start = range.start ?? 0;
  let end = range.end;
  if (limit !== undefined) end = end === undefined ? limit : Math.min(end, limit);
  try {
    const fh = await fsp.open(file, 'r');
    // createReadStream's end is inclusive; an empty range still needs a stream that ends at once.
    if (end !== undefined && end <= start) {
      await fh.close();
      const { Readable } = await import('node:stream');
      return Readable.from([]);
    }
    return fh.createReadStream({ start, end: end === undefined ? undefined : end - 1, autoClose: true });
  } catch (err) {
    throw fsError(err, 'read', file);
  }
}
