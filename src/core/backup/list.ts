// list: the backups a restore could use, and the folders that look like backups but cannot be used
// (reported, never hidden: a backup that silently disappears is found missing only when needed).
import type { BackupStore } from '../../store/backup-store.js';
import type { ExitKind } from '../../errors/codes.js';

export interface BackupRow {
  id: string;
  createdAt: string;
  database: string;
  memgraphVersion: string;
  files: number;
  bytes: number;
  vertices: number | null;
  edges: number | null;
  lockWindowMs: number;
  labels: Record<string, string>;
  tags: string[];
  path: string;
}

export interface BrokenRow {
  id: string;
  path: string;
  /** The exit kind using it gives: integrity (damaged), io (unreadable), unsupportedVersion. */
  code: ExitKind;
  problem: string;
}

export interface BackupListing {
  backups: BackupRow[];
  broken: BrokenRow[];
}

/** The usable backups only (what a restore could pick). */
export async function listBackups(store: BackupStore): Promise<BackupRow[]> {
  return (await listRepository(store)).backups;
}

/** Usable backups and broken folders, oldest first. */
export async function listRepository(store: BackupStore): Promise<BackupListing> {
  const { backups, broken } = await store.scan();
  return {
    backups: backups.map(({ id, dir, manifest: m }) => ({
      id,
      createdAt: m.createdAt,
      database: m.database.name,
      memgraphVersion: m.memgraph.version,
      files: m.files.length,
      bytes: m.files.reduce((n, f) => n + f.size, 0),
      vertices: m.counts.vertices,
      edges: m.counts.edges,
      lockWindowMs: m.timings.lockWindowMs,
      labels: m.labels,
      tags: m.tags,
      path: dir,
    })),
    broken: broken.map((b) => ({ id: b.name, path: b.dir, code: b.kind, problem: b.problem })),
  };
}
