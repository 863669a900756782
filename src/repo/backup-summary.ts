// The clear summary of a backup in an encrypted repository (docs/repository-format.md, "Encryption"):
// what `list` shows without a key. It is written just before the manifest, so a backup that exists (its
// manifest is there, no tombstone) has one; a summary without a manifest is an unfinished or forgotten
// backup and is not listed. Which backups exist is decided from keys alone (manifest present, tombstone
// absent), which an encrypted repository shows without a key.
import { MgBackupError, q } from '../errors/errors.js';
import type { Manifest } from '../store/manifest.js';
import { SUMMARY_NAME } from './encrypted-backend.js';
import type { RepoBackend } from './repo-backend.js';

export const SUMMARY_FORMAT = 'mgbackup-summary';

export interface BackupSummary {
  format: typeof SUMMARY_FORMAT;
  id: string;
  createdAt: string;
  database: string;
  memgraphVersion: string;
  snapshotOnly: boolean;
  /** Bytes of the backup's own files (snapshot, WAL in the folder), not of archived WAL. */
  sizeBytes: number;
  files: number;
  counts: { vertices: number | null; edges: number | null };
  pinned: boolean;
  tags: string[];
}

export const summaryKey = (id: string) => `${id}/${SUMMARY_NAME}`;

export function summaryOf(m: Manifest): BackupSummary {
  return {
    format: SUMMARY_FORMAT, id: m.id, createdAt: m.createdAt, database: m.database.name, memgraphVersion: m.memgraph.version,
    snapshotOnly: m.snapshotOnly, sizeBytes: m.files.reduce((n, f) => n + f.size, 0), files: m.files.length,
    counts: m.counts, pinned: m.pinned === true, tags: m.tags,
  };
}

/** Call before publishing the manifest, and again when the manifest changes (pin, unpin). */
export async function writeBackupSummary(backend: RepoBackend, m: Manifest): Promise<void> {
  await backend.put(summaryKey(m.id), Buffer.from(JSON.stringify(summaryOf(m), null, 2) + '\n'));
}

/** The summaries of the backups that exist, oldest first; needs no key. */
export async function readBackupSummaries(backend: RepoBackend, forgottenPrefix = 'forgetting/'): Promise<BackupSummary[]> {
  const manifests = new Set<string>();
  const summaries: string[] = [];
  const forgotten = new Set<string>();
  for await (const o of backend.list('')) {
    const [id, name, more] = o.key.split('/');
    if (more !== undefined || name === undefined) continue;
    if (id === forgottenPrefix.slice(0, -1) && name.endsWith('.json')) forgotten.add(name.slice(0, -'.json'.length));
    else if (name === 'manifest.json') manifests.add(id!);
    else if (name === SUMMARY_NAME) summaries.push(id!);
  }
  const out: BackupSummary[] = [];
  for (const id of summaries.filter((i) => manifests.has(i) && !forgotten.has(i))) {
    const where = `${backend.location}/${summaryKey(id)}`;
    let s: Partial<BackupSummary>;
    try {
      s = JSON.parse(Buffer.from(await backend.getBytes(summaryKey(id))).toString('utf8')) as Partial<BackupSummary>;
    } catch (err) {
      if (err instanceof MgBackupError) throw err;
      throw new MgBackupError('integrity', `backup summary ${q(where)} is not valid JSON`);
    }
    if (s.format !== SUMMARY_FORMAT || s.id !== id) throw new MgBackupError('integrity', `backup summary ${q(where)} is not a summary of backup ${q(id)}`);
    out.push(s as BackupSummary);
  }
  return out;
}
