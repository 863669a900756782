// src/core/copy owns `mgbackup copy`: backups (and the WAL archive) from one repository into another,
// local or S3 on either side, through RepoBackend only. Incremental: an object the target already
// holds with the sha256 the source promises is not sent again. Each backup is published in the target
// the way `create` publishes it: every data file first (each checked against the manifest while it
// streams), the archived WAL it needs (data, then record), and its manifest last, byte for byte the
// source's (so `pinned` and everything else is kept). A copy killed at any point leaves at most
// unlisted files without a manifest, which the next run finds by hash and completes.
import { MgBackupError, UsageError, q, throwIfAborted } from '../../errors/errors.js';
import { deleteKeys, type RepoBackend } from '../../repo/repo-backend.js';
import { listArchive } from '../../repo/wal-archive.js';
import { MANIFEST_NAME, parseManifest, type Manifest } from '../../store/manifest.js';
import { storedOf } from '../../store/stored-file.js';
import { EncryptedBackend } from '../../repo/encrypted-backend.js';
import { writeBackupSummary } from '../../repo/backup-summary.js';
import { readTombstones, scanRepoBackups, type RepoBackup } from '../forget/repo-backups.js';
import { resolveBackup } from '../forget/pin.js';
import type { Reporter } from '../reporter.js';
import { formatBytes } from '../format-bytes.js';
import { ArchiveCopier, recordKeyOf } from './copy-archive.js';
import { ObjectCopier, addTally, emptyTally, type Refusal, type Tally } from './object-copier.js';

/** WAL archive records copied at once with --all. */
const ARCHIVE_CONCURRENCY = 4;

export interface CopyRequest {
  /** Backup references (id, short id, "latest"); ignored with `all`. */
  refs: readonly string[];
  /** Every backup, and the whole WAL archive. */
  all: boolean;
  signal?: AbortSignal;
}

export interface CopyDeps {
  from: RepoBackend;
  to: RepoBackend;
  reporter: Reporter;
}

/** copied: published by this run; present: the target had it already; forgotten: forgotten in the target. */
export type BackupAction = 'copied' | 'present' | 'forgotten';

export interface BackupCopy extends Tally {
  id: string;
  action: BackupAction;
}

export interface CopyResult {
  backups: BackupCopy[];
  /** WAL archive files copied with --all beyond those the backups need. */
  archive: Tally;
  /** Everything: backups' files, their archived WAL and the archive. */
  total: Tally;
}

const sameContent = (a: Manifest, b: Manifest): boolean => {
  const files = (m: Manifest) => m.files.map((f) => `${f.path} ${f.sha256}`).sort().join('\n');
  const archived = (m: Manifest) => (m.archived ?? []).map((f) => `${f.key} ${f.sha256}`).sort().join('\n');
  return a.id === b.id && files(a) === files(b) && archived(a) === archived(b);
};

export async function runCopyCore(req: CopyRequest, deps: CopyDeps): Promise<CopyResult> {
  const { from, to, reporter } = deps;
  const scan = await scanRepoBackups(from);
  const chosen = req.all ? scan.backups : [...new Map(req.refs.map((ref) => {
    const gone = scan.forgotten.find((f) => f.tombstone.id === ref || f.tombstone.id.endsWith(`-${ref}`));
    if (gone !== undefined && !scan.backups.some((b) => b.id === ref)) {
      throw new MgBackupError('notFound', `backup ${q(gone.tombstone.id)} in ${q(from.location)} is forgotten; it is not copied`, {
        hints: ['`mgbackup list` shows the backups that exist'],
      });
    }
    const b = resolveBackup(scan.backups, ref, from.location);
    return [b.id, b] as const;
  })).values()];
  if (req.all) for (const b of scan.broken) reporter.warn(`backup folder ${q(b.id)} in ${q(from.location)} is not copied: ${b.problem}`);

  const objects = new ObjectCopier(from, to, req.signal);
  const archive = new ArchiveCopier(objects);
  const forgottenThere = await readTombstones(to);
  const result: CopyResult = { backups: [], archive: emptyTally(), total: emptyTally() };
  // A damaged backup does not hold back the others (a cron line shipping every backup would otherwise
  // stop at the first bad one for good); the run still fails (14) once the rest is copied.
  const damaged: { id: string; err: MgBackupError }[] = [];
  for (const b of chosen) {
    throwIfAborted(req.signal);
    let done: BackupCopy;
    if (forgottenThere.has(b.id)) {
      reporter.warn(`backup ${q(b.id)} is forgotten in ${q(to.location)}: not copied again`);
      done = { id: b.id, action: 'forgotten', ...emptyTally() };
    } else {
      try {
        done = await copyBackup(b, objects, archive, reporter);
      } catch (err) {
        if (!(err instanceof MgBackupError) || err.kind !== 'integrity') throw err;
        damaged.push({ id: b.id, err });
        continue;
      }
    }
    result.backups.push(done);
    addTally(result.total, done);
  }
  if (req.all) {
    const records = await listArchive(from);
    reporter.info(`copying the WAL archive (${records.length} files)`);
    const refuse: Refusal = (key, why) => brokenArchive(from, key, why);
    // A few records at once: WAL files are many and small, so on S3 the round trips per record (two
    // records read, a stat, two puts) cost more than the bytes. Records are independent of each other.
    // The first failure stops the others from starting more; the ones in flight end before it is
    // thrown, so nothing is still writing once the caller releases its locks.
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (next < records.length && !stop) {
        try {
          throwIfAborted(req.signal);
          await archive.copyRecord(recordKeyOf(records[next++]!), result.archive, refuse);
        } catch (err) {
          stop = true;
          throw err;
        }
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: Math.min(ARCHIVE_CONCURRENCY, records.length) }, worker));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    addTally(result.total, result.archive);
  }
  if (damaged.length === 1) throw damaged[0]!.err;
  if (damaged.length > 1) {
    for (const d of damaged) reporter.warn(d.err.message);
    throw new MgBackupError('integrity', `${damaged.length} backups in ${q(from.location)} are damaged and were not copied: ${damaged.map((d) => d.id).join(', ')}`, {
      hints: [`check them with \`mgbackup verify --all --repo ${from.location}\`; the other backups were copied`],
    });
  }
  return result;
}

/** One backup: its files, its archived WAL, then its manifest. A refusal removes what this run wrote for it. */
async function copyBackup(b: RepoBackup, objects: ObjectCopier, archive: ArchiveCopier, reporter: Reporter): Promise<BackupCopy> {
  const { from, to } = objects;
  const manifestKey = `${b.id}/${MANIFEST_NAME}`;
  const there = await objects.targetBytes(manifestKey);
  if (there === 'unreadable') {
    reporter.info(`backup ${b.id}: already in ${to.location} (not compared: no key that reads it was given)`);
    return { id: b.id, action: 'present', ...emptyTally() };
  }
  if (there !== undefined) {
    const theirs = parseManifest(Buffer.from(there).toString('utf8'), `${to.location}/${manifestKey}`);
    if (!sameContent(theirs, b.manifest)) {
      throw new MgBackupError('integrity', `backup ${q(b.id)} is in ${q(to.location)} already, with other files than in ${q(from.location)}`, {
        hints: ['two different backups carry one id; verify both repositories before copying it'],
      });
    }
    reporter.info(`backup ${b.id}: already in ${to.location}`);
    return { id: b.id, action: 'present', ...emptyTally() };
  }
  const tally = emptyTally();
  const refuse: Refusal = (key, why) => brokenBackup(b.id, from, key, why);
  const size = b.manifest.files.reduce((n, f) => n + f.size, 0);
  const step = reporter.step(`copying backup ${b.id} (${b.manifest.files.length} files, ${formatBytes(size)})`);
  let sent = 0;
  objects.onBytes = (n) => {
    sent += n;
    step.update(`copying backup ${b.id}: ${formatBytes(sent)} sent`);
  };
  const written: string[] = [];
  try {
    for (const ref of b.manifest.archived ?? []) await archive.copyRecord(`${ref.key}.json`, tally, refuse, ref);
    for (const f of b.manifest.files) {
      const key = `${b.id}/${f.path}`;
      const before = tally.copied;
      // Objects keep the form they are stored in (compressed or not); the stored sha256 decides.
      await objects.copy(key, storedOf(f), tally, refuse);
      if (tally.copied > before) written.push(key);
    }
    // The manifest is what makes the backup exist in the target: written last, as the source has it.
    const manifest = await objects.sourceBytes(manifestKey);
    if (manifest === undefined) throw refuse(manifestKey, 'it was removed while the backup was copied');
    // An encrypted target keeps a clear summary for `list` without a key, written before the manifest
    // as `create` does (src/store/remote-store.ts).
    if (to instanceof EncryptedBackend) await writeBackupSummary(to, parseManifest(Buffer.from(manifest).toString('utf8'), `${from.location}/${manifestKey}`));
    await to.put(manifestKey, manifest);
  } catch (err) {
    step.fail();
    // Files of a refused backup are no backup in the target; the archive's records stay (each verified).
    if (err instanceof MgBackupError && err.kind === 'integrity') await deleteKeys(to, written).catch(() => {});
    throw err;
  } finally {
    objects.onBytes = undefined;
  }
  step.succeed(`copied backup ${b.id}: ${tally.copied} file(s), ${formatBytes(tally.bytes)}${tally.skipped > 0 ? `, ${tally.skipped} already there` : ''}`);
  return { id: b.id, action: 'copied', ...tally };
}

function brokenBackup(id: string, from: RepoBackend, key: string, why: string): MgBackupError {
  return new MgBackupError('integrity', `backup ${q(id)} in ${q(from.location)} is damaged, not copied: ${q(`${from.location}/${key}`)}: ${why}`, {
    hints: [`check it with \`mgbackup verify --repo ${from.location} ${id}\`; nothing of it was published in the target`],
    details: { id, key },
  });
}

function brokenArchive(from: RepoBackend, key: string, why: string): MgBackupError {
  return new MgBackupError('integrity', `the WAL archive of ${q(from.location)} is damaged, not copied: ${q(`${from.location}/${key}`)}: ${why}`, {
    hints: [`check it with \`mgbackup verify --all --repo ${from.location}\``],
    details: { key },
  });
}

export function checkDistinct(from: RepoBackend, to: RepoBackend): void {
  if (from.location === to.location || (from.localPath('x') !== undefined && from.localPath('x') === to.localPath('x'))) {
    throw new UsageError(`--from and --to name the same repository ${q(to.location)}`, { hints: ['copy into another repository'] });
  }
}
