// The repository marker (docs/repository-format.md, "The marker"): which format a repository is in, and
// the one-line, announced upgrade of a format 1 repository on its first write. Readers never write it.
import { MgBackupError, q } from '../errors/errors.js';
import type { RepoBackend } from './repo-backend.js';

export const MARKER_KEY = 'mgbackup-repo.json';
export const REPO_FORMAT = 'mgbackup-repo';
export const REPO_FORMAT_VERSION = 2;

export interface RepoMarker {
  format: typeof REPO_FORMAT;
  formatVersion: number;
  createdAt: string;
  mgbackupVersion: string;
}

/** Format 1 repositories have no marker; `empty` says whether anything at all is stored yet. */
export type RepoFormat = { version: 1; empty: boolean } | { version: typeof REPO_FORMAT_VERSION; marker: RepoMarker };

export async function readRepoFormat(backend: RepoBackend): Promise<RepoFormat> {
  if ((await backend.stat(MARKER_KEY)) === undefined) {
    for await (const o of backend.list('')) {
      if (/^[^/.][^/]*\/manifest\.json$/.test(o.key)) return { version: 1, empty: false };
    }
    return { version: 1, empty: true };
  }
  const where = `${backend.location}/${MARKER_KEY}`;
  let marker: Partial<RepoMarker>;
  try {
    marker = JSON.parse(Buffer.from(await backend.getBytes(MARKER_KEY)).toString('utf8')) as Partial<RepoMarker>;
  } catch (err) {
    if (err instanceof MgBackupError) throw err;
    throw new MgBackupError('integrity', `repository marker ${q(where)} is not valid JSON`, {
      hints: ['the file was changed by hand or damaged; restore it from another copy of the repository'],
    });
  }
  if (marker.format !== REPO_FORMAT || !Number.isInteger(marker.formatVersion)) {
    throw new MgBackupError('integrity', `repository marker ${q(where)} is not an mgbackup marker`, {
      hints: ['check --repo: this is not an mgbackup repository, or its marker was damaged'],
    });
  }
  if (marker.formatVersion! > REPO_FORMAT_VERSION) {
    throw new MgBackupError('unsupportedVersion',
      `repository ${q(backend.location)} has format version ${marker.formatVersion}, this mgbackup reads up to ${REPO_FORMAT_VERSION}`, {
        hints: [`use the mgbackup version that wrote it (${marker.mgbackupVersion ?? 'see its marker'}) or newer`],
      });
  }
  return { version: REPO_FORMAT_VERSION, marker: marker as RepoMarker };
}

/**
 * Called by every command before it writes. Writes the marker when missing; a format 1 repository that
 * already holds backups is announced through `info` (once, by the run that upgrades it).
 */
export async function ensureRepoFormat(
  backend: RepoBackend, opts: { now: Date; mgbackupVersion: string; info: (message: string) => void },
): Promise<RepoMarker> {
  const found = await readRepoFormat(backend);
  if (found.version === REPO_FORMAT_VERSION) return found.marker;
  const marker: RepoMarker = {
    format: REPO_FORMAT, formatVersion: REPO_FORMAT_VERSION, createdAt: opts.now.toISOString(), mgbackupVersion: opts.mgbackupVersion,
  };
  const wrote = await backend.putIfAbsent(MARKER_KEY, Buffer.from(JSON.stringify(marker, null, 2) + '\n'));
  if (!wrote) return ensureRepoFormat(backend, opts); // another run upgraded it in the meantime
  if (!found.empty) {
    opts.info(`repository ${q(backend.location)} upgraded to format ${REPO_FORMAT_VERSION} (existing backups stay as they are)`);
  }
  return marker;
}
