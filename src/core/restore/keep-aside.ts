// Before an online restore: RECOVER SNAPSHOT … FORCE wipes snapshots/.old and wal/.old and refills
// them with the current files, or deletes those with --storage-backup-dir-enabled=false (Memgraph
// inmemory/storage.cpp, RECOVER SNAPSHOT path; memgraph-semantics §1.6). So mgbackup keeps the
// server's current durability files itself first, in the same `.mgbackup-pre-restore-<id>/` folder
// an offline restore moves them to. The server is running and owns the files, so they are hard-linked
// (same inode: nothing is copied, and a later delete by the server leaves our link), or copied where
// the filesystem has no links. The `_current` WAL keeps growing until RECOVER finalizes it.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { joinRel } from '../../datadir/layout.js';
import { ASIDE_PREFIX, DURABILITY_DIRS, restoreStamp } from './plan.js';

export interface Kept {
  /** Relative to the data directory. */
  folder: string;
  files: number;
}

async function mirror(from: string, to: string): Promise<number> {
  await fsp.mkdir(to, { mode: 0o755 });
  let n = 0;
  for (const d of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, d.name);
    const dst = path.join(to, d.name);
    if (d.isDirectory()) n += await mirror(src, dst);
    else if (d.isFile()) {
      try {
        await fsp.link(src, dst);
      } catch (err) {
        const code = errnoOf(err);
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
        await fsp.copyFile(src, dst);
      }
      n++;
    }
  }
  return n;
}

/** Links snapshots/ and wal/ (with their .old folders) of the storage root into a new aside folder. */
export async function keepServerFiles(dataDir: string, storageRoot: string, now: Date): Promise<Kept> {
  const root = path.join(dataDir, storageRoot);
  const present: string[] = [];
  for (const d of DURABILITY_DIRS) {
    try {
      if ((await fsp.stat(path.join(root, d))).isDirectory()) present.push(d);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw fsError(err, 'stat', path.join(root, d));
    }
  }
  if (present.length === 0) {
    throw new MgBackupError('refused', `--data-dir ${q(dataDir)} holds no snapshots/ or wal/ of the server, so its current files cannot be kept before RECOVER SNAPSHOT replaces them`, {
      hints: ['pass --data-dir with the running server\'s data directory as this machine sees it (a bind mount works), so that mgbackup keeps its files in .mgbackup-pre-restore-<id>/ first'],
    });
  }
  let id = restoreStamp(now);
  const names = await fsp.readdir(root);
  for (let n = 2; names.includes(ASIDE_PREFIX + id); n++) id = `${restoreStamp(now)}-${n}`;
  const folder = joinRel(storageRoot, ASIDE_PREFIX + id);
  let files = 0;
  try {
    await fsp.mkdir(path.join(dataDir, folder), { mode: 0o755 });
    for (const d of present) files += await mirror(path.join(root, d), path.join(dataDir, folder, d));
  } catch (err) {
    throw fsError(err, 'keep the server\'s files in', path.join(dataDir, folder));
  }
  return { folder, files };
}
