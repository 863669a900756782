// `mgbackup pin` / `unpin`: sets or clears the manifest's `pinned` flag, which makes forget keep the
// backup whatever the policy says. The manifest is rewritten by one atomic put, so a crash leaves the
// old or the new manifest, never a torn one.
import { MgBackupError, UsageError, q } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { MANIFEST_NAME, serializeManifest } from '../../store/manifest.js';
import { EncryptedBackend } from '../../repo/encrypted-backend.js';
import { writeBackupSummary } from '../../repo/backup-summary.js';
import { scanRepoBackups, type RepoBackup } from './repo-backups.js';

export interface PinResult {
  id: string;
  pinned: boolean;
  /** False when the backup already was in the requested state (nothing written). */
  changed: boolean;
}

/** A backup by id, unique id prefix, short id (suffix) or "latest", among the listed ones. */
export function resolveBackup(backups: readonly RepoBackup[], ref: string, location: string): RepoBackup {
  if (ref.trim() === '') throw new UsageError(`empty backup reference ${q(ref)}`, { hints: ['give a backup id, its short id, or "latest"'] });
  if (ref === 'latest') {
    const last = [...backups].sort((a, b) => (a.id < b.id ? -1 : 1)).at(-1);
    if (last !== undefined) return last;
  }
  const hits = backups.filter((b) => b.id === ref || b.id.startsWith(ref) || b.id.endsWith(`-${ref}`));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) throw new UsageError(`backup reference ${q(ref)} is ambiguous: ${hits.map((h) => h.id).join(', ')}`);
  throw new MgBackupError('notFound', `no backup ${q(ref)} in repository ${q(location)}`, {
    hints: ['run `mgbackup list` to see the backups that exist'],
  });
}

export async function setPinned(backend: RepoBackend, ref: string, pinned: boolean): Promise<PinResult> {
  const { backups } = await scanRepoBackups(backend);
  const b = resolveBackup(backups, ref, backend.location);
  if ((b.manifest.pinned === true) === pinned) return { id: b.id, pinned, changed: false };
  const manifest = { ...b.manifest };
  if (pinned) manifest.pinned = true;
  else delete manifest.pinned;
  if (backend instanceof EncryptedBackend) await writeBackupSummary(backend, manifest);
  await backend.put(`${b.id}/${MANIFEST_NAME}`, Buffer.from(serializeManifest(manifest)));
  return { id: b.id, pinned, changed: true };
}
