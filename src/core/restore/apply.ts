// Executes a RestorePlan on a local data directory. Never deletes target files: the old snapshots/ and
// wal/ directories are renamed whole into the plan's aside folder. The new snapshots/ and wal/ are
// written and fsynced under a staging folder in the same storage root, then renamed into place. A
// journal file records the phase so a re-run after a crash or kill completes the swap (phase
// "swapping") or discards an unfinished staging folder, which is ours (phase "staging").
//
// Two directories cannot be replaced in one atomic step, and Memgraph started on a mix (no
// snapshots/ with the old WALs, or the new snapshot with the old WALs) recovers neither state and
// ignores our journal. So the swap first puts a marker FILE where wal/ was: Memgraph's storage
// constructor then dies at startup with "Couldn't create directory '…/wal' … the path exists and
// isn't a directory!" (inmemory/storage.cpp EnsureDirOrDie, utils/file.cpp), loudly, instead of
// starting empty or mixed. Every state of the data directory is the old data, the new data, or
// that marker. With the native addon the marker and the wal/ directories trade places through
// renameat2(RENAME_EXCHANGE), so even the single moments between two renames are covered.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { copyAndHash, fsyncDir } from '../../store/checksum.js';
import { openPlainFile } from '../../store/stored-file.js';
import { readHeaderOf } from './verify.js';
import type { StageSource } from './remote-files.js';
import { ASIDE_PREFIX, JOURNAL_NAME, STAGING_PREFIX, type Owner, type RestorePlan } from './plan.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel } from '../../datadir/layout.js';
import { loadNative } from '../../datadir/server-lock.js';

export const JOURNAL_FORMAT = 'mgbackup-restore-journal';

export interface Journal {
  format: typeof JOURNAL_FORMAT;
  restoreId: string;
  backupId: string;
  phase: 'staging' | 'swapping';
  storageRoot: string;
  stagingDir: string;
  asideDir: string;
  owner: Owner | null;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  /** Called after each step ("staged snapshots/x", "moved aside wal", "swapped wal"); narration. */
  onStep?: (step: string) => void;
  /**
   * Files staged before they could be verified (downloaded straight into staging, remote-files.ts):
   * given the staging folder, checks them and returns the paths (relative to it) to keep; the others
   * are removed from staging and from plan.stage before the swap.
   */
  narrow?: (stagingDir: string) => Promise<string[]>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw fsError(err, 'stat', p);
  }
}

async function chownIf(p: string, owner: Owner | null | undefined): Promise<void> {
  if (!owner) return;
  try {
    await fsp.lchown(p, owner.uid, owner.gid);
  } catch (err) {
    throw fsError(err, `set owner ${owner.uid}:${owner.gid} of`, p);
  }
}

async function writeJournal(dataDir: string, j: Journal): Promise<void> {
  const file = path.join(dataDir, j.storageRoot, JOURNAL_NAME);
  const tmp = `${file}.tmp`;
  try {
    const fh = await fsp.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(JSON.stringify(j, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
    await fsyncDir(path.dirname(file));
  } catch (err) {
    throw fsError(err, 'write restore journal', file);
  }
}

export async function readJournal(dataDir: string, storageRoot: string): Promise<Journal | undefined> {
  const file = path.join(dataDir, storageRoot, JOURNAL_NAME);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fsError(err, 'read', file);
  }
  let j: Partial<Journal>;
  try {
    j = JSON.parse(text) as Partial<Journal>;
  } catch {
    j = {};
  }
  if (j.format !== JOURNAL_FORMAT || (j.phase !== 'staging' && j.phase !== 'swapping') || typeof j.stagingDir !== 'string' || typeof j.asideDir !== 'string') {
    throw new MgBackupError('integrity', `restore journal ${q(file)} is unreadable`, {
      hints: ['an earlier restore was interrupted; inspect the .mgbackup-* folders next to it, then move the journal away'],
    });
  }
  const id = j.restoreId;
  const owner = j.owner;
  // The journal is a deletion and rename target: every path in it must be mgbackup's own folder for
  // that restore id inside this storage root, exactly as apply writes it, or nothing is touched.
  const confined = typeof id === 'string' && RESTORE_ID.test(id) && j.storageRoot === storageRoot
    && j.stagingDir === joinRel(storageRoot, STAGING_PREFIX + id) && j.asideDir === joinRel(storageRoot, ASIDE_PREFIX + id)
    && typeof j.backupId === 'string'
    && (owner === null || (typeof owner === 'object' && Number.isInteger(owner?.uid) && Number.isInteger(owner?.gid)));
  if (!confined) {
    throw new MgBackupError('refused', `restore journal ${q(file)} names paths outside mgbackup's own folders (staging ${q(j.stagingDir)}, aside ${q(j.asideDir)}); nothing was changed`, {
      hints: [`mgbackup only uses ${STAGING_PREFIX}<id> and ${ASIDE_PREFIX}<id> next to the journal; check the data directory by hand, then move ${q(file)} away and run restore again`],
    });
  }
  return j as Journal;
}

const RESTORE_ID = /^\d{8}T\d{6}Z(-\d+)?$/;
export const MARKER_NAME = 'wal-blocked-by-mgbackup';

function markerText(j: Journal): string {
  return [
    'This file is not Memgraph\'s wal directory. It was put here by mgbackup on purpose.',
    `mgbackup restore ${j.restoreId} (backup ${j.backupId}) was interrupted while it swapped snapshots/ and wal/.`,
    'Memgraph refuses to start while this file is here, because the directory holds neither the old nor the new data.',
    'Run the same "mgbackup restore" command again: it completes the swap (see .mgbackup-restore.json).',
    `The previous snapshots/ and wal/ are kept in ${j.asideDir}/.`,
    '',
  ].join('\n');
}

async function isMarker(p: string): Promise<boolean> {
  try {
    const st = await fsp.lstat(p);
    return st.isFile() && (await fsp.readFile(p, 'utf8')).includes('put here by mgbackup on purpose');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw fsError(err, 'stat', p);
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.lstat(p)).isDirectory();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw fsError(err, 'stat', p);
  }
}

/** a and b trade places atomically when the kernel can; else two renames (b -> parked, a -> b). */
async function exchange(a: string, b: string, parked: string): Promise<void> {
  const native = loadNative().binding;
  if (native) {
    try {
      native.renameExchange(a, b);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'EINVAL' && code !== 'ENOSYS' && code !== 'EPERM') throw fsError(err, 'swap', b);
    }
  }
  await fsp.rename(b, parked);
  await fsp.rename(a, b);
}

/**
 * Puts the staged directories into place, the current ones aside; idempotent, so a re-run after a
 * kill at any point finishes it. Order: block wal/ with the marker, swap snapshots/, swap wal/.
 */
export async function completeSwap(dataDir: string, j: Journal, opts: ApplyOptions = {}): Promise<void> {
  const abs = (rel: string) => path.join(dataDir, rel);
  const root = abs(j.storageRoot);
  const live = { snapshots: abs(joinRel(j.storageRoot, SNAPSHOTS_DIR)), wal: abs(joinRel(j.storageRoot, WAL_DIR)) };
  const staged = { snapshots: abs(joinRel(j.stagingDir, SNAPSHOTS_DIR)), wal: abs(joinRel(j.stagingDir, WAL_DIR)) };
  const aside = { snapshots: abs(joinRel(j.asideDir, SNAPSHOTS_DIR)), wal: abs(joinRel(j.asideDir, WAL_DIR)) };
  const marker = abs(joinRel(j.stagingDir, MARKER_NAME));
  const moveAside = async (from: string, to: string, name: string) => {
    if (await exists(to)) {
      throw new MgBackupError('refused', `cannot move ${q(from)} aside: ${q(to)} already exists`, {
        hints: ['the restore folders were changed by hand; move one of them away and run restore again'],
      });
    }
    await fsp.mkdir(abs(j.asideDir), { recursive: true, mode: 0o755 });
    await fsp.rename(from, to);
    await fsyncDir(abs(j.asideDir));
    opts.onStep?.(`moved aside ${joinRel(j.storageRoot, name)}`);
  };
  try {
    if (await isDir(staged.wal)) {
      // 1. wal/ becomes the marker (the old wal/ goes aside).
      if (await isDir(marker)) await moveAside(marker, aside.wal, WAL_DIR); // an exchange done before a kill
      if (!(await isMarker(live.wal))) {
        if (!(await exists(marker))) {
          const fh = await fsp.open(marker, 'w', 0o644);
          try {
            await fh.writeFile(markerText(j));
            await fh.sync();
          } finally {
            await fh.close();
          }
        }
        if (await exists(live.wal)) {
          await fsp.mkdir(abs(j.asideDir), { recursive: true, mode: 0o755 });
          await exchange(marker, live.wal, aside.wal);
          if (await isDir(marker)) await moveAside(marker, aside.wal, WAL_DIR);
        } else {
          await fsp.rename(marker, live.wal);
        }
        await fsyncDir(root);
        opts.onStep?.(`blocked ${joinRel(j.storageRoot, WAL_DIR)}`);
      }
    }
    // 2. snapshots/: aside, then the staged one in.
    if (await isDir(staged.snapshots)) {
      if (await exists(live.snapshots)) await moveAside(live.snapshots, aside.snapshots, SNAPSHOTS_DIR);
      await fsp.rename(staged.snapshots, live.snapshots);
      await fsyncDir(root);
      opts.onStep?.(`swapped ${joinRel(j.storageRoot, SNAPSHOTS_DIR)}`);
    }
    // 3. wal/: the staged directory and the marker trade places.
    if (await isDir(staged.wal)) {
      await exchange(staged.wal, live.wal, marker);
      await fsyncDir(root);
      opts.onStep?.(`swapped ${joinRel(j.storageRoot, WAL_DIR)}`);
    }
  } catch (err) {
    if (err instanceof MgBackupError) throw err;
    throw fsError(err, 'move into place', root);
  }
  // Only our staging folder (now the spent marker) and the journal go.
  await fsp.rm(abs(j.stagingDir), { recursive: true, force: true });
  await fsp.rm(path.join(root, JOURNAL_NAME), { force: true });
  await fsyncDir(root);
}

/** Finishes or discards what an interrupted restore left; returns what it did. */
export async function resumeInterrupted(dataDir: string, storageRoot: string, opts: ApplyOptions = {}): Promise<{ journal: Journal; action: 'completed' | 'discarded' } | undefined> {
  const j = await readJournal(dataDir, storageRoot);
  if (!j) return undefined;
  if (j.phase === 'swapping') {
    await completeSwap(dataDir, j, opts);
    return { journal: j, action: 'completed' };
  }
  await fsp.rm(path.join(dataDir, j.stagingDir), { recursive: true, force: true });
  await fsp.rm(path.join(dataDir, storageRoot, JOURNAL_NAME), { force: true });
  return { journal: j, action: 'discarded' };
}

/** Backup files from a local folder: copied (decompressed on the way when compressed) and hashed in one pass. */
export function localStageSource(sourceDir: string): StageSource {
  return {
    async stage(s, dest, signal) {
      // A compressed file is decompressed on its way; the plain sha256 is checked before anything is swapped in.
      const h = await copyAndHash(openPlainFile(path.join(sourceDir, s.from), s.stored, s.from), dest, { mode: 0o644, ...(signal ? { signal } : {}) });
      if (h.size !== s.size || h.sha256 !== s.sha256) {
        throw new MgBackupError('integrity', `backup file ${q(s.from)} changed while it was copied (sha256 ${h.sha256}, expected ${s.sha256})`, {
          hints: ['something is writing to the backup store; run restore again'],
        });
      }
    },
  };
}

async function stageFiles(plan: RestorePlan, source: StageSource, opts: ApplyOptions): Promise<void> {
  const abs = (rel: string) => path.join(plan.dataDir, rel);
  const staging = abs(plan.stagingDir);
  for (const name of [SNAPSHOTS_DIR, WAL_DIR]) {
    await fsp.mkdir(path.join(staging, name), { recursive: true, mode: 0o755 });
    await chownIf(path.join(staging, name), plan.owner);
  }
  await chownIf(staging, plan.owner);
  const prefix = plan.storageRoot === '' ? '' : plan.storageRoot + '/';
  // Several files at once where the source says so (downloads: each waits on the network). On the first
  // failure the others are stopped and awaited, so that nothing writes into staging once it is removed.
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let next = 0;
  const worker = async () => {
    while (next < plan.stage.length) {
      throwIfAborted(signal);
      const s = plan.stage[next++]!;
      const dest = path.join(staging, s.to.slice(prefix.length));
      await source.stage(s, dest, signal);
      // A compressed file's header is read here, from the plain copy (verify took it from the manifest).
      if (s.stored !== undefined) await checkStagedHeader(dest, s);
      // copyAndHash creates with a umask-filtered mode; Memgraph's user must be able to read it.
      await fsp.chmod(dest, 0o644);
      await chownIf(dest, plan.owner);
      opts.onStep?.(`staged ${s.to}`);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(source.parallel ?? 1, plan.stage.length)) }, () => worker().catch((err: unknown) => {
    stop.abort(err);
    throw err;
  })));
  // The first failure is the cause; the others are its abort.
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    throwIfAborted(opts.signal);
    throw stop.signal.reason;
  }
  if (opts.narrow) {
    const keep = new Set(await opts.narrow(staging));
    const rel = (s: RestorePlan['stage'][number]) => s.to.slice(prefix.length);
    for (const s of plan.stage) if (!keep.has(rel(s))) await fsp.rm(path.join(staging, rel(s)), { force: true });
    plan.stage = plan.stage.filter((s) => keep.has(rel(s)));
  }
  for (const name of [SNAPSHOTS_DIR, WAL_DIR]) await fsyncDir(path.join(staging, name));
  await fsyncDir(staging);
}

/** The durability header of a staged (decompressed) file against the manifest: kind, version, uuid. */
async function checkStagedHeader(dest: string, s: RestorePlan['stage'][number]): Promise<void> {
  let header;
  try {
    header = await readHeaderOf(dest, s.from);
  } catch (err) {
    throw new MgBackupError('integrity', `backup file ${q(s.from)}: ${(err as Error).message}`, { hints: ['the backup is damaged; nothing was written to the target'] });
  }
  const problem = header.kind !== s.kind ? `is a ${header.kind} by its header, the manifest says ${s.kind}`
    : header.version !== s.durabilityVersion ? `has durability version ${header.version}, the manifest says ${s.durabilityVersion}`
      : s.uuid && header.uuid !== s.uuid ? `has uuid ${q(header.uuid)}, the manifest says ${q(s.uuid)}` : undefined;
  if (problem !== undefined) {
    throw new MgBackupError('integrity', `backup file ${q(s.from)} ${problem}`, { hints: ['the backup is damaged; nothing was written to the target'] });
  }
}

/** Runs the plan: create the data directory if needed, stage, then swap. */
export async function applyPlan(plan: RestorePlan, from: string | StageSource, opts: ApplyOptions = {}): Promise<void> {
  const source = typeof from === 'string' ? localStageSource(from) : from;
  const root = path.join(plan.dataDir, plan.storageRoot);
  if (plan.createDataDir) {
    try {
      await fsp.mkdir(plan.dataDir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw fsError(err, 'create', plan.dataDir);
    }
    // Memgraph refuses to start unless its euid owns the data directory root (durability.cpp:90-112).
    await chownIf(plan.dataDir, plan.owner);
  }
  const journal: Journal = {
    format: JOURNAL_FORMAT,
    restoreId: plan.restoreId,
    backupId: plan.backupId,
    phase: 'staging',
    storageRoot: plan.storageRoot,
    stagingDir: plan.stagingDir,
    asideDir: plan.asideDir ?? joinRel(plan.storageRoot, ASIDE_PREFIX + plan.restoreId),
    owner: plan.owner ?? null,
  };
  await writeJournal(plan.dataDir, journal);
  try {
    await stageFiles(plan, source, opts);
    throwIfAborted(opts.signal);
  } catch (err) {
    // Only our own staging folder and journal go: the target is as it was.
    await fsp.rm(path.join(plan.dataDir, plan.stagingDir), { recursive: true, force: true });
    await fsp.rm(path.join(root, JOURNAL_NAME), { force: true });
    // A data directory made by this run goes too (rmdir: only while empty), as if it never began.
    if (plan.createDataDir) await fsp.rmdir(plan.dataDir).catch(() => {});
    throw err;
  }
  await writeJournal(plan.dataDir, { ...journal, phase: 'swapping' });
  // Renames take microseconds; once begun, the swap finishes even if SIGINT arrives meanwhile.
  await completeSwap(plan.dataDir, { ...journal, phase: 'swapping' }, { onStep: opts.onStep });
}
