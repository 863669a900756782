// The continuous WAL archive (docs/repository-format.md, "WAL archive"): every WAL file stored once under
// archive/<storage uuid>/, keyed by the commit timestamp of its first transaction and its sequence number.
// A finalized file is stored as `.wal` + `.wal.json`; the committed prefix of a file Memgraph is still
// writing as `.part-<toTs>` + `.part.json`, replaced as it grows and dropped once the finalized file is in.
// Records are written after their data, so a record is the proof that its bytes are complete and durable;
// a data object without a record is debris of an interrupted run and never counts.
import type { Readable } from 'node:stream';
import { MgBackupError, q } from '../errors/errors.js';
import { compressing, storedProblem, type RepoCompression, type StoredForm } from '../store/stored-file.js';
import type { RepoBackend } from './repo-backend.js';

export const ARCHIVE_PREFIX = 'archive/';
export const WAL_RECORD_FORMAT = 'mgbackup-wal';

/** "Commit `ts` was durable at or before `at`" (the time mgbackup read it). Feeds restore --to-time. */
export interface Observation {
  ts: string;
  at: string;
}

/** One archived WAL file (finalized) or committed prefix (not finalized), as stored in its record. */
export interface WalRecord {
  format: typeof WAL_RECORD_FORMAT;
  /** Memgraph's file name (`…_from_X_to_Y`, or `…_current` for a prefix). */
  name: string;
  uuid: string;
  epoch: string;
  /** Decimal strings: 64-bit values do not fit a JSON number. */
  seq: string;
  fromTs: string;
  toTs: string;
  durabilityVersion: number;
  finalized: boolean;
  /** Size and sha256 of the plain WAL bytes (Memgraph's). */
  size: number;
  sha256: string;
  /** The data object is compressed: its codec, stored size and sha256 (absent: stored as it is). */
  stored?: StoredForm;
  /** The key of the bytes: `…​.wal` or `….part-<toTs>`. */
  dataKey: string;
  archivedAt: string;
  observed: Observation[];
}

/** What the archive needs to know about a file before storing it (from its header and name). */
export interface WalSource {
  name: string;
  uuid: string;
  epoch: string;
  seq: bigint;
  /** Commit timestamp of the first transaction (the name's `from_`, or the first decoded transaction). */
  fromTs: bigint;
  /** Commit timestamp of the last transaction in the bytes given. */
  toTs: bigint;
  durabilityVersion: number;
  /** true: a finalized file; false: a committed prefix of a `_current` file ending at a transaction boundary. */
  finalized: boolean;
  /**
   * A `_current` file Memgraph will never append to again (a crash left it and the server went on with a
   * newer file): its committed prefix is the whole file, stored like a finalized one (`.wal`) with
   * `finalized: false` in the record.
   */
  frozen?: boolean;
  /** Exactly the bytes to store (a prefix is cut here). */
  size: number;
  open(): Promise<Readable>;
}

export interface ArchiveOptions {
  now: Date;
  /** Observations made while reading this source (ts, wall-clock time). */
  observed?: Observation[];
  signal?: AbortSignal;
  /** Hashes the source without storing it (for the "already archived?" check of a finalized file). */
  hash?: (src: WalSource) => Promise<string>;
  /** How new data objects are stored (default: as they are). */
  compression?: RepoCompression;
}

export type ArchiveAction =
  /** New bytes stored and recorded. */
  | 'stored'
  /** Already archived with the same content (or, for a prefix, one at least as long): nothing written. */
  | 'unchanged'
  /** A prefix is not stored because the finalized file is archived already. */
  | 'superseded';

export interface ArchiveOutcome {
  action: ArchiveAction;
  record: WalRecord;
  /** Bytes written into the repository by this call. */
  bytes: number;
}

const pad = (n: bigint | string): string => BigInt(n).toString().padStart(20, '0');

/** `archive/<uuid>/<fromTs:20>-<seq:20>`: the stem every key of one file starts with. */
export function walStem(uuid: string, fromTs: bigint | string, seq: bigint | string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(uuid)) throw new MgBackupError('integrity', `WAL storage uuid ${q(uuid)} is not a uuid`);
  return `${ARCHIVE_PREFIX}${uuid}/${pad(fromTs)}-${pad(seq)}`;
}

export const finalKeys = (stem: string) => ({ data: `${stem}.wal`, record: `${stem}.wal.json` });
export const partRecordKey = (stem: string): string => `${stem}.part.json`;
export const partDataKey = (stem: string, toTs: bigint | string): string => `${stem}.part-${pad(toTs)}`;

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o, null, 2) + '\n');

export function parseWalRecord(bytes: Uint8Array): WalRecord | undefined {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<WalRecord>;
    const dec = (v: unknown) => typeof v === 'string' && /^\d+$/.test(v);
    if (o.format !== WAL_RECORD_FORMAT || typeof o.uuid !== 'string' || !dec(o.seq) || !dec(o.fromTs) || !dec(o.toTs) ||
      typeof o.dataKey !== 'string' || typeof o.sha256 !== 'string' || typeof o.size !== 'number' || typeof o.finalized !== 'boolean' ||
      storedProblem(o.stored) !== undefined) {
      return undefined;
    }
    return { ...o, observed: Array.isArray(o.observed) ? o.observed : [] } as WalRecord;
  } catch {
    return undefined;
  }
}

async function readRecord(backend: RepoBackend, key: string): Promise<WalRecord | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await backend.getBytes(key);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') return undefined;
    throw err;
  }
  const r = parseWalRecord(bytes);
  if (r === undefined) {
    throw new MgBackupError('integrity', `WAL archive record ${q(key)} in ${q(backend.location)} is not a valid record`, {
      hints: ['it was changed by hand or damaged; remove it (and its data object) so that watch archives the file again'],
    });
  }
  return r;
}

/** Merges observations, one per ts (the earliest time), ordered by ts. */
export function mergeObserved(...lists: Observation[][]): Observation[] {
  const byTs = new Map<string, Observation>();
  for (const o of lists.flat()) {
    const had = byTs.get(o.ts);
    if (had === undefined || o.at < had.at) byTs.set(o.ts, o);
  }
  return [...byTs.values()].sort((a, b) => cmpDec(a.ts, b.ts));
}

function cmpDec(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function recordOf(src: WalSource, dataKey: string, put: Stored, opts: ArchiveOptions, observed: Observation[]): WalRecord {
  return {
    format: WAL_RECORD_FORMAT, name: src.name, uuid: src.uuid, epoch: src.epoch, seq: src.seq.toString(),
    fromTs: src.fromTs.toString(), toTs: src.toTs.toString(), durabilityVersion: src.durabilityVersion,
    finalized: src.finalized, size: put.size, sha256: put.sha256, ...(put.stored ? { stored: put.stored } : {}),
    dataKey, archivedAt: opts.now.toISOString(), observed,
  };
}

/**
 * Stores one WAL file or committed prefix. A finalized file: data first, then its record; the same
 * sha256 already archived writes nothing; other bytes under the same key are refused (14), since
 * Memgraph never writes two different files with one uuid, first commit and sequence number. A
 * prefix: only when longer than the archived one, `.part-<toTs>` then `.part.json`, then the older
 * prefix is deleted. Observations of an earlier prefix are carried into the newer record.
 */
export async function archiveWal(backend: RepoBackend, src: WalSource, opts: ArchiveOptions): Promise<ArchiveOutcome> {
  const stem = walStem(src.uuid, src.fromTs, src.seq);
  const keys = finalKeys(stem);
  const final = await readRecord(backend, keys.record);
  const part = await readRecord(backend, partRecordKey(stem));
  const observed = mergeObserved(part?.observed ?? [], final?.observed ?? [], opts.observed ?? []);

  const whole = src.finalized || src.frozen === true;
  if (!whole) {
    if (final !== undefined) return { action: 'superseded', record: final, bytes: 0 };
    if (part !== undefined && BigInt(part.toTs) >= src.toTs && part.size >= src.size) {
      return { action: 'unchanged', record: part, bytes: 0 };
    }
    const dataKey = partDataKey(stem, src.toTs);
    const put = await putExact(backend, dataKey, src, opts);
    const record = recordOf(src, dataKey, put, opts, observed);
    await backend.put(partRecordKey(stem), json(record));
    if (part !== undefined && part.dataKey !== dataKey) await backend.delete(part.dataKey);
    return { action: 'stored', record, bytes: put.stored?.size ?? put.size };
  }

  if (final !== undefined) {
    const sha = opts.hash ? await opts.hash(src) : undefined;
    if (final.size === src.size && (sha === undefined || sha === final.sha256)) {
      await dropPrefixes(backend, stem, part);
      return { action: 'unchanged', record: final, bytes: 0 };
    }
    throw new MgBackupError('integrity',
      `WAL ${q(src.name)} differs from the archived ${q(keys.data)} (${src.size} bytes${sha ? `, sha256 ${sha}` : ''} vs ${final.size} bytes, sha256 ${final.sha256})`, {
        hints: ['two different files claim the same storage uuid, first commit and sequence number; one of them was changed after Memgraph wrote it'],
      });
  }
  const put = await putExact(backend, keys.data, src, opts);
  const record = recordOf(src, keys.data, put, opts, observed);
  await backend.put(keys.record, json(record));
  await dropPrefixes(backend, stem, part);
  return { action: 'stored', record, bytes: put.stored?.size ?? put.size };
}

/** The plain size and sha256 of what was put, and its stored form when compressed. */
interface Stored { size: number; sha256: string; stored?: StoredForm }

/**
 * Puts the source (compressed in process when asked, before the backend encrypts it) and checks it
 * delivered exactly the announced size (a shrunk file is not a WAL).
 */
async function putExact(backend: RepoBackend, key: string, src: WalSource, opts: ArchiveOptions): Promise<Stored> {
  const c = compressing(await src.open(), opts.compression ?? { codec: 'none' });
  const stored = await backend.put(key, c.body, opts.signal ? { signal: opts.signal } : {});
  const plain = c.plain();
  const put: Stored = c.compressed
    ? { ...plain, stored: { compression: opts.compression!.codec as StoredForm['compression'], size: stored.size, sha256: stored.sha256 } }
    : { size: stored.size, sha256: stored.sha256 };
  if (put.size !== src.size) {
    await backend.delete(key);
    throw new MgBackupError('io', `WAL ${q(src.name)} gave ${put.size} bytes while archiving, ${src.size} were expected`, {
      hints: ['the file changed while it was read; the next pass archives it again'],
    });
  }
  return put;
}

/**
 * Removes the prefix record (first, so no record points at missing bytes), then its data. Only the
 * recorded prefix: listing for stray `.part-*` debris of interrupted runs would read the whole uuid
 * folder for every file archived; that debris counts for nothing and `forget --prune` removes it.
 */
async function dropPrefixes(backend: RepoBackend, stem: string, part: WalRecord | undefined): Promise<void> {
  if (part === undefined) return;
  await backend.delete(partRecordKey(stem));
  await backend.delete(part.dataKey);
}

/**
 * The archive's records in chain order: by storage uuid, then first commit timestamp, then sequence
 * number (timestamps order files across Memgraph's sequence restarts). A prefix whose finalized file
 * is archived too is left out (a run stopped between the two writes), as is every data object
 * without a record.
 */
export async function listArchive(backend: RepoBackend, uuid?: string): Promise<WalRecord[]> {
  const prefix = uuid === undefined ? ARCHIVE_PREFIX : `${ARCHIVE_PREFIX}${uuid}/`;
  const finals = new Map<string, WalRecord>();
  const parts = new Map<string, WalRecord>();
  for await (const o of backend.list(prefix)) {
    const m = /^(archive\/[^/]+\/\d{20}-\d{20})\.(wal|part)\.json$/.exec(o.key);
    if (!m) continue;
    const r = await readRecord(backend, o.key);
    if (r === undefined) continue; // removed meanwhile
    (m[2] === 'wal' ? finals : parts).set(m[1]!, r);
  }
  for (const stem of finals.keys()) parts.delete(stem);
  return [...finals.values(), ...parts.values()].sort(chainOrder);
}

export function chainOrder(a: WalRecord, b: WalRecord): number {
  if (a.uuid !== b.uuid) return a.uuid < b.uuid ? -1 : 1;
  return cmpDec(a.fromTs, b.fromTs) || cmpDec(a.seq, b.seq);
}

export interface ArchiveGap {
  uuid: string;
  /** The record before the gap and the one after it. */
  before: WalRecord;
  after: WalRecord;
  /** Sequence numbers with no archived file (in the run `after` belongs to). */
  missing: bigint[];
  /** `before` is a prefix whose file was never archived whole: its commits after `before.toTs` are lost. */
  truncated: boolean;
}

/**
 * Holes in one storage uuid's chain (records in chain order). Within a run the sequence grows by one.
 * A record whose sequence number is not greater than its predecessor's, with a later first commit,
 * starts a new run: Memgraph 3.13 leaving analytical mode archives the old files into `.old` and
 * restarts numbering at 0 under the same uuid (storage.cpp:3017-3031, memgraph commit df0f636); that
 * is not a gap, unless the new run's first archived file is not sequence 0.
 */
export function findGaps(records: WalRecord[]): ArchiveGap[] {
  const gaps: ArchiveGap[] = [];
  for (let i = 1; i < records.length; i++) {
    const before = records[i - 1]!;
    const after = records[i]!;
    if (before.uuid !== after.uuid) continue;
    const prev = BigInt(before.seq);
    const seq = BigInt(after.seq);
    const restart = seq <= prev;
    const from = restart ? 0n : prev + 1n;
    const missing: bigint[] = [];
    for (let s = from; s < seq; s++) missing.push(s);
    const truncated = isPrefix(before) && !restart;
    if (missing.length > 0 || truncated) gaps.push({ uuid: after.uuid, before, after, missing, truncated });
  }
  return gaps;
}

/** A record of a committed prefix (`.part-<toTs>`) of a file still being written when it was archived. */
export function isPrefix(r: WalRecord): boolean {
  return !r.dataKey.endsWith('.wal');
}

/** "sequence numbers 4, 5 missing between … and …" for messages. */
export function describeGap(g: ArchiveGap): string {
  const seqs = g.missing.length <= 10 ? g.missing.join(', ') : `${g.missing.slice(0, 5).join(', ')}, … ${g.missing.at(-1)} (${g.missing.length} files)`;
  const parts: string[] = [];
  if (g.missing.length > 0) parts.push(`WAL sequence number${g.missing.length > 1 ? 's' : ''} ${seqs} missing`);
  if (g.truncated) parts.push(`WAL ${g.before.seq} (${g.before.name}) archived only up to commit ${g.before.toTs}`);
  return `${parts.join(' and ')} in the archive of storage ${g.uuid}, between ${g.before.name} (seq ${g.before.seq}) and ${g.after.name} (seq ${g.after.seq})`;
}
