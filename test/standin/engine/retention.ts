// Retention after each successful snapshot (snapshot.cpp:15133-15140): keep `retention` snapshots
// counting the new one, then, once the window is full, drop WALs no longer needed. Every delete goes
// through the retainer, so a LOCK defers it.
import type { DurabilityCodec } from './codec.js';
import { errorText, readSnapshotMeta, readWal, regularFiles } from './durability-files.js';
import type { FileRetainer } from './file-retainer.js';

export interface RetentionInput {
  codec: DurabilityCodec;
  retainer: FileRetainer;
  snapshotDir: string;
  walDir: string;
  uuid: string;
  currentSnapshot: string;
  retention: number;
  /** Durable ts of the new snapshot: the fallback when no old snapshot remains. */
  lastDurableTs: bigint;
  log: (line: string) => void;
}

export function applyRetention(r: RetentionInput): void {
  // EnsureRetentionCountSnapshotsExist (snapshot.cpp:13896-13921): foreign-UUID and unreadable files get
  // ts 0 so they go first.
  const old: [bigint, string][] = [];
  for (const file of regularFiles(r.snapshotDir)) {
    if (file === r.currentSnapshot) continue;
    try {
      const meta = readSnapshotMeta(r.codec, file);
      old.push([meta.uuid === r.uuid ? meta.durableTs : 0n, file]);
    } catch (e) {
      old.push([0n, file]);
      r.log(`Found a corrupt snapshot file ${file} because of: ${errorText(e)}`);
    }
  }
  // DeleteOldSnapshotFiles (snapshot.cpp:13924-13946): sort by (ts, path).
  old.sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  if (old.length >= r.retention) {
    const toErase = old.length - (r.retention - 1);
    for (const [, file] of old.slice(0, toErase)) r.retainer.deleteFile(file);
    old.splice(0, toErase);
  }
  if (old.length !== r.retention - 1) return;

  // EnsureNecessaryWalFilesExist (snapshot.cpp:13827-13893): foreign WALs go; of ours, sorted by seq, keep
  // the last one starting at or before the oldest kept snapshot and everything after; corrupt ones stay.
  const wals: { seq: bigint; from: bigint; to: bigint; path: string }[] = [];
  for (const file of regularFiles(r.walDir)) {
    try {
      const wal = readWal(r.codec, file);
      if (wal.meta.uuid !== r.uuid) {
        r.retainer.deleteFile(file);
        continue;
      }
      wals.push({ seq: wal.meta.seqNum, from: wal.fromTs, to: wal.toTs, path: file });
    } catch (e) {
      r.log(`Found a corrupt WAL file ${file} because of: ${errorText(e)}. WAL file will NOT be deleted.`);
    }
  }
  const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  wals.sort((a, b) => cmp(a.seq, b.seq) || cmp(a.from, b.from) || cmp(a.to, b.to) || (a.path < b.path ? -1 : 1));
  const oldTs = old.length > 0 ? old[0]![0] : r.lastDurableTs;
  let firstNewer = wals.findIndex((w) => w.from > oldTs);
  if (firstNewer === -1) firstNewer = wals.length;
  for (const w of wals.slice(0, Math.max(0, firstNewer - 1))) r.retainer.deleteFile(w.path);
}
