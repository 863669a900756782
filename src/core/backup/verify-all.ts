// verify --all: the whole repository as a restore would need it. Every backup as `verify` checks it
// (sha256 and header of each file, nothing unlisted), each WAL a backup references in the archive,
// every archived WAL (its bytes against its record), chain continuity per storage UUID, and a restore
// window without holes. All problems are collected and reported together, each naming what is wrong.
import { createHash } from 'node:crypto';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { describeGap, listArchive, type WalRecord } from '../../repo/wal-archive.js';
import { decodeWal } from '../../format/index.js';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { hashStream } from '../../store/checksum.js';
import type { BackupStore, StoredBackup } from '../../store/backup-store.js';
import { joinArchived } from '../restore/archived-wal.js';
import { plainStream, plainView, storedOf } from '../../store/stored-file.js';
import type { Reporter } from '../reporter.js';
import { readTimelines } from '../restore/timeline.js';
import { verifyBackup } from './verify.js';
import { deepCheckBackup, type DeepCheck } from './verify-deep.js';

export interface VerifyAllResult {
  backups: { id: string; ok: boolean; files: number; bytes: number; problem?: string; deep?: DeepCheck }[];
  archive: { files: number; bytes: number };
  /** Per storage UUID: its restore window (as list shows it) and whether it has holes. */
  timelines: { uuid: string; window: { earliest: { ts: string; at: string }; latest: { ts: string; at: string } } | null; holes: string[] }[];
  problems: string[];
}

export interface VerifyAllDeps {
  store: BackupStore;
  backend: RepoBackend;
  reporter: Reporter;
  signal?: AbortSignal;
  deep?: boolean;
}


/** The archived WAL's bytes against its record; with deep, also decoded (a prefix may end torn, never damaged). */
async function checkRecord(backend: RepoBackend, r: WalRecord, deep: boolean, signal?: AbortSignal): Promise<string | undefined> {
  let got: { size: number; sha256: string };
  try {
    got = await hashStream(await backend.get(r.dataKey), signal);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') return `archived wal ${q(r.dataKey)} (${r.name}) is missing; its record ${q(recordKey(r))} remains`;
    throw err;
  }
  const want = storedOf(r);
  if (got.size !== want.size) return `archived wal ${q(r.dataKey)} has ${got.size} bytes, its record says ${want.size}`;
  if (got.sha256 !== want.sha256) return `archived wal ${q(r.dataKey)} has sha256 ${got.sha256}, its record says ${want.sha256}`;
  if (deep) {
    try {
      // One WAL segment, decoded whole; a compressed one is decompressed first and its plain hash checked.
      const parts: Buffer[] = [];
      for await (const c of plainStream(await backend.get(r.dataKey), r.stored, r.dataKey) as AsyncIterable<Buffer>) parts.push(c);
      const bytes = Buffer.concat(parts);
      if (r.stored !== undefined && createHash('sha256').update(bytes).digest('hex') !== r.sha256) {
        return `archived wal ${q(r.dataKey)} decompresses to other bytes than its record's sha256 ${r.sha256}`;
      }
      decodeWal(bytes, { name: r.name, finalized: r.finalized });
    } catch (err) {
      return `archived wal ${q(r.dataKey)} does not decode: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/**
 * verify --deep of a backup, its archived WAL joined in: compressed files are decompressed into a
 * private temp folder first (checked against their plain sha256 on the way), then everything is
 * decoded and replayed from Memgraph's bytes.
 */
export async function deepCheckWithArchive(b: StoredBackup, backend: RepoBackend, signal?: AbortSignal): Promise<DeepCheck> {
  const joined = await joinArchived(b.dir, b.manifest, backend, {});
  const dir = joined?.dir ?? b.dir;
  const manifest = joined?.manifest ?? b.manifest;
  try {
    const plain = await plainView(dir, manifest.files, signal ? { signal } : {});
    if (plain === undefined) return deepCheckBackup(dir, manifest);
    try {
      return deepCheckBackup(plain.dir, { ...manifest, files: plain.files });
    } finally {
      await plain.close();
    }
  } finally {
    await joined?.close();
  }
}

const recordKey = (r: WalRecord): string => (r.finalized ? `${r.dataKey}.json` : r.dataKey.replace(/\.part-\d{20}$/, '.part.json'));

export async function verifyAll(deps: VerifyAllDeps): Promise<VerifyAllResult> {
  const { store, backend, reporter, signal } = deps;
  const problems: string[] = [];
  const { backups: stored, broken } = await store.scan();
  for (const b of broken) problems.push(`backup ${q(b.name)} is broken: ${b.problem}`);

  const backups: VerifyAllResult['backups'] = [];
  for (const b of stored) {
    throwIfAborted(signal);
    try {
      const r = await verifyBackup(store, b.id, { reporter, ...(signal ? { signal } : {}) });
      const row: VerifyAllResult['backups'][number] = { id: b.id, ok: true, files: r.files.length, bytes: r.bytes };
      if (deps.deep) row.deep = await deepCheckWithArchive(await store.fetch(b, signal), backend, signal);
      backups.push(row);
    } catch (err) {
      if (!(err instanceof MgBackupError) || err.kind === 'interrupted') throw err;
      backups.push({ id: b.id, ok: false, files: b.manifest.files.length, bytes: 0, problem: err.message });
      problems.push(err.message.startsWith('backup ') ? err.message : `backup ${b.id}: ${err.message}`);
    } finally {
      // A remote backup's local copy goes before the next one is fetched: disk use stays one backup.
      await store.release(b);
    }
  }

  const records = await listArchive(backend);
  const byData = new Map(records.map((r) => [r.dataKey, r]));
  const step = reporter.step(`verifying ${records.length} archived wal file(s)`);
  let bytes = 0;
  for (const r of records) {
    throwIfAborted(signal);
    const problem = await checkRecord(backend, r, deps.deep === true, signal);
    if (problem !== undefined) problems.push(problem);
    else bytes += r.size;
  }
  step.succeed(`verified ${records.length} archived wal file(s)`);
  // What a backup references in the archive must be there, with the same content.
  for (const b of stored) {
    for (const a of b.manifest.archived ?? []) {
      const r = byData.get(a.key);
      if (r === undefined) problems.push(`backup ${b.id} needs archived wal ${q(a.key)}, which the archive does not hold`);
      else if (r.sha256 !== a.sha256 || r.size !== a.size) problems.push(`backup ${b.id} references archived wal ${q(a.key)} with sha256 ${a.sha256}, the archive holds ${r.sha256}`);
    }
  }

  const timelines = (await readTimelines(stored, backend)).map((tl) => {
    const holes = tl.holes.map(describeGap);
    problems.push(...holes.map((h) => `restore window of storage ${tl.uuid} has a hole: ${h}`));
    return {
      uuid: tl.uuid,
      window: tl.window === undefined ? null : {
        earliest: { ts: tl.window.earliest.ts.toString(), at: tl.window.earliest.at },
        latest: { ts: tl.window.latest.ts.toString(), at: tl.window.latest.at },
      },
      holes,
    };
  });
  return { backups, archive: { files: records.length, bytes }, timelines, problems };
}

/** The integrity error for a repository that did not verify (exit 14), naming every problem. */
export function verifyAllError(r: VerifyAllResult): MgBackupError {
  return new MgBackupError('integrity', `repository has ${r.problems.length} problem(s): ${r.problems.join('; ')}`, {
    hints: ['restore from a backup that verifies, or to a point before the first hole; take a new base backup to start a window without holes'],
    details: { problems: r.problems },
  });
}
