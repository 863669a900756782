// Which archived WAL prune deletes (docs/repository-format.md, "WAL archive"). A restore from a base
// snapshot at timestamp S replays the WAL chain after it, and Memgraph insists that the chain's first file
// (unless it has sequence number 0) hold a delta from at or before S (durability.cpp, RecoverData: "You
// must have at least one WAL file that contains at least one delta that was created before the snapshot
// file!"). So per storage the archive is needed from the last file starting at or before the oldest kept
// base snapshot's timestamp on, and every file before that one can go. One streaming pass over the sorted
// keys:
// a file's last timestamp is bounded by the next file's first (`fromTs` is in the key), so records are
// not read, and memory holds one file's keys at a time whatever the archive's size. (listArchive, in
// src/repo/wal-archive.ts, reads and holds every record: right for restore planning, not for a prune of
// 50,000 files that needs none of them; the keys and the record parser are shared.)
import type { ObjectInfo, RepoBackend } from '../../repo/repo-backend.js';
import { MgBackupError } from '../../errors/errors.js';
import { deleteKeys } from '../../repo/repo-backend.js';
import { ARCHIVE_PREFIX, finalKeys, parseWalRecord, partRecordKey } from '../../repo/wal-archive.js';

/** What bounds a storage's archive: the oldest kept base snapshot, or no kept base at all. */
export type StorageRule =
  | { kind: 'base'; cut: bigint; backupId: string }
  /** Every base backup of this storage was forgotten: only --keep-wal-within keeps its WAL. */
  | { kind: 'forgotten' };

export interface WalRetentionInput {
  rules: Map<string, StorageRule>;
  /** Archive keys named by kept backups' manifests (`archived`): kept whatever the rules say. */
  referenced: Set<string>;
  /** Files archived at or after this time stay (--keep-wal-within); undefined: no window. */
  keepSinceMs: number | undefined;
}

export interface WalRange {
  uuid: string;
  /** First and last file (key stem) of a run of consecutive files. */
  first: string;
  last: string;
  files: number;
  bytes: number;
}

export interface StorageSummary {
  uuid: string;
  kept: number;
  keptBytes: number;
  deleted: number;
  deletedBytes: number;
  /** Why the kept files stay. */
  reason: string;
}

export interface WalRetentionResult {
  /** Runs of consecutive WAL files that go (or went). */
  deleted: WalRange[];
  storages: StorageSummary[];
  /** Objects without their record (interrupted archive runs) and superseded prefixes. */
  debris: { key: string; size: number; why: string }[];
  /** Records whose data is missing: reported, left for `verify` and the operator. */
  problems: string[];
}

interface Group {
  uuid: string;
  stem: string;
  fromTs: bigint;
  objects: ObjectInfo[];
}

const KEY_RE = /^archive\/([^/]+)\/(\d{20})-(\d{20})\.(wal|wal\.json|part\.json|part-\d{20})$/;

/** Keys deleted per batch (records, then data): bounds memory, amortizes the folder fsync. */
const BATCH = 2000;

export interface WalRetentionDeps {
  backend: RepoBackend;
  /** Dry run: decide and report, delete nothing. */
  dryRun: boolean;
  /** Called before each batch's records and data are deleted (pause points for fault tests). */
  onStep?: (step: string) => void;
}

export async function applyWalRetention(input: WalRetentionInput, deps: WalRetentionDeps): Promise<WalRetentionResult> {
  const result: WalRetentionResult = { deleted: [], storages: [], debris: [], problems: [] };
  const summaries = new Map<string, StorageSummary>();
  let run: WalRange | undefined;
  let pending: Group | undefined;
  let group: Group | undefined;

  const summary = (uuid: string): StorageSummary => {
    let s = summaries.get(uuid);
    if (s === undefined) {
      const rule = input.rules.get(uuid);
      s = {
        uuid, kept: 0, keptBytes: 0, deleted: 0, deletedBytes: 0,
        reason: rule === undefined ? 'no base backup of this storage in the repository (yet): kept whole'
          : rule.kind === 'base' ? `needed from base backup ${rule.backupId} (snapshot timestamp ${rule.cut}) on`
            : 'all base backups of this storage were forgotten',
      };
      summaries.set(uuid, s);
      result.storages.push(s);
    }
    return s;
  };

  // Deletions go in batches: every record of a batch first, then the data, so that a kill in between
  // leaves data without records (debris the next prune removes), never a record without its data.
  const records: string[] = [];
  const data: string[] = [];
  const flush = async () => {
    if (deps.dryRun || records.length + data.length === 0) return;
    deps.onStep?.('deleting WAL records');
    await deleteKeys(deps.backend, records.splice(0));
    deps.onStep?.('deleting WAL data');
    await deleteKeys(deps.backend, data.splice(0));
  };
  const remove = async (recordKeys: string[], dataKeys: string[]) => {
    records.push(...recordKeys);
    data.push(...dataKeys);
    if (records.length + data.length >= BATCH) await flush();
  };

  const closeRun = () => {
    if (run !== undefined) result.deleted.push(run);
    run = undefined;
  };

  /** Decides one file's group; `nextFromTs` is the next file's first timestamp in the same storage. */
  const decide = async (g: Group, nextFromTs: bigint | undefined) => {
    const stem = `${ARCHIVE_PREFIX}${g.uuid}/${g.stem}`;
    const by = (key: string) => g.objects.find((o) => o.key === key);
    const record = by(finalKeys(stem).record);
    const data = by(finalKeys(stem).data);
    const partRecord = by(partRecordKey(stem));
    const partData = g.objects.filter((o) => /\.part-\d{20}$/.test(o.key));
    const debris = (o: ObjectInfo, why: string) => result.debris.push({ key: o.key, size: o.size, why });

    // Debris first: what no record accounts for.
    const junk: ObjectInfo[] = [];
    if (record === undefined && data !== undefined) {
      debris(data, 'WAL data without its record (an interrupted archive run)');
      junk.push(data);
    }
    if (record !== undefined && data === undefined) result.problems.push(`${record.key} names data that is missing`);
    let livePart: ObjectInfo | undefined;
    if (record !== undefined) {
      for (const p of partData) { debris(p, 'prefix superseded by the finalized file'); junk.push(p); }
      if (partRecord !== undefined) { debris(partRecord, 'prefix record superseded by the finalized file'); junk.push(partRecord); }
    } else if (partRecord !== undefined) {
      const dataKey = await readDataKey(deps.backend, partRecord.key);
      if (dataKey === undefined) {
        result.problems.push(`${partRecord.key} is unreadable; its prefixes are left alone`);
      } else {
        for (const p of partData) {
          if (p.key === dataKey) livePart = p;
          else { debris(p, 'older prefix superseded by a longer one'); junk.push(p); }
        }
      }
    } else {
      for (const p of partData) { debris(p, 'prefix without its record (an interrupted archive run)'); junk.push(p); }
    }
    const isRecord = (k: string) => k.endsWith('.json');
    await remove(junk.filter((o) => isRecord(o.key)).map((o) => o.key), junk.filter((o) => !isRecord(o.key)).map((o) => o.key));

    // The file itself: a finalized record + data, or the live prefix of the file still being written.
    const head = record ?? partRecord;
    if (head === undefined) return;
    const objects = [head, ...(record !== undefined ? (data ? [data] : []) : (livePart ? [livePart] : []))];
    const bytes = objects.reduce((n, o) => n + o.size, 0);
    const s = summary(g.uuid);
    const rule = input.rules.get(g.uuid);
    // A file goes when the next one starts at or before the cut (the next one then anchors the chain).
    // The newest file of a storage with a base always stays, even when it ends before the cut: the
    // files watch archives next continue the chain from it, and Memgraph needs that anchor.
    const needed = rule === undefined
      || (rule.kind === 'base' && !(nextFromTs !== undefined && nextFromTs <= rule.cut))
      || objects.some((o) => input.referenced.has(o.key))
      || (input.keepSinceMs !== undefined && head.mtimeMs >= input.keepSinceMs);
    if (needed) {
      s.kept++;
      s.keptBytes += bytes;
      closeRun();
      return;
    }
    s.deleted++;
    s.deletedBytes += bytes;
    if (run !== undefined && run.uuid === g.uuid) {
      run.last = g.stem;
      run.files++;
      run.bytes += bytes;
    } else {
      closeRun();
      run = { uuid: g.uuid, first: g.stem, last: g.stem, files: 1, bytes };
    }
    // The record goes first: from then on the file no longer exists, and its data is debris at worst.
    await remove([head.key], objects.filter((o) => o !== head).map((o) => o.key));
  };

  const finish = async (next: Group | undefined) => {
    // A group without a record (debris only) bounds nothing: its key is not vouched for by a record.
    if (next !== undefined && !next.objects.some((o) => o.key.endsWith('.wal.json') || o.key.endsWith('.part.json'))) {
      await decide(next, undefined);
      return;
    }
    if (pending !== undefined) await decide(pending, next !== undefined && next.uuid === pending.uuid ? next.fromTs : undefined);
    if (next === undefined || next.uuid !== pending?.uuid) closeRun();
    pending = next;
  };

  for await (const o of deps.backend.list(ARCHIVE_PREFIX)) {
    const m = KEY_RE.exec(o.key);
    if (m === null) continue; // not ours to judge
    const [, uuid, fromTs, seq] = m;
    const stem = `${fromTs}-${seq}`;
    if (group !== undefined && group.uuid === uuid && group.stem === stem) {
      group.objects.push(o);
      continue;
    }
    if (group !== undefined) await finish(group);
    group = { uuid: uuid!, stem, fromTs: BigInt(fromTs!), objects: [o] };
  }
  if (group !== undefined) await finish(group);
  await finish(undefined);
  closeRun();
  await flush();
  return result;
}

/** The record of a file, or undefined when it is gone or unreadable (then nothing is deleted on its word). */
async function readRecord(backend: RepoBackend, key: string): Promise<ReturnType<typeof parseWalRecord>> {
  try {
    return parseWalRecord(await backend.getBytes(key));
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') return undefined;
    throw err;
  }
}

async function readDataKey(backend: RepoBackend, key: string): Promise<string | undefined> {
  return (await readRecord(backend, key))?.dataKey;
}
