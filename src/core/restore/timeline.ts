// The restore timeline of a repository, per storage UUID: the base backups (one snapshot each), the WAL
// that can be replayed after them (the WAL archive, plus WAL files kept inside backups), the timestamp
// map (docs/repository-format.md, "Timestamp map") and the restore window they add up to. list shows
// it, verify --all checks it, and point-in-time restore (point-in-time.ts) picks its files from it.
import { closeSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { FdSource } from '../../format/byte-source.js';
import { restoreIntervals, type PitrSnapshot } from '../../format/point-in-time.js';
import { walSpan, type ChainWal } from '../../format/recovery-chain.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { findGaps, listArchive, type ArchiveGap, type WalRecord } from '../../repo/wal-archive.js';
import type { StoredBackup } from '../../store/backup-store.js';
import type { ManifestFile, Observed } from '../../store/manifest.js';
import type { StoredForm } from '../../store/stored-file.js';

export interface BaseBackup extends PitrSnapshot {
  backup: StoredBackup;
  snapshot: ManifestFile;
  durableTs: bigint;
  /** When the snapshot's state was durable (manifest `observed`, or the end of a format 1 create). */
  at: string;
}

/** One WAL file that can be replayed after a base: archived, or kept inside a backup folder. */
export interface TimelineWal extends ChainWal {
  /** Memgraph's file name. */
  name: string;
  uuid: string;
  seqNum: bigint;
  fromTs: bigint;
  toTs: bigint;
  /** false: a committed prefix of a `_current` file (or a backup's copy of one). */
  finalized: boolean;
  /** Plain content. */
  size: number;
  sha256: string;
  /** The bytes at `from` are compressed (stored-file.ts). */
  stored?: StoredForm;
  durabilityVersion: number;
  /** Where the bytes are: an archive key, or a path inside a backup folder. */
  from: { kind: 'archive'; key: string } | { kind: 'backup'; backupId: string; file: string };
}

export interface TimePoint {
  ts: bigint;
  at: string;
}

export interface Timeline {
  uuid: string;
  /** Database names the backups of this storage were taken from. */
  databases: string[];
  bases: BaseBackup[];
  /** Chain order: first commit timestamp, then sequence number. */
  wals: TimelineWal[];
  /** The timestamp map, by ts; at most one entry per ts (the earliest time it was seen durable). */
  observed: TimePoint[];
  /** Holes in the archive after the earliest base (sequence numbers missing, prefixes never completed). */
  holes: ArchiveGap[];
  /** Earliest and latest restorable commit; undefined when there is no base backup. */
  window: { earliest: TimePoint; latest: TimePoint } | undefined;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function baseOf(b: StoredBackup): BaseBackup | undefined {
  const m = b.manifest;
  const snapshot = m.files.filter((f) => f.kind === 'snapshot').sort((x, y) => (x.path < y.path ? -1 : 1)).at(-1);
  const ts = m.observed?.ts ?? snapshot?.durableTs;
  if (snapshot === undefined || ts === undefined) return undefined;
  // A format 1 backup has no observation; its snapshot was durable at the latest when create ended.
  const at = m.observed?.at ?? new Date(Date.parse(m.createdAt) + m.timings.totalMs).toISOString();
  return { backup: b, snapshot, durableTs: BigInt(ts), at, uuid: snapshot.uuid, name: path.posix.basename(snapshot.path) };
}

/** A backup WAL's commit span: from a format 2 manifest, else decoded; undefined when it does not decode. */
function spanOf(f: ManifestFile, abs: string): { fromTs: bigint; toTs: bigint } | undefined {
  if (f.fromTs !== undefined && f.toTs !== undefined) return { fromTs: BigInt(f.fromTs), toTs: BigInt(f.toTs) };
  // A compressed file always has its span in the manifest (create decodes the plain copy), unless it
  // did not decode then; it is not decoded here either.
  if (f.stored !== undefined) return undefined;
  try {
    const fd = openSync(abs, 'r');
    try {
      return walSpan(f.path, () => new FdSource(fd, fstatSync(fd).size));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // unreadable or damaged: verify reports it; a restore must not rely on it
  }
}

const creationPrefix = (name: string): string => /^(\d{20})_/.exec(path.posix.basename(name))?.[1] ?? name;

/**
 * Spans of the WAL files inside a backup folder (names, or a decode of a `_current` copy). A file the
 * archive holds at least as much of adds nothing and is not decoded: the same UUID, sequence number
 * and creation prefix (Memgraph's rename keeps the prefix) is the same file, which Memgraph only
 * appends to, so the finalized version or a prefix at least as long covers the backup's copy.
 */
function backupWals(b: StoredBackup, archivedSize: Map<string, number>): TimelineWal[] {
  const out: TimelineWal[] = [];
  for (const f of b.manifest.files) {
    if (f.kind !== 'wal' || f.seqNum === undefined) continue;
    if ((archivedSize.get(`${f.uuid}/${f.seqNum}/${creationPrefix(f.path)}`) ?? -1) >= f.size) continue;
    const span = spanOf(f, path.join(b.dir, f.path));
    if (span === undefined) continue;
    const s = span;
    out.push({
      name: path.posix.basename(f.path), uuid: f.uuid, seqNum: BigInt(f.seqNum), fromTs: s.fromTs, toTs: s.toTs, span: () => s,
      finalized: /_from_\d+_to_\d+$/.test(f.path), size: f.size, sha256: f.sha256, durabilityVersion: f.durabilityVersion,
      ...(f.stored ? { stored: f.stored } : {}), from: { kind: 'backup', backupId: b.id, file: f.path },
    });
  }
  return out;
}

function fromRecord(r: WalRecord): TimelineWal {
  const span = { fromTs: BigInt(r.fromTs), toTs: BigInt(r.toTs) };
  return {
    name: r.name, uuid: r.uuid, seqNum: BigInt(r.seq), ...span, span: () => span, finalized: r.finalized,
    size: r.size, sha256: r.sha256, durabilityVersion: r.durabilityVersion, from: { kind: 'archive', key: r.dataKey },
    ...(r.stored ? { stored: r.stored } : {}),
  };
}

/**
 * One file per (first commit, sequence number): the archive's copy first (stored once, checked by
 * verify --all), then the finalized or longer one.
 */
function dedupe(wals: TimelineWal[]): TimelineWal[] {
  const best = new Map<string, TimelineWal>();
  const rank = (w: TimelineWal) => (w.finalized ? 2 : 0) + (w.from.kind === 'archive' ? 1 : 0);
  for (const w of wals) {
    const k = `${w.fromTs}-${w.seqNum}`;
    const had = best.get(k);
    if (had === undefined || w.toTs > had.toTs || (w.toTs === had.toTs && rank(w) > rank(had))) best.set(k, w);
  }
  return [...best.values()].sort((a, b) => cmp(a.fromTs, b.fromTs) || cmp(a.seqNum, b.seqNum));
}

/** Earliest time per ts, then only entries that say something new: a later ts seen no later. */
function timestampMap(points: TimePoint[]): TimePoint[] {
  const byTs = new Map<bigint, string>();
  for (const p of points) {
    const had = byTs.get(p.ts);
    if (had === undefined || Date.parse(p.at) < Date.parse(had)) byTs.set(p.ts, p.at);
  }
  return [...byTs.entries()].map(([ts, at]) => ({ ts, at })).sort((a, b) => cmp(a.ts, b.ts));
}

export function observedPoint(o: Observed): TimePoint {
  return { ts: BigInt(o.ts), at: new Date(Date.parse(o.at)).toISOString() };
}

/** Every storage UUID that has a base backup or archived WAL, with its restore window. */
export async function readTimelines(backups: StoredBackup[], backend: RepoBackend): Promise<Timeline[]> {
  const records = await listArchive(backend);
  const uuids = new Set<string>([...records.map((r) => r.uuid)]);
  const bases = backups.map(baseOf).filter((b): b is BaseBackup => b !== undefined);
  for (const b of bases) uuids.add(b.snapshot.uuid);
  const archivedSize = new Map(records.map((r) => [`${r.uuid}/${r.seq}/${creationPrefix(r.name)}`, r.finalized ? Infinity : r.size]));
  const allInBackups = backups.flatMap((b) => backupWals(b, archivedSize));
  const out: Timeline[] = [];
  for (const uuid of [...uuids].sort()) {
    const mine = bases.filter((b) => b.snapshot.uuid === uuid).sort((a, b) => cmp(a.durableTs, b.durableTs));
    const archived = records.filter((r) => r.uuid === uuid);
    const inBackups = allInBackups.filter((w) => w.uuid === uuid);
    const wals = dedupe([...archived.map(fromRecord), ...inBackups]);
    const points: TimePoint[] = [
      ...mine.map((b) => ({ ts: b.durableTs, at: b.at })),
      ...archived.flatMap((r) => r.observed.map(observedPoint)),
      // Whatever a record holds was durable when it was archived, observed entries or not.
      ...archived.map((r) => ({ ts: BigInt(r.toTs), at: new Date(Date.parse(r.archivedAt)).toISOString() })),
      // A WAL inside a backup was complete when that backup's create ended.
      ...inBackups.map((w) => ({ ts: w.toTs, at: mine.find((b) => b.backup.id === (w.from as { backupId: string }).backupId)?.at })).filter(
        (p): p is TimePoint => p.at !== undefined),
    ];
    const earliest = mine[0];
    const observed = timestampMap(points);
    const holes = earliest === undefined ? [] : findGaps(archived).filter((g) => BigInt(g.after.toTs) > earliest.durableTs);
    // The same rule point-in-time restore plans with (src/format/point-in-time.ts), so list never
    // shows a window restore would refuse.
    // Only stretches that start at a base backup: a restore always starts from a snapshot, even where
    // the archive alone reaches back to sequence number 0.
    const reaches = restoreIntervals(mine, wals).filter((i) => i.snapshot !== undefined);
    const span = reaches.length === 0 ? undefined
      : { from: reaches[0]!.from, to: reaches.reduce((m, i) => (i.to > m ? i.to : m), reaches[0]!.to) };
    const tl: Timeline = {
      uuid, databases: [...new Set(mine.map((b) => b.backup.manifest.database.name))], bases: mine, wals, observed, holes, window: undefined,
    };
    if (span !== undefined) {
      const at = (ts: bigint) => durableBy(tl, ts);
      const from = at(span.from), to = at(span.to);
      if (from !== undefined && to !== undefined) tl.window = { earliest: { ts: span.from, at: from }, latest: { ts: span.to, at: to } };
    }
    out.push(tl);
  }
  return out;
}

/** --to-time: the greatest observed commit with at <= time (never one made after it). */
export function commitAtTime(tl: Timeline, time: Date): TimePoint | undefined {
  let best: TimePoint | undefined;
  for (const p of tl.observed) if (Date.parse(p.at) <= time.getTime() && (best === undefined || p.ts > best.ts)) best = p;
  return best;
}

/** The time a commit was known durable by: the earliest observation of it or of a later commit. */
export function durableBy(tl: Timeline, ts: bigint): string | undefined {
  let best: string | undefined;
  for (const p of tl.observed) if (p.ts >= ts && (best === undefined || Date.parse(p.at) < Date.parse(best))) best = p.at;
  return best;
}
