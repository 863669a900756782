// The single table of durability versions: which Memgraph release first writes each version, which
// releases can read it, and which format features each version has. Restore's version guard and
// inspect import this file; nothing else may hard-code a version number.
import { MgBackupError, q } from '../errors/errors.js';

export const OLDEST_SUPPORTED_VERSION = 14;
export const NEWEST_SUPPORTED_VERSION = 37;

/** Releases in order with the durability version each writes (from Memgraph's git tags). */
export const RELEASES: readonly { readonly release: string; readonly writes: number }[] = [
  { release: '2.0', writes: 14 }, { release: '2.8', writes: 15 }, { release: '2.12', writes: 16 },
  { release: '2.15', writes: 17 }, { release: '2.18', writes: 18 }, { release: '2.19', writes: 19 },
  { release: '2.20', writes: 20 }, { release: '2.21', writes: 21 }, { release: '3.0', writes: 22 },
  { release: '3.1', writes: 23 }, { release: '3.2', writes: 24 }, { release: '3.3', writes: 25 },
  { release: '3.4', writes: 27 }, { release: '3.5', writes: 30 }, { release: '3.6', writes: 31 },
  { release: '3.7', writes: 31 }, { release: '3.8', writes: 32 }, { release: '3.9', writes: 33 },
  { release: '3.10', writes: 34 }, { release: '3.11', writes: 35 }, { release: '3.12', writes: 36 },
];

export interface VersionReleaseInfo {
  version: number;
  /** First release that writes exactly this version; undefined for dev-build-only versions (26, 28, 29, 37). */
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

/** The durability version a release writes (e.g. '3.12' or '3.12.1' -> 36); undefined if unknown. */
export function versionWrittenBy(release: string): number | undefined {
  const [maj, min] = release.split('.');
  return RELEASES.find((r) => r.release === `${maj}.${min}`)?.writes;
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
        `mgbackup reads durability versions ${OLDEST_SUPPORTED_VERSION}–${NEWEST_SUPPORTED_VERSION} (Memgraph 2.0 to 3.12 and dev builds)`,
        v > NEWEST_SUPPORTED_VERSION ? 'a newer mgbackup may support this file; or export with DUMP DATABASE from the server' : 'export this data with a Memgraph release that can still read it, then back up the result',
      ],
      details: { version: String(version) },
    });
  }
  return v;
}
