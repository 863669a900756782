// Point-in-time restore (`restore --to-time T` / `--to-ts TS`): the newest base backup at or before the
// target, the WAL chain after it from the archive (and from backups), the last file cut after the last
// commit at or before the target (src/format/wal-cut.ts: Memgraph's own bytes, summary made "not
// finalized"). The chosen files are laid out as a backup folder in a private temp folder (symlinks to
// the repository's files, the cut written out), so that the ordinary restore plan and apply stage them
// and check every sha256 while copying: the data directory is written exactly as by a plain restore.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { planPointInTime, restoreIntervals } from '../../format/point-in-time.js';
import { describeProblem } from '../../format/recovery-chain.js';
import { describeGap } from '../../repo/wal-archive.js';
import { cutWal } from '../../format/wal-cut.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { openRepo, type S3Settings } from '../../repo/repo-url.js';
import { BackupStore } from '../../store/backup-store.js';
import type { Manifest, ManifestFile } from '../../store/manifest.js';
import { plainStream, plainView, type StoredForm } from '../../store/stored-file.js';
import type { OpenedSource } from './source.js';
import { localStageSource } from './apply.js';
import { remoteStageSource, type RemoteFile, type StageSource } from './remote-files.js';
import { commitAtTime, durableBy, readTimelines, type Timeline, type TimelineWal } from './timeline.js';

export type PointInTimeTarget = { kind: 'time'; time: Date } | { kind: 'ts'; ts: bigint };

/** What was restored, for the operator (text and --json). */
export interface PointInTimeResult {
  /** As asked: the ISO time or the commit timestamp. */
  requested: { time?: string; ts?: string };
  /** The storage UUID whose timeline served it. */
  uuid: string;
  /** The exact commit restored to: the last commit at or before the target. */
  ts: string;
  /** The time that commit is known durable by (timestamp map); with --to-time, at or before the target. */
  at: string | undefined;
  baseBackup: string;
  snapshot: string;
  /** WAL files staged whole, then the cut one. */
  wals: string[];
  cut: { from: string; name: string; kept: number; dropped: number } | undefined;
  window: { earliest: { ts: string; at: string }; latest: { ts: string; at: string } };
}

export interface PointInTimeSource extends OpenedSource {
  /** The files to stage, snapshot first, chain in order (already chosen: no selection or chain rule). */
  files: ManifestFile[];
  pointInTime: PointInTimeResult;
  warnings: string[];
  /** With `direct` and a remote repository: stages the files from the repository (the cut from `dir`). */
  stageSource?: StageSource;
}

export interface PointInTimeOptions {
  repo: string;
  /** For an s3:// repo (repo/repo-url.ts). */
  s3?: S3Settings;
  target: PointInTimeTarget;
  /** Database name the base backups were taken from (default memgraph). */
  database?: string;
  tmpDir?: string;
  signal?: AbortSignal;
  /** The restore's clock: a --to-time in the future is after the window. */
  now: Date;
  /** Test seam: the repository's storage (default: the local folder). */
  backend?: RepoBackend;
  /**
   * A remote repository's files are not downloaded here: the source's `stageSource` downloads each
   * into the target's staging folder (remote-files.ts), checking it on the way (offline restore).
   */
  direct?: boolean;
}

const windowText = (tl: Timeline): string => {
  const w = tl.window!;
  return `${w.earliest.at} (commit ${w.earliest.ts}) .. ${w.latest.at} (commit ${w.latest.ts})`;
};

const targetText = (t: PointInTimeTarget): string => (t.kind === 'time' ? `--to-time ${q(t.time.toISOString())}` : `--to-ts ${q(t.ts)}`);

/**
 * Whether the window holds the target. A time after the newest observation is inside as long as it is
 * not in the future: the archive is written only when something changes, so "nothing newer seen"
 * is the state at T unless the archiver stopped (the result names the commit and time restored to,
 * and a warning says how old the newest observation is).
 */
function contains(tl: Timeline, t: PointInTimeTarget, now: Date): boolean {
  const w = tl.window!;
  if (t.kind === 'ts') return t.ts >= w.earliest.ts && t.ts <= w.latest.ts;
  const ms = t.time.getTime();
  return ms >= Date.parse(w.earliest.at) && ms <= Math.max(now.getTime(), Date.parse(w.latest.at));
}

/** The timeline to restore from: of this database, whose window holds the target (the newest such). */
function chooseTimeline(all: Timeline[], database: string, target: PointInTimeTarget, repo: string, now: Date): Timeline {
  const mine = all.filter((tl) => tl.window !== undefined && (tl.databases.length === 0 || tl.databases.includes(database)));
  if (mine.length === 0) {
    throw new MgBackupError('notFound', `repository ${q(repo)} has nothing to restore database ${q(database)} from: no base backup`, {
      hints: ['take a base backup with `mgbackup create` (and keep `mgbackup watch` archiving its WAL)'],
    });
  }
  const newestFirst = (a: Timeline, b: Timeline) => Date.parse(b.window!.latest.at) - Date.parse(a.window!.latest.at);
  const hits = mine.filter((tl) => contains(tl, target, now) && !beyondHole(tl, target)).sort(newestFirst);
  if (hits.length > 0) return hits[0]!;
  const tl = mine.sort(newestFirst)[0]!;
  for (const t of mine) {
    if (beyondHole(t, target)) throw holeError(t, target);
  }
  const w = tl.window!;
  const before = target.kind === 'ts' ? target.ts < w.earliest.ts : target.time.getTime() < Date.parse(w.earliest.at);
  throw new MgBackupError('notFound', `${targetText(target)} is ${before ? 'before' : 'after'} the restore window of database ${q(database)}: ${windowText(tl)}`, {
    hints: [before
      ? 'older states are in no base backup kept in this repository'
      : target.kind === 'time'
        ? `that time is still to come (now is ${now.toISOString()}); pick a point inside the window`
        : 'later commits are not archived yet (is `mgbackup watch` running?); pick a point inside the window'],
    details: { uuid: tl.uuid, window: { earliest: { ts: String(w.earliest.ts), at: w.earliest.at }, latest: { ts: String(w.latest.ts), at: w.latest.at } } },
  });
}

/** The target lies after the window's end but inside what the archive holds: a hole cuts it off. */
function beyondHole(tl: Timeline, t: PointInTimeTarget): boolean {
  const w = tl.window!;
  if (t.kind === 'ts') return t.ts > w.latest.ts && tl.wals.some((x) => x.toTs >= t.ts);
  // A time past the window's end with commits observed after it: those lie beyond the hole.
  const ms = t.time.getTime();
  return tl.observed.some((p) => p.ts > w.latest.ts && Date.parse(p.at) <= ms);
}

/** Exit 14 naming the missing sequence numbers: never restore past a hole. */
function holeError(tl: Timeline, t: PointInTimeTarget): MgBackupError {
  const ts = t.kind === 'ts' ? t.ts : commitAtTime(tl, t.time)?.ts ?? tl.window!.latest.ts;
  const reach = restoreIntervals(tl.bases, tl.wals).filter((i) => i.from <= ts && i.hole !== undefined).at(-1);
  const missing = reach?.hole?.missing.map(String) ?? tl.holes.flatMap((h) => h.missing.map(String));
  const what = reach?.hole !== undefined ? describeProblem(reach.hole) : tl.holes.map(describeGap).join('; ');
  return new MgBackupError('integrity', `${targetText(t)} lies behind a hole in the wal archive of storage ${tl.uuid}: ${what}`, {
    hints: [
      `the newest point before the hole is ${tl.window!.latest.at} (commit ${tl.window!.latest.ts}); restore to it or earlier, or take a new base backup`,
      'the missing wal files cannot be replaced; `mgbackup verify --all` lists every hole',
    ],
    details: { uuid: tl.uuid, missingSequenceNumbers: missing },
  });
}

/** The plain bytes of a timeline WAL (one segment), checked against its recorded sha256 and size. */
async function readWal(w: TimelineWal, backend: RepoBackend, store: BackupStore): Promise<Buffer> {
  const abs = localFileOf(w, backend, store);
  const raw = abs !== undefined ? fs.createReadStream(abs) : await (w.from.kind === 'archive' ? backend : store.backend).get(keyOf(w));
  const parts: Buffer[] = [];
  for await (const chunk of plainStream(raw, w.stored, sourceOf(w)) as AsyncIterable<Buffer>) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== w.size || sha !== w.sha256) {
    throw new MgBackupError('integrity', `wal ${q(w.name)} (${q(sourceOf(w))}) has ${bytes.length} bytes and sha256 ${sha}, its record says ${w.size} and ${w.sha256}`, {
      hints: ['the archive is damaged; `mgbackup verify --all` lists what else is; restore to a point before it'],
    });
  }
  return bytes;
}

const keyOf = (w: TimelineWal): string => (w.from.kind === 'archive' ? w.from.key : `${w.from.backupId}/${w.from.file}`);

/** The local file behind a timeline WAL, when the repository is a folder. */
function localFileOf(w: TimelineWal, backend: RepoBackend, store: BackupStore): string | undefined {
  if (w.from.kind === 'archive') return backend.localPath(w.from.key);
  return store.remote ? undefined : path.join(store.root, w.from.backupId, w.from.file);
}

const sourceOf = (w: TimelineWal): string => (w.from.kind === 'archive' ? w.from.key : `${w.from.backupId}/${w.from.file}`);

/** A file of the repository at `dest`: a symlink to the local file, or a download. */
async function place(w: TimelineWal, backend: RepoBackend, store: BackupStore, dest: string, signal?: AbortSignal): Promise<void> {
  const abs = localFileOf(w, backend, store);
  if (abs !== undefined) return fsp.symlink(abs, dest);
  // Downloaded as is: the staged files are checked against their sha256 before the target is touched.
  await pipeline(await (w.from.kind === 'archive' ? backend : store.backend).get(keyOf(w)), fs.createWriteStream(dest, { mode: 0o600 }), signal ? { signal } : {});
}

function walEntry(name: string, w: TimelineWal, size: number, sha256: string, stored?: StoredForm): ManifestFile {
  return {
    path: `wal/${name}`, kind: 'wal', size, sha256, ...(stored ? { stored } : {}),
    durabilityVersion: w.durabilityVersion, uuid: w.uuid, seqNum: w.seqNum.toString(), pinnedBy: 'copy',
  };
}

export async function openPointInTime(opts: PointInTimeOptions): Promise<PointInTimeSource> {
  const store = await BackupStore.open(opts.backend ?? await openRepo(opts.repo, opts.s3 ?? {}), { create: false });
  try {
    return await pointInTimeOf(opts, store, opts.backend ?? store.backend);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function pointInTimeOf(opts: PointInTimeOptions, store: BackupStore, backend: RepoBackend): Promise<PointInTimeSource> {
  const database = opts.database ?? 'memgraph';
  const timelines = await readTimelines(await store.list(), backend);
  const tl = chooseTimeline(timelines, database, opts.target, opts.repo, opts.now);
  const w = tl.window!;
  // --to-time: the greatest commit seen durable at or before T (never one made after it).
  const targetTs = opts.target.kind === 'ts' ? opts.target.ts : commitAtTime(tl, opts.target.time)!.ts;
  const plan = planPointInTime(tl.bases, tl.wals, targetTs);
  const base = plan.snapshot;
  if (base === undefined) {
    throw new MgBackupError('notFound', `${targetText(opts.target)} needs a base backup: the archive reaches it only from wal sequence number 0`, {
      hints: ['take a base backup with `mgbackup create`; a restore always starts from a snapshot'],
    });
  }
  throwIfAborted(opts.signal);

  const tmp = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'mgbackup-pitr-'));
  let dir = tmp;
  let close = async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
    await store.close();
  };
  try {
    await fsp.mkdir(path.join(tmp, 'snapshots'));
    await fsp.mkdir(path.join(tmp, 'wal'));
    // Remote files left where they are (direct): apply downloads them into staging, checking each.
    const remote = opts.direct === true && store.remote ? new Map<string, RemoteFile>() : undefined;
    if (remote !== undefined) remote.set(`snapshots/${base.name}`, { backend: store.backend, key: `${base.backup.id}/${base.snapshot.path}` });
    // Else a remote base backup is downloaded first (store.fetch); its sha256 is checked before the target is touched.
    else await fsp.symlink(path.join((await store.fetch(base.backup, opts.signal)).dir, base.snapshot.path), path.join(tmp, 'snapshots', base.name));
    let files: ManifestFile[] = [{ ...base.snapshot, path: `snapshots/${base.name}` }];
    let restoredTs = base.durableTs;
    for (const wal of plan.wals) {
      throwIfAborted(opts.signal);
      if (remote !== undefined && localFileOf(wal, backend, store) === undefined) {
        remote.set(`wal/${wal.name}`, { backend: wal.from.kind === 'archive' ? backend : store.backend, key: keyOf(wal) });
      } else {
        await place(wal, backend, store, path.join(tmp, 'wal', wal.name), opts.signal);
      }
      files.push(walEntry(wal.name, wal, wal.size, wal.sha256, wal.stored));
      if (wal.toTs > restoredTs) restoredTs = wal.toTs;
    }
    let cut: PointInTimeResult['cut'];
    if (plan.cut !== undefined) {
      const c = cutWal(await readWal(plan.cut, backend, store), targetTs, plan.cut.name);
      cut = { from: sourceOf(plan.cut), name: c.name, kept: c.kept, dropped: c.dropped };
      // No complete transaction left: Memgraph drops such a file (durability.cpp:192-193); stage none.
      if (c.kept > 0) {
        await fsp.writeFile(path.join(tmp, 'wal', c.name), c.bytes, { mode: 0o600 });
        files.push(walEntry(c.name, plan.cut, c.bytes.length, createHash('sha256').update(c.bytes).digest('hex')));
      }
      if (c.lastTs !== undefined && c.lastTs > restoredTs) restoredTs = c.lastTs;
    }
    // Compressed files are decompressed into a second private folder (checked against their plain
    // sha256 on the way), so restore and convert read Memgraph's bytes with random access.
    // Staged directly, they are decompressed on their way into staging instead.
    const plain = remote !== undefined ? undefined : await plainView(tmp, files, { ...(opts.tmpDir === undefined ? {} : { tmpDir: opts.tmpDir }), ...(opts.signal ? { signal: opts.signal } : {}) });
    if (plain !== undefined) {
      const inner = close;
      close = async () => { await plain.close(); await inner(); };
      files = plain.files;
      dir = plain.dir;
    }
    const manifest: Manifest = { ...base.backup.manifest, files, snapshotOnly: files.length === 1 };
    delete manifest.archived;
    const pointInTime: PointInTimeResult = {
      requested: opts.target.kind === 'time' ? { time: opts.target.time.toISOString() } : { ts: opts.target.ts.toString() },
      uuid: tl.uuid,
      ts: restoredTs.toString(),
      at: durableBy(tl, restoredTs),
      baseBackup: base.backup.id,
      snapshot: base.name,
      wals: plan.wals.map((x) => x.name),
      cut,
      window: { earliest: { ts: String(w.earliest.ts), at: w.earliest.at }, latest: { ts: String(w.latest.ts), at: w.latest.at } },
    };
    const warnings: string[] = [];
    if (opts.target.kind === 'time' && opts.target.time.getTime() > Date.parse(w.latest.at)) {
      warnings.push(`the newest commit in the archive (${w.latest.ts}) was seen durable at ${w.latest.at}, before ${opts.target.time.toISOString()}; `
        + 'commits made in between, if any, were never archived and are not restored');
    }
    return {
      dir, manifest, files, pointInTime, close, warnings,
      ...(remote === undefined ? {} : { stageSource: remoteStageSource((from) => remote.get(from), localStageSource(dir)) }),
      description: `backup ${q(base.backup.id)} in repository ${q(opts.repo)} rolled forward to commit ${restoredTs}`,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
