// list: the backups a restore could use, grouped by the storage UUID they belong to, each group with its
// restore window (base backups plus the WAL archive, see core/restore/timeline.ts); and the folders
// that look like backups but cannot be used (reported, never hidden: a backup that silently disappears
// is found missing only when needed).
import type { BackupStore, StoredBackup } from '../../store/backup-store.js';
import type { ExitKind } from '../../errors/codes.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { describeGap } from '../../repo/wal-archive.js';
import { readTimelines, type Timeline } from '../restore/timeline.js';

export interface BackupRow {
  id: string;
  createdAt: string;
  /** Seconds since createdAt (when a clock was given). */
  ageSeconds: number | null;
  database: string;
  /** The storage UUID of its snapshot: the timeline it belongs to. */
  uuid: string;
  memgraphVersion: string;
  files: number;
  /** Bytes in the backup folder; WAL kept in the archive is counted there. */
  bytes: number;
  /** WAL files it needs from the archive, and their bytes. */
  archivedFiles: number;
  archivedBytes: number;
  snapshotOnly: boolean;
  pinned: boolean;
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

export interface WindowPoint {
  ts: string;
  at: string;
}

/** One storage UUID: its backups and what can be restored from them plus the archive. */
export interface DatabaseGroup {
  uuid: string;
  databases: string[];
  backups: string[];
  /** Earliest and latest restorable commit and time; null without a base backup. */
  window: { earliest: WindowPoint; latest: WindowPoint } | null;
  archive: { files: number; bytes: number };
  /** Holes in the archive after the earliest base backup, in words. */
  holes: string[];
}

export interface BackupListing {
  backups: BackupRow[];
  broken: BrokenRow[];
  databases: DatabaseGroup[];
}

/** The usable backups only (what a restore could pick). */
export async function listBackups(store: BackupStore): Promise<BackupRow[]> {
  return (await store.list()).map((b) => rowOf(b, undefined));
}

function snapshotUuid(b: StoredBackup): string {
  return b.manifest.files.find((f) => f.kind === 'snapshot')?.uuid ?? b.manifest.database.uuid ?? 'unknown';
}

function rowOf({ id, dir, manifest: m }: StoredBackup, now: Date | undefined): BackupRow {
  const archived = m.archived ?? [];
  return {
    id,
    createdAt: m.createdAt,
    ageSeconds: now === undefined ? null : Math.max(0, Math.round((now.getTime() - Date.parse(m.createdAt)) / 1000)),
    database: m.database.name,
    uuid: snapshotUuid({ id, dir, manifest: m }),
    memgraphVersion: m.memgraph.version,
    files: m.files.length,
    bytes: m.files.reduce((n, f) => n + f.size, 0),
    archivedFiles: archived.length,
    archivedBytes: archived.reduce((n, a) => n + a.size, 0),
    snapshotOnly: m.snapshotOnly || (archived.length === 0 && !m.files.some((f) => f.kind === 'wal')),
    pinned: m.pinned === true,
    vertices: m.counts.vertices,
    edges: m.counts.edges,
    lockWindowMs: m.timings.lockWindowMs,
    labels: m.labels,
    tags: m.tags,
    path: dir,
  };
}

function groupOf(tl: Timeline, backups: StoredBackup[]): DatabaseGroup {
  const archived = tl.wals.filter((w) => w.from.kind === 'archive');
  return {
    uuid: tl.uuid,
    databases: tl.databases,
    backups: backups.filter((b) => snapshotUuid(b) === tl.uuid).map((b) => b.id),
    window: tl.window === undefined ? null : {
      earliest: { ts: tl.window.earliest.ts.toString(), at: tl.window.earliest.at },
      latest: { ts: tl.window.latest.ts.toString(), at: tl.window.latest.at },
    },
    archive: { files: archived.length, bytes: archived.reduce((n, w) => n + w.size, 0) },
    holes: tl.holes.map(describeGap),
  };
}

/** Usable backups (oldest first), broken folders, and per storage UUID the restore window. */
export async function listRepository(store: BackupStore, opts: { now?: Date; backend: RepoBackend }): Promise<BackupListing> {
  const { backups, broken } = await store.scan();
  const timelines = await readTimelines(backups, opts.backend);
  return {
    backups: backups.map((b) => rowOf(b, opts.now)),
    broken: broken.map((b) => ({ id: b.name, path: b.dir, code: b.kind, problem: b.problem })),
    databases: timelines.map((tl) => groupOf(tl, backups)),
  };
}
