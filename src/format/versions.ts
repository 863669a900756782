// The single table of durability versions: which Memgraph release first writes each version, which
// releases can read it, and which format features each version has. Restore's version guard and
// inspect import this file; nothing else may hard-code a version number.
import { MgBackupError, q } from '../errors/errors.js';

export const OLDEST_SUPPORTED_VERSION = 14;
export const NEWEST_SUPPORTED_VERSION = 37;

/**
 * The first release (major.minor.patch) that writes each durability version, in order. Patch granularity
 * matters: 2.15.0 still writes 16 and 2.15.1 writes 17, so a v17 file must not be restored onto 2.15.0
 * (it would skip the snapshot and start empty). Source: `kVersion` in
 * src/storage/v2/durability/version.hpp at each release tag of github.com/memgraph/memgraph (v2.0.0 …
 * v3.12.0). 3.13.0 (2026-09-09), 3.13.1 and 3.14.0 (2026-10-21) have no tag in the mirror we read; they
 * write v37, the value `kVersion` has had on master since commit 09d93a1 (2026-07-15, "Update durability
 * version to v37") and still has at df0f636 (2026-08-21), from which 3.13 was cut.
 */
export const RELEASES: readonly { readonly release: string; readonly writes: number }[] = [
  { release: '2.0.0', writes: 14 }, { release: '2.8.0', writes: 15 }, { release: '2.12.0', writes: 16 },
  { release: '2.15.1', writes: 17 }, { release: '2.18.0', writes: 18 }, { release: '2.19.0', writes: 19 },
  { release: '2.20.0', writes: 20 }, { release: '2.21.0', writes: 21 }, { release: '3.0.0', writes: 22 },
  { release: '3.1.0', writes: 23 }, { release: '3.2.0', writes: 24 }, { release: '3.3.0', writes: 25 },
  { release: '3.4.0', writes: 27 }, { release: '3.5.0', writes: 30 }, { release: '3.6.0', writes: 31 },
  { release: '3.7.0', writes: 31 }, { release: '3.8.0', writes: 32 }, { release: '3.9.0', writes: 33 },
  { release: '3.10.0', writes: 34 }, { release: '3.11.0', writes: 35 }, { release: '3.12.0', writes: 36 },
  { release: '3.13.0', writes: 37 }, { release: '3.14.0', writes: 37 },
];

/** The newest release in the table; anything newer is unknown to this mgbackup. */
export const NEWEST_KNOWN_RELEASE = RELEASES[RELEASES.length - 1]!.release;

export type ReleaseTriple = [number, number, number];

/** "3.12", "v3.12.1", "3.12.1-rc2" -> [3, 12, 1] (missing parts are 0); undefined if not a version. */
export function parseRelease(release: string): ReleaseTriple | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

export function compareReleases(a: ReleaseTriple, b: ReleaseTriple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export interface VersionReleaseInfo {
  version: number;
  /** First release that writes exactly this version; undefined for dev-build-only versions (26, 28, 29). */
  firstWrittenBy: string | undefined;
  /** Oldest release able to read it (every release reads all older supported versions). */
  firstReadableBy: string | undefined;
  devOnly: boolean;
}

export function releaseInfo(version: number): VersionReleaseInfo {
  const writer = RELEASES.find((r) => r.writes === version);
  const reader = RELEASES.find((r) => r.writes >= version);
  return { version, firstWrittenBy: writer?.release, firstReadableBy: reader?.release, devOnly: writer === undefined };
}

/**
 * The durability version a release writes (e.g. '3.12.1' -> 36, '2.15.0' -> 16, '2.15.1' -> 17): that
 * of the last table entry at or before it. Undefined for releases older than 2.0 or newer than the
 * newest known one: a newer release may write a newer version, and we do not guess.
 */
export function versionWrittenBy(release: string): number | undefined {
  const r = parseRelease(release);
  if (r === undefined || compareReleases(r, parseRelease(NEWEST_KNOWN_RELEASE)!) > 0) {
    // Within the newest known minor (3.14.x) the version is known to hold only for the listed patch.
    return undefined;
  }
  let best: number | undefined;
  for (const e of RELEASES) if (compareReleases(parseRelease(e.release)!, r) <= 0) best = e.writes;
  return best;
}

/**
 * Per-version feature ladder: each feature is present from the given version on. Snapshot and WAL
 * decoders consult only this (see the research doc §7 for the constants' names in Memgraph).
 */
export const FEATURE_SINCE = {
  batches: 15,
  indexStats: 16,
  explicitTxnEnd: 16,
  edgeIndices: 17,
  enums: 18,
  edgeTypePropertyIndex: 18,
  points: 19,
  pointIndexAndTypeConstraints: 20,
  sridCartesian3dCorrected: 21,
  edgeSetWithFrom: 21,
  vectorIndex: 22,
  durableTimestamp: 23,
  compositeIndices: 24,
  globalEdgePropertyIndex: 24,
  nestedIndices: 25,
  vectorScalarKind: 26,
  vectorEdgeIndex: 27,
  txnStart: 28,
  textIndexProperties: 29,
  committedTxnCount: 30,
  ttl: 30,
  txnAccessType: 30,
  textEdgeIndex: 31,
  vectorIndexId: 32,
  vectorNodeEntries: 32,
  extendedEdgeSet: 33,
  descriptions: 34,
  descIndices: 34,
  vectorEdgeEntries: 34,
  vectorMultiLabel: 35,
  /** Header and per-transaction CRC-32: every WAL byte is checked, so damage anywhere is detectable. */
  crc: 36,
  globalVertexPropertyIndex: 37,
  /** A finalized WAL states its delta count; replaying it must reach exactly that count, and any damage
   *  is fatal (Memgraph 3.13 wal.cpp LoadWal; earlier files and unfinalized ones may have a torn tail). */
  walSummary: 37,
} as const;

export type Feature = keyof typeof FEATURE_SINCE;
export type Features = Readonly<Record<Feature, boolean>>;

const cache = new Map<number, Features>();

/** Feature flags for a version; throws unsupportedVersion outside 14–37. */
export function featuresOf(version: number): Features {
  let f = cache.get(version);
  if (f === undefined) {
    checkVersion(version);
    const flags = {} as Record<Feature, boolean>;
    for (const [name, since] of Object.entries(FEATURE_SINCE)) flags[name as Feature] = version >= since;
    f = Object.freeze(flags);
    cache.set(version, f);
  }
  return f;
}

export function checkVersion(version: number | bigint, what = 'durability file'): number {
  const v = Number(version);
  if (!(v >= OLDEST_SUPPORTED_VERSION && v <= NEWEST_SUPPORTED_VERSION)) {
    throw new MgBackupError('unsupportedVersion', `unsupported ${what} version ${q(version)}`, {
      hints: [
        `mgbackup reads durability versions ${OLDEST_SUPPORTED_VERSION}–${NEWEST_SUPPORTED_VERSION} (Memgraph 2.0 to ${NEWEST_KNOWN_RELEASE})`,
        v > NEWEST_SUPPORTED_VERSION ? 'this file is newer than every Memgraph release mgbackup knows: upgrade mgbackup, or export the data with "mgbackup dump" from the server that wrote it' : 'export this data with a Memgraph release that can still read it, then back up the result',
      ],
      details: { version: String(version) },
    });
  }
  return v;
}
