// src/datadir owns access to Memgraph's data directory wherever it lives: a local path (also a bind
// mount), a Docker container through the Engine API, or memory (tests). Everything above this folder
// sees only the DataDir interface, so the backup flow is written once. Paths are always relative to the
// data directory root, '/'-separated.
import type { Readable } from 'node:stream';
import { MgBackupError, UsageError, q } from '../errors/errors.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface DataDirEntry {
  name: string;
  /** Relative to the data directory root. */
  path: string;
  type: EntryType;
  size: number;
  mtimeMs: number;
}

export interface ReadRange {
  start?: number;
  /** Exclusive. */
  end?: number;
}

/** A file made safe from Memgraph's retention: a hardlink (or a copy when links are impossible). */
export interface PinnedFile {
  readonly path: string;
  /** Size when pinned; reads stop there, so a WAL still being appended gives the bytes seen under the lock. */
  readonly size: number;
  readonly method: 'hardlink' | 'copy';
  open(range?: ReadRange): Promise<Readable>;
}

export interface PinSet {
  readonly files: PinnedFile[];
  /** Where the pins were made, for the operator: "backup store", "data directory", "memory". */
  readonly where: string;
  /** Removes the pins (links, copies, hidden folders). Idempotent. */
  release(): Promise<void>;
}

export interface PinOptions {
  /** A local directory (normally the store's staging folder) that should receive the pins. */
  stagingDir: string;
  /** Unique id, used to name a hidden folder inside the data directory when one is needed. */
  id: string;
  signal?: AbortSignal;
}

export interface ReadOnlyDataDir {
  /** How the operator named it: a path or `container "x"`. */
  readonly description: string;
  /** Throws when the directory is missing, unreadable or not Memgraph's. */
  check(): Promise<void>;
  /** Translates a server-side absolute path (CREATE SNAPSHOT's `path`) into a relative one. */
  fromServerPath(serverPath: string): string;
  /** Entries of one directory, sorted by name; [] when the directory does not exist. */
  list(dir: string): Promise<DataDirEntry[]>;
  stat(path: string): Promise<DataDirEntry | undefined>;
  read(path: string, range?: ReadRange): Promise<Readable>;
}

export interface DataDir extends ReadOnlyDataDir {
  /** Makes files immune to deletion in O(files): hardlinks when possible, copies otherwise. */
  pin(paths: string[], opts: PinOptions): Promise<PinSet>;
  write(path: string, data: Buffer, opts?: { mode?: number }): Promise<void>;
  mkdir(path: string): Promise<void>;
  /** Removes a file or a directory tree; no error when it is already gone. */
  remove(path: string): Promise<void>;
}

export const DEFAULT_SERVER_DATA_DIR = '/var/lib/memgraph';

/** Validates a relative path: no absolute paths, no '..', no empty segments. */
export function checkRel(rel: string): string {
  const parts = rel.split('/');
  if (rel.startsWith('/') || parts.some((p) => p === '..' || p === '.')) {
    throw new MgBackupError('internal', `data-directory path ${q(rel)} is not a clean relative path`);
  }
  return parts.filter((p) => p !== '').join('/');
}

/** Server path -> relative path, refusing paths outside the server's data directory. */
export function translateServerPath(serverPath: string, serverRoot: string, flag: string): string {
  const norm = (p: string) => p.replace(/\/+/g, '/').replace(/\/$/, '');
  const root = norm(serverRoot);
  const p = norm(serverPath);
  if (p !== root && !p.startsWith(root + '/')) {
    throw new UsageError(`server path ${q(serverPath)} is not under the server data directory ${q(serverRoot)}`, {
      hints: [`pass ${flag} with the server's --data-directory (the path Memgraph itself uses)`],
    });
  }
  return checkRel(p.slice(root.length + 1));
}

/** A Memgraph data directory (or tenant storage root) has snapshots/ or wal/ (or the .lock file). */
export function looksLikeMemgraph(names: string[]): boolean {
  return names.includes('snapshots') || names.includes('wal') || names.includes('.lock');
}

export function notMemgraphError(description: string): MgBackupError {
  return new MgBackupError('notFound', `${description} is not a Memgraph data directory (no snapshots/, wal/ or .lock)`, {
    hints: ['point --data-dir at the directory given to Memgraph as --data-directory (default /var/lib/memgraph)'],
  });
}
