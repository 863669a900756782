// Executes a RestorePlan on a local data directory. Never deletes target files: the old snapshots/ and
// wal/ directories are renamed whole into the plan's aside folder. Staging is atomic per directory:
// the new snapshots/ and wal/ are written and fsynced under a temp name in the same storage root, then
// renamed into place. A journal file records the phase so a re-run after a crash or kill completes the
// swap (phase "swapping") or discards an unfinished staging folder, which is ours (phase "staging").
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { copyAndHash, fsyncDir } from '../../store/checksum.js';
import { DURABILITY_DIRS, JOURNAL_NAME, type Owner, type RestorePlan } from './plan.js';
import { joinRel } from '../../datadir/layout.js';

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
  return j as Journal;
}

/** Renames the staged directories into place, moving the current ones aside first. Idempotent. */
export async function completeSwap(dataDir: string, j: Journal, opts: ApplyOptions = {}): Promise<void> {
  const abs = (rel: string) => path.join(dataDir, rel);
  const root = abs(j.storageRoot);
  for (const name of DURABILITY_DIRS) {
    const staged = abs(joinRel(j.stagingDir, name));
    const live = abs(joinRel(j.storageRoot, name));
    if (!(await exists(staged))) continue; // swapped before the interruption
    try {
      if (await exists(live)) {
        const aside = abs(joinRel(j.asideDir, name));
        if (await exists(aside)) {
          throw new MgBackupError('internal', `cannot move ${q(live)} aside: ${q(aside)} already exists`, {
            hints: ['the restore folders were changed by hand; move one of them away and run restore again'],
          });
        }
        await fsp.mkdir(abs(j.asideDir), { recursive: true, mode: 0o755 });
        await fsp.rename(live, aside);
        await fsyncDir(abs(j.asideDir));
        opts.onStep?.(`moved aside ${joinRel(j.storageRoot, name)}`);
      }
      await fsp.rename(staged, live);
      await fsyncDir(root);
    } catch (err) {
      throw fsError(err, 'move into place', live);
    }
    opts.onStep?.(`swapped ${joinRel(j.storageRoot, name)}`);
  }
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

async function stageFiles(plan: RestorePlan, sourceDir: string, opts: ApplyOptions): Promise<void> {
  const abs = (rel: string) => path.join(plan.dataDir, rel);
  const staging = abs(plan.stagingDir);
  for (const name of DURABILITY_DIRS) {
    await fsp.mkdir(path.join(staging, name), { recursive: true, mode: 0o755 });
    await chownIf(path.join(staging, name), plan.owner);
  }
  await chownIf(staging, plan.owner);
  const prefix = plan.storageRoot === '' ? '' : plan.storageRoot + '/';
  for (const s of plan.stage) {
    throwIfAborted(opts.signal);
    const dest = path.join(staging, s.to.slice(prefix.length));
    const h = await copyAndHash(fs.createReadStream(path.join(sourceDir, s.from)), dest, { mode: 0o644, signal: opts.signal });
    if (h.size !== s.size || h.sha256 !== s.sha256) {
      throw new MgBackupError('integrity', `backup file ${q(s.from)} changed while it was copied (sha256 ${h.sha256}, expected ${s.sha256})`, {
        hints: ['something is writing to the backup store; run restore again'],
      });
    }
    // copyAndHash creates with a umask-filtered mode; Memgraph's user must be able to read it.
    await fsp.chmod(dest, 0o644);
    await chownIf(dest, plan.owner);
    opts.onStep?.(`staged ${s.to}`);
  }
  for (const name of DURABILITY_DIRS) await fsyncDir(path.join(staging, name));
  await fsyncDir(staging);
}

/** Runs the plan: create the data directory if needed, stage, then swap. */
export async function applyPlan(plan: RestorePlan, sourceDir: string, opts: ApplyOptions = {}): Promise<void> {
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
    asideDir: plan.asideDir ?? joinRel(plan.storageRoot, `.mgbackup-pre-restore-${plan.restoreId}`),
    owner: plan.owner ?? null,
  };
  await writeJournal(plan.dataDir, journal);
  try {
    await stageFiles(plan, sourceDir, opts);
    throwIfAborted(opts.signal);
  } catch (err) {
    // Only our own staging folder and journal go: the target is as it was.
    await fsp.rm(path.join(plan.dataDir, plan.stagingDir), { recursive: true, force: true });
    await fsp.rm(path.join(root, JOURNAL_NAME), { force: true });
    throw err;
  }
  await writeJournal(plan.dataDir, { ...journal, phase: 'swapping' });
  // Renames take microseconds; once begun, the swap finishes even if SIGINT arrives meanwhile.
  await completeSwap(plan.dataDir, { ...journal, phase: 'swapping' }, { onStep: opts.onStep });
}
