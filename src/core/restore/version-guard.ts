// A Memgraph server reads durability versions 14 up to the one it writes, and silently skips a newer
// snapshot at startup, which leaves it empty (memgraph-semantics §3.3, §5). So restore refuses a file
// newer than the target can read. The release table itself lives only in src/format/versions.ts.
import { MgBackupError, q } from '../../errors/errors.js';
import { NEWEST_KNOWN_RELEASE, NEWEST_SUPPORTED_VERSION, OLDEST_SUPPORTED_VERSION, RELEASES, compareReleases, parseRelease } from '../../format/versions.js';

export type TargetVersionSource = 'flag' | 'server' | 'manifest';

export interface TargetVersion {
  release: string;
  from: TargetVersionSource;
}

export interface Readability {
  /** Newest durability version the release reads; for releases newer than the table: at least this. */
  maxVersion: number | undefined;
  /** True when the release is newer than every release in the table. */
  beyondTable: boolean;
}

/** The newest durability version a release reads: the version written by the last release <= it
 *  (compared down to the patch level: 2.15.0 reads 16, 2.15.1 reads 17). */
export function readabilityOf(release: string): Readability {
  const target = parseRelease(release) ?? [0, 0, 0];
  let best: { release: string; writes: number } | undefined;
  for (const r of RELEASES) if (compareReleases(parseRelease(r.release)!, target) <= 0) best = r;
  return { maxVersion: best?.writes, beyondTable: compareReleases(target, parseRelease(NEWEST_KNOWN_RELEASE)!) > 0 };
}

export interface VersionedFile {
  path: string;
  durabilityVersion: number;
}

const SOURCE_TEXT: Record<TargetVersionSource, string> = {
  flag: '--target-version',
  server: 'SHOW VERSION',
  manifest: 'the manifest of an earlier backup of that server',
};

/** Throws unsupportedVersion for the first file the target cannot read; returns warnings otherwise. */
export function guardVersions(files: VersionedFile[], target: TargetVersion | undefined): string[] {
  if (target === undefined) {
    return ['the target server version is unknown, so the durability version was not checked against it; pass --target-version X.Y.Z'];
  }
  const { maxVersion, beyondTable } = readabilityOf(target.release);
  if (maxVersion === undefined) {
    throw new MgBackupError('unsupportedVersion', `target memgraph ${q(target.release)} is older than 2.0 and not supported by restore`, {
      hints: ['upgrade the target server, or move the data with "mgbackup dump" and "mgbackup load"'],
    });
  }
  if (beyondTable) return [];
  for (const f of files) {
    if (f.durabilityVersion > maxVersion) {
      throw new MgBackupError(
        'unsupportedVersion',
        `${q(f.path)} has durability version ${f.durabilityVersion}, but memgraph ${target.release} (from ${SOURCE_TEXT[target.from]}) reads at most version ${maxVersion}`,
        {
          hints: [
            'Memgraph would skip this file at startup and start with an empty database',
            'move the data across versions with "mgbackup dump" on the source and "mgbackup load" on the target, or upgrade the target server',
          ],
          details: { file: f.path, durabilityVersion: f.durabilityVersion, targetVersion: target.release, maxReadable: maxVersion },
        },
      );
    }
  }
  return [];
}

/**
 * Exit 15 for a durability version outside what this mgbackup knows, even when header and manifest
 * agree: nothing may guess what a newer Memgraph wrote (shared by verify and restore).
 */
export function assertKnownVersions(files: VersionedFile[]): void {
  const f = files.find((x) => x.durabilityVersion > NEWEST_SUPPORTED_VERSION || x.durabilityVersion < OLDEST_SUPPORTED_VERSION);
  if (f === undefined) return;
  const newer = f.durabilityVersion > NEWEST_SUPPORTED_VERSION;
  throw new MgBackupError('unsupportedVersion', `${q(f.path)} has durability version ${f.durabilityVersion}, which this mgbackup does not know (it knows ${OLDEST_SUPPORTED_VERSION} to ${NEWEST_SUPPORTED_VERSION})`, {
    hints: [newer
      ? 'a newer Memgraph wrote it; use a newer mgbackup to verify and restore it, or move the data with "mgbackup dump" and "mgbackup load"'
      : 'the file predates Memgraph 2.0; export its data with an old Memgraph release, then back up the result'],
    details: { file: f.path, durabilityVersion: f.durabilityVersion },
  });
}
