// The repository marker (docs/repository-format.md, "The marker"): which format a repository is in, and
// the one-line, announced upgrade of an older repository on its first write. Readers never write it.
// Format 3 is format 2 plus compressed objects or encryption: a repository holding either gets marker 3,
// so that an mgbackup that reads only up to 2 refuses it (15) instead of misreading compressed objects
// or writing plain ones into an encrypted repository. A plain, uncompressed repository stays at 2.
import { MgBackupError, q } from '../errors/errors.js';
import type { RepoBackend } from './repo-backend.js';

export const MARKER_KEY = 'mgbackup-repo.json';
export const REPO_FORMAT = 'mgbackup-repo';
/** The newest format this mgbackup reads and writes. */
export const REPO_FORMAT_VERSION = 3;
/** What a plain repository written without compression needs. */
export const PLAIN_FORMAT_VERSION = 2;

export interface RepoMarker {
  format: typeof REPO_FORMAT;
  formatVersion: number;
  createdAt: string;
  mgbackupVersion: string;
  /** Encrypted repositories (src/cli/repo-encryption.ts): kept as it is when the marker is upgraded. */
  encryption?: unknown;
}

/**
 * Format 1 repositories have no marker; `empty` says whether anything at all is stored yet. A marker
 * reports `version` REPO_FORMAT_VERSION whether it says 2 or 3 (both are read the same way; the
 * objects describe themselves); `marker.formatVersion` is what it says.
 */
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
 * Called by every command before it writes. Writes the marker when missing, and raises it to `need`
 * (default 2; 3 for a writer that stores compressed objects, and always for an encrypted repository).
 * Upgrading a repository that already holds backups is announced through `info` (once, by the run
 * that upgrades it); a new or empty one gets its marker silently.
 */
export async function ensureRepoFormat(
  backend: RepoBackend, opts: { now: Date; mgbackupVersion: string; info: (message: string) => void; need?: 2 | 3 },
): Promise<RepoMarker> {
  const found = await readRepoFormat(backend);
  if (found.version === REPO_FORMAT_VERSION) {
    const m = found.marker;
    const need = m.encryption !== undefined ? REPO_FORMAT_VERSION : opts.need ?? PLAIN_FORMAT_VERSION;
    if (m.formatVersion >= need) return m;
    // Every field (createdAt, encryption) stays; only the version rises. Two writers racing here write
    // the same bytes but for mgbackupVersion; either is right.
    const raised: RepoMarker = { ...m, formatVersion: need };
    await backend.put(MARKER_KEY, Buffer.from(JSON.stringify(raised, null, 2) + '\n'));
    if (await holdsBackups(backend)) {
      opts.info(`repository ${q(backend.location)} upgraded to format ${need} (existing backups stay as they are)`);
    }
    return raised;
  }
  const version = opts.need ?? PLAIN_FORMAT_VERSION;
  const marker: RepoMarker = {
    format: REPO_FORMAT, formatVersion: version, createdAt: opts.now.toISOString(), mgbackupVersion: opts.mgbackupVersion,
  };
  const wrote = await backend.putIfAbsent(MARKER_KEY, Buffer.from(JSON.stringify(marker, null, 2) + '\n'));
  if (!wrote) return ensureRepoFormat(backend, opts); // another run upgraded it in the meantime
  if (!found.empty) {
    opts.info(`repository ${q(backend.location)} upgraded to format ${version} (existing backups stay as they are)`);
  }
  return marker;
}

/** Whether a backup manifest or an archived WAL record is stored (an upgrade worth announcing). */
async function holdsBackups(backend: RepoBackend): Promise<boolean> {
  for await (const o of backend.list('')) {
    if (/^[^/.][^/]*\/manifest\.json$/.test(o.key) || /^archive\/[^/]+\/[^/]+\.json$/.test(o.key)) return true;
  }
  return false;
}
