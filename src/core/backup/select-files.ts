// Which files make a restorable backup, decided in two passes: by name under the lock (cheap, so the
// lock window stays O(files)), then by header outside the lock (UUID, sequence, timestamps).
// Recovery rules followed: memgraph-semantics §5 and durability.cpp:715-748 at HEAD.
import type { DataDirEntry } from '../../datadir/data-dir.js';
import type { DurabilityHeader } from '../../datadir/durability-header.js';
import { parseSnapshotName, parseWalName, type WalName } from '../../datadir/layout.js';

export interface SnapshotChoice {
  name: string;
  /** Set when the snapshot we created is gone and a newer one is used instead. */
  replacedOurs: boolean;
}

/**
 * The snapshot to back up, seen under the lock. Ours if it still exists; otherwise retention removed it
 * after a newer snapshot completed, and the oldest snapshot newer than ours is that completed one.
 */
export function chooseSnapshot(entries: DataDirEntry[], ours: string): SnapshotChoice | undefined {
  const snaps = entries.filter((e) => e.type === 'file' && parseSnapshotName(e.name)).map((e) => e.name).sort();
  if (snaps.includes(ours)) return { name: ours, replacedOurs: false };
  const newer = snaps.filter((n) => n > ours);
  return newer.length > 0 ? { name: newer[0]!, replacedOurs: true } : undefined;
}

/** The newest snapshot name that was not in `before` (servers before 3.5 return no path). */
export function findNewSnapshot(before: DataDirEntry[], after: DataDirEntry[]): string | undefined {
  const old = new Set(before.map((e) => e.name));
  return after
    .filter((e) => e.type === 'file' && parseSnapshotName(e.name) && !old.has(e.name))
    .map((e) => e.name)
    .sort()
    .at(-1);
}

/**
 * Every WAL file worth pinning. A `_current` file whose finalized twin exists is the stale copy that a
 * rename under the lock leaves behind (§1.3), so only the twin is taken.
 */
export function walCandidates(entries: DataDirEntry[]): string[] {
  const wals = entries.filter((e) => e.type === 'file').map((e) => ({ name: e.name, parsed: parseWalName(e.name) }));
  const finalized = new Set(wals.filter((w) => w.parsed && !w.parsed.current).map((w) => w.parsed!.prefix));
  return wals
    .filter((w) => w.parsed && !(w.parsed.current && finalized.has(w.parsed.prefix)))
    .map((w) => w.name)
    .sort();
}

export interface WalInfo {
  name: string;
  parsed: WalName;
  header: DurabilityHeader;
}

export interface WalSelection {
  selected: WalInfo[];
  warnings: string[];
}

/**
 * WALs of the snapshot's UUID that recovery needs on top of it: every file holding commits after the
 * snapshot's durable timestamp, preceded by the one that straddles it (Memgraph refuses a chain whose
 * first file starts after the snapshot unless it is sequence 0). Files wholly covered are left out.
 */
export function selectWals(snapshot: { uuid: string; durableTs: bigint }, wals: WalInfo[]): WalSelection {
  const warnings: string[] = [];
  const same = wals.filter((w) => w.header.uuid === snapshot.uuid).sort((a, b) => cmp(a.header.seqNum!, b.header.seqNum!));
  const foreign = wals.length - same.length;
  if (foreign > 0) warnings.push(`${foreign} WAL file(s) belong to another database UUID and were left out`);
  const firstNeeded = same.findIndex((w) => w.parsed.toTs === undefined || w.parsed.toTs > snapshot.durableTs);
  if (firstNeeded < 0) return { selected: [], warnings };
  let start = firstNeeded;
  const first = same[firstNeeded]!;
  const coversStart = first.header.seqNum === 0n || (first.parsed.fromTs !== undefined && first.parsed.fromTs <= snapshot.durableTs);
  if (!coversStart) {
    const prev = same[firstNeeded - 1];
    if (prev && prev.header.seqNum === first.header.seqNum! - 1n) start = firstNeeded - 1;
    else if (first.parsed.fromTs !== undefined) {
      warnings.push(`the WAL chain starts after the snapshot (${first.name}); the backup restores only the snapshot's state`);
      return { selected: [], warnings };
    }
  }
  const selected = same.slice(start);
  for (let i = 1; i < selected.length; i++) {
    if (selected[i]!.header.seqNum !== selected[i - 1]!.header.seqNum! + 1n) {
      warnings.push(`WAL sequence gap before ${selected[i]!.name}; later WAL files were left out`);
      return { selected: selected.slice(0, i), warnings };
    }
  }
  return { selected, warnings };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
