// list: the backups a restore could use. Only published folders with a valid manifest count.
import type { BackupStore } from '../../store/backup-store.js';

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

export async function listBackups(store: BackupStore): Promise<BackupRow[]> {
  return (await store.list()).map(({ id, dir, manifest: m }) => ({
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
  }));
}
