// Deleting forgotten backups' files, crash-safely. A forgotten backup already has its tombstone and no
// manifest in its folder (tombstone.ts), so no listing shows it; its files go next, then its empty
// folders (local repositories), and the tombstone last. Killed anywhere, the next prune finds the
// tombstone and finishes the job.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { MANIFEST_NAME } from '../../store/manifest.js';
import { tombstoneKey } from './tombstone.js';
import { deleteKeys } from '../../repo/repo-backend.js';

/** Runs tasks with bounded concurrency; the first failure is thrown by the next run() or by drain(). */
export class DeletePool {
  private running = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}
  async run(task: () => Promise<void>): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure !== undefined) throw this.failure;
    const p: Promise<void> = task().catch((err) => { this.failure ??= err; }).finally(() => this.running.delete(p));
    this.running.add(p);
  }
  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure !== undefined) throw this.failure;
  }
}

export interface PruneBackupDeps {
  backend: RepoBackend;
  pool: DeletePool;
  onStep?: (step: string) => void;
}

/** Queues the deletion of one forgotten backup's folder, then its tombstone. */
export async function pruneBackup(id: string, keys: readonly string[], deps: PruneBackupDeps): Promise<void> {
  await deps.pool.run(async () => {
    // A tombstone written by a run killed before it deleted the manifest: the manifest goes first.
    const manifest = `${id}/${MANIFEST_NAME}`;
    if (keys.includes(manifest)) await deps.backend.delete(manifest);
    deps.onStep?.(`deleting files of ${id}`);
    await deleteKeys(deps.backend, keys.filter((k) => k !== manifest));
    deps.onStep?.(`deleted files of ${id}`);
    await removeEmptyFolders(deps.backend, id, keys);
    await deps.backend.delete(tombstoneKey(id));
    deps.onStep?.(`pruned ${id}`);
  });
}

/**
 * Local repositories keep folders that S3 does not have: the backup's folders are removed once empty,
 * so no empty backup-named folder is left to look like a broken backup. Only rmdir: a folder that is
 * not empty (someone put a file there) stays.
 */
async function removeEmptyFolders(backend: RepoBackend, id: string, keys: readonly string[]): Promise<void> {
  const probe = backend.localPath(`${id}/${MANIFEST_NAME}`);
  if (probe === undefined) return;
  const root = path.dirname(probe);
  const dirs = new Set<string>();
  for (const k of keys) {
    for (let d = path.dirname(backend.localPath(k)!); d.startsWith(root + path.sep); d = path.dirname(d)) dirs.add(d);
  }
  for (const name of ['snapshots', 'wal']) dirs.add(path.join(root, name));
  const ordered = [...dirs].sort((a, b) => b.length - a.length);
  ordered.push(root);
  for (const d of ordered) {
    try {
      await fsp.rmdir(d);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') continue;
      throw fsError(err, 'remove folder', d, '--repo');
    }
  }
}
