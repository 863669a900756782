// What tells watch that something happened in a storage root's wal/ and snapshots/: chokidar on a local
// data directory (new files, the rename `_current` -> `_from_X_to_Y`, which arrives as unlink + add, and
// deletes by Memgraph's retention), nothing for a data directory reached through the Docker API. The
// loop never trusts events alone: it also rescans on a timer, so a lost event costs latency, not data.
import path from 'node:path';
import { SNAPSHOTS_DIR, WAL_DIR } from '../../datadir/layout.js';

export type ChangeKind = 'add' | 'change' | 'unlink';

export interface FileChange {
  kind: ChangeKind;
  /** Relative to the watched storage root, '/'-separated: `wal/<name>` or `snapshots/<name>`. */
  path: string;
}

export interface FileChanges {
  /** Resolves with the changes seen since the last call (at least one), or [] after timeoutMs. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<FileChange[]>;
  close(): Promise<void>;
}

/** No events at all (a Docker data directory): the loop runs on its timer. */
export function timerOnly(): FileChanges {
  return {
    next: (ms, signal) => new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve([]);
      };
      signal?.addEventListener('abort', done, { once: true });
    }),
    close: async () => {},
  };
}

/** Events of `<root>/wal/*` and `<root>/snapshots/*` (not `.old/`, not temp files). */
export async function chokidarChanges(root: string): Promise<FileChanges> {
  const { watch } = await import('chokidar');
  const abs = path.resolve(root);
  const relOf = (p: string): string | undefined => {
    const rel = path.relative(abs, p).split(path.sep).join('/');
    const [dir, name, ...rest] = rel.split('/');
    if ((dir !== WAL_DIR && dir !== SNAPSHOTS_DIR) || rest.length > 0) return undefined;
    return name === undefined ? dir : rel;
  };
  const watcher = watch(abs, {
    ignoreInitial: true,
    depth: 1,
    // Only the root, wal/, snapshots/ and their direct files: no lease files, pin folders, .old/ trees.
    ignored: (p: string) => {
      if (path.resolve(p) === abs) return false;
      const rel = relOf(p);
      return rel === undefined || rel.endsWith('/.old');
    },
  });
  let pending: FileChange[] = [];
  let wake: (() => void) | undefined;
  const push = (kind: ChangeKind) => (p: string) => {
    const rel = relOf(p);
    if (rel === undefined || !rel.includes('/')) return;
    pending.push({ kind, path: rel });
    wake?.();
  };
  watcher.on('add', push('add')).on('change', push('change')).on('unlink', push('unlink'));
  // A vanished root (the data directory unmounted) surfaces as an error; the timer rescan handles it.
  watcher.on('error', () => wake?.());
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    next: (ms, signal) => new Promise((resolve) => {
      const take = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', take);
        wake = undefined;
        const out = pending;
        pending = [];
        resolve(out);
      };
      const timer = setTimeout(take, pending.length > 0 ? 0 : ms);
      wake = take;
      signal?.addEventListener('abort', take, { once: true });
    }),
    close: () => watcher.close(),
  };
}
