// The restore plan: a pure function from (backup manifest, target inventory, options) to the exact list
// of file copies and directory moves. --dry-run prints it; apply.ts executes it and nothing else.
//
// Which files, by Memgraph's startup recovery rules (memgraph-semantics §5, durability.cpp:598-820):
//  - Recovery takes the lexicographically greatest snapshot name in snapshots/ as "latest" and adopts
//    its UUID, so the staged snapshots/ holds exactly one file: the chosen snapshot.
//  - WALs with that UUID are replayed in seq-num order past the snapshot's durable timestamp; the chain
//    must start at seq 0 or at a from_ts <= the snapshot's durable ts and have no seq gap, else recovery
//    fails. So wal/ holds nothing (--snapshot-only) or exactly the backup's WALs of the snapshot's UUID,
//    and the chain is checked here.
//  - Anything already in snapshots/ or wal/ would compete (a greater name wins; same-UUID WALs roll
//    forward), so both directories are replaced whole; the old ones are moved into a dot folder, which
//    recovery never reads (it does not recurse).
import { UsageError, q } from '../../errors/errors.js';
import type { Manifest, ManifestFile } from '../../store/manifest.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel } from '../../datadir/layout.js';
import { closeSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { chainFor, chainOfFiles, walSpan } from '../../format/recovery-chain.js';
import { FdSource } from '../../format/byte-source.js';
import { Reader } from '../../format/reader.js';
import { readWalInfo } from '../../format/wal.js';
import type { StoredForm } from '../../store/stored-file.js';

export const JOURNAL_NAME = '.mgbackup-restore.json';
export const ASIDE_PREFIX = '.mgbackup-pre-restore-';
export const STAGING_PREFIX = '.mgbackup-restore-staging-';
export const DURABILITY_DIRS = [SNAPSHOTS_DIR, WAL_DIR] as const;

export type RestoreMode = 'snapshot-only' | 'snapshot-and-wal';

export interface Owner {
  uid: number;
  gid: number;
}

export interface StageStep {
  /** Path inside the backup folder. */
  from: string;
  /** Path relative to the storage root. */
  to: string;
  kind: 'snapshot' | 'wal';
  /** Plain content: what is checked while it is staged. */
  size: number;
  sha256: string;
  /** The backup file is compressed: staged decompressed (stored-file.ts), its header checked then. */
  stored?: StoredForm;
  durabilityVersion: number;
  uuid?: string;
}

export interface AsideMove {
  /** snapshots or wal, relative to the storage root. */
  dir: string;
  to: string;
  /** Entries that move with it (names inside dir), for the operator. */
  entries: string[];
}

export interface RestorePlan {
  restoreId: string;
  backupId: string;
  mode: RestoreMode;
  /** Absolute data directory. */
  dataDir: string;
  /** '' for the default database, databases/<uuid> for a tenant. */
  storageRoot: string;
  createDataDir: boolean;
  /** All relative to the data directory. */
  stagingDir: string;
  asideDir: string | undefined;
  journal: string;
  stage: StageStep[];
  moveAside: AsideMove[];
  owner: Owner | undefined;
}

export interface TargetInventory {
  dataDir: string;
  exists: boolean;
  storageRoot: string;
  /** Names in the storage root (to keep the aside folder name unique). */
  rootNames: string[];
  /** Entries of snapshots/ and wal/; undefined when the directory does not exist. */
  dirs: Record<string, string[] | undefined>;
}

export interface SelectOptions {
  snapshotOnly: boolean;
  snapshot?: string;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Chooses the snapshot and (unless snapshot-only) its WAL chain from the manifest. */
export function selectFiles(manifest: Manifest, opts: SelectOptions): ManifestFile[] {
  const snapshots = manifest.files.filter((f) => f.kind === 'snapshot').sort((a, b) => (a.path < b.path ? -1 : 1));
  let snap: ManifestFile | undefined;
  if (opts.snapshot !== undefined) {
    snap = snapshots.find((f) => baseName(f.path) === opts.snapshot || f.path === opts.snapshot);
    if (!snap) {
      throw new UsageError(`backup ${q(manifest.id)} has no snapshot ${q(opts.snapshot)}`, {
        hints: [`its snapshots: ${snapshots.map((f) => baseName(f.path)).join(', ')}`],
      });
    }
  } else {
    snap = snapshots[snapshots.length - 1]!;
  }
  if (opts.snapshotOnly) return [snap];
  // Every WAL of the snapshot's UUID; chainOf() narrows them to the chain once they are verified.
  const wals = manifest.files
    .filter((f) => f.kind === 'wal' && f.uuid === snap.uuid)
    .sort((a, b) => {
      const sa = BigInt(a.seqNum ?? '0'), sb = BigInt(b.seqNum ?? '0');
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    });
  return [snap, ...wals];
}

/**
 * Narrows verified files (snapshot first) to the WAL chain Memgraph would replay on the snapshot, or
 * throws integrity when Memgraph would refuse to start on it. The rule is src/format/recovery-chain.ts,
 * the same one verify --deep applies.
 */
export function chainOf(dir: string, files: ManifestFile[], snapshotHeader?: { uuid: string; durableTs?: bigint }): ManifestFile[] {
  const [snap, ...wals] = files;
  if (wals.length === 0) return files;
  if (snap!.stored === undefined || snapshotHeader?.durableTs === undefined) return [snap!, ...chainOfFiles(dir, snap, wals)];
  // A compressed snapshot (restore streams it, source.ts) is not read here: its UUID and durable
  // timestamp come from its header, read and checked against the manifest by verifyFile. The WAL files
  // are plain files in `dir`; the rule is the same (chainFor).
  const withFd = <T>(rel: string, fn: (src: FdSource) => T): T => {
    const fd = openSync(path.join(dir, rel), 'r');
    try {
      return fn(new FdSource(fd, fstatSync(fd).size));
    } finally {
      closeSync(fd);
    }
  };
  const entries = wals.map((f) => {
    const info = withFd(f.path, (src) => readWalInfo(new Reader(src)));
    let span: { fromTs: bigint; toTs: bigint } | undefined | null = null;
    return {
      file: f, name: f.path, uuid: info.uuid, seqNum: info.sequenceNumber,
      span: () => (span !== null ? span : (span = withFd(f.path, (src) => walSpan(f.path, () => src)))),
    };
  });
  return [snap!, ...chainFor({ uuid: snapshotHeader.uuid, durableTs: snapshotHeader.durableTs }, entries).chain.map((e) => e.file)];
}

/** UTC time as a folder-name stamp: 20240506T070809Z. */
export function restoreStamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export interface PlanInput {
  manifest: Manifest;
  files: ManifestFile[];
  target: TargetInventory;
  now: Date;
  owner: Owner | undefined;
  snapshotOnly: boolean;
}

export function planRestore(input: PlanInput): RestorePlan {
  const { target } = input;
  let restoreId = restoreStamp(input.now);
  for (let n = 2; target.rootNames.includes(ASIDE_PREFIX + restoreId) || target.rootNames.includes(STAGING_PREFIX + restoreId); n++) {
    restoreId = `${restoreStamp(input.now)}-${n}`;
  }
  const root = target.storageRoot;
  const moveAside: AsideMove[] = [];
  const asideDir = joinRel(root, ASIDE_PREFIX + restoreId);
  for (const dir of DURABILITY_DIRS) {
    const entries = target.dirs[dir];
    if (entries !== undefined) moveAside.push({ dir: joinRel(root, dir), to: joinRel(asideDir, dir), entries });
  }
  const stagingDir = joinRel(root, STAGING_PREFIX + restoreId);
  return {
    restoreId,
    backupId: input.manifest.id,
    mode: input.snapshotOnly ? 'snapshot-only' : 'snapshot-and-wal',
    dataDir: target.dataDir,
    storageRoot: root,
    createDataDir: !target.exists,
    stagingDir,
    asideDir: moveAside.length > 0 ? asideDir : undefined,
    journal: joinRel(root, JOURNAL_NAME),
    stage: input.files.map((f) => ({
      from: f.path,
      to: joinRel(root, f.kind === 'snapshot' ? SNAPSHOTS_DIR : WAL_DIR, baseName(f.path)),
      kind: f.kind,
      size: f.size,
      sha256: f.sha256,
      ...(f.stored ? { stored: f.stored, uuid: f.uuid } : {}),
      durabilityVersion: f.durabilityVersion,
    })),
    moveAside,
    owner: input.owner,
  };
}
