// manifest.json: the self-description of one backup. restore and verify trust nothing else, so parsing
// validates every field they rely on and rejects unknown format versions. Format 1 is read as it is;
// format 2 (docs/repository-format.md, "Backups") adds `archived`, `observed` and `pinned`; format 3
// adds `stored` (compression, stored size and sha256) to files and archived references whose bytes on
// storage are compressed. This version writes 3 when a file is compressed, else 2.
import { MgBackupError, q } from '../errors/errors.js';
import { storedProblem, type StoredForm } from './stored-file.js';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'mgbackup-backup';
export const MANIFEST_FORMAT_VERSION = 3;
/** Versions this mgbackup reads. */
export const MANIFEST_READ_VERSIONS: readonly number[] = [1, 2, 3];

/** The version a new manifest gets: 3 only when it describes compressed bytes (older readers refuse it). */
export function manifestVersionFor(m: Pick<Manifest, 'files' | 'archived'>): number {
  return [...m.files, ...(m.archived ?? [])].some((f) => f.stored !== undefined) ? MANIFEST_FORMAT_VERSION : 2;
}

export interface ManifestFile {
  /** Path inside the backup folder, mirroring the storage root: snapshots/<name> or wal/<name>. */
  path: string;
  kind: 'snapshot' | 'wal';
  /** Size and sha256 of the plain content (Memgraph's bytes), whatever is stored. */
  size: number;
  sha256: string;
  /** Format 3: the bytes on storage are compressed (stored-file.ts); absent: stored as they are. */
  stored?: StoredForm;
  durabilityVersion: number;
  uuid: string;
  /** WAL sequence number / snapshot durable timestamp, as decimal strings (u64). */
  seqNum?: string;
  durableTs?: string;
  /** Format 2, WAL only: first and last commit timestamp in the file (so the timeline need not decode it). */
  fromTs?: string;
  toTs?: string;
  /** How the file was made safe under the lock. */
  pinnedBy: 'hardlink' | 'copy';
}

/** A WAL file the backup needs that lives in the repository's WAL archive (stored once for all backups). */
export interface ArchivedRef {
  /** The data object's key: archive/<uuid>/<fromTs:20>-<seq:20>.wal (its record is the key + ".json"). */
  key: string;
  /** Plain content, as the record says. */
  sha256: string;
  size: number;
  /** Format 3: the stored form, as the record says. */
  stored?: StoredForm;
}

/** "Commit `ts` was durable at or before `at`": one entry of the timestamp map. */
export interface Observed {
  /** Decimal u64 commit timestamp. */
  ts: string;
  /** ISO time. */
  at: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  id: string;
  createdAt: string;
  mgbackupVersion: string;
  memgraph: { version: string; role: string; storageMode: string };
  database: { name: string; uuid: string | null };
  counts: { vertices: number | null; edges: number | null };
  snapshotOnly: boolean;
  source: string;
  files: ManifestFile[];
  timings: { totalMs: number; snapshotMs: number; lockWindowMs: number; copyMs: number };
  labels: Record<string, string>;
  tags: string[];
  warnings: string[];
  /** Format 2: WAL files of the backup kept in the WAL archive instead of wal/. */
  archived?: ArchivedRef[];
  /** Format 2: the snapshot's durable commit timestamp and when it was durable. */
  observed?: Observed;
  /** Format 2: protected from `forget`. */
  pinned?: boolean;
}

function fail(where: string, why: string): never {
  throw new MgBackupError('integrity', `manifest ${q(where)} is invalid: ${why}`, {
    hints: ['the backup folder was modified or written by an incompatible tool; do not restore from it'],
  });
}

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** Parses and validates; `where` names the file in errors. */
export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail(where, `not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) fail(where, 'not an object');
  const m = raw as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT) fail(where, `format is ${q(m.format)}, expected ${q(MANIFEST_FORMAT)}`);
  if (typeof m.formatVersion !== 'number' || !MANIFEST_READ_VERSIONS.includes(m.formatVersion)) {
    throw new MgBackupError('unsupportedVersion', `manifest ${q(where)} has format version ${q(m.formatVersion)}, this mgbackup reads ${MANIFEST_READ_VERSIONS.join(', ')}`, {
      hints: ['use the mgbackup version that wrote the backup (see mgbackupVersion in the manifest)'],
    });
  }
  if (typeof m.id !== 'string' || typeof m.createdAt !== 'string') fail(where, 'id or createdAt missing');
  if (!Array.isArray(m.files) || m.files.length === 0) fail(where, 'no files');
  for (const f of m.files) {
    if (typeof f.path !== 'string' || !/^(snapshots|wal)\/[^/]+$/.test(f.path)) fail(where, `bad file path ${q(f.path)}`);
    if (f.kind !== 'snapshot' && f.kind !== 'wal') fail(where, `bad kind for ${q(f.path)}`);
    if (!Number.isSafeInteger(f.size) || f.size < 0) fail(where, `bad size for ${q(f.path)}`);
    if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) fail(where, `bad sha256 for ${q(f.path)}`);
    if (!Number.isInteger(f.durabilityVersion)) fail(where, `bad durabilityVersion for ${q(f.path)}`);
    const bad = storedProblem(f.stored);
    if (bad !== undefined) fail(where, `${bad} for ${q(f.path)}`);
    for (const ts of [f.fromTs, f.toTs]) if (ts !== undefined && (typeof ts !== 'string' || !/^(0|[1-9]\d*)$/.test(ts))) fail(where, `bad commit timestamp for ${q(f.path)}`);
  }
  if (!m.files.some((f) => f.kind === 'snapshot')) fail(where, 'no snapshot file');
  if (typeof m.timings !== 'object' || m.timings === null) fail(where, 'timings missing');
  if (typeof m.memgraph !== 'object' || typeof m.database !== 'object') fail(where, 'memgraph or database missing');
  // Checked whatever the version: `mgbackup pin` sets `pinned` on a format 1 manifest too.
  checkFormat2(m, where);
  return m as Manifest;
}

const DECIMAL = /^(0|[1-9]\d*)$/;
const ARCHIVE_DATA_KEY = /^archive\/[^/]+\/\d{20}-\d{20}\.wal$/;

function checkFormat2(m: Partial<Manifest>, where: string): void {
  if (m.archived !== undefined) {
    if (!Array.isArray(m.archived)) fail(where, 'archived is not a list');
    for (const a of m.archived) {
      if (typeof a !== 'object' || a === null || typeof a.key !== 'string' || !ARCHIVE_DATA_KEY.test(a.key)) fail(where, `bad archived key ${q((a as ArchivedRef | null)?.key)}`);
      if (!Number.isSafeInteger(a.size) || a.size < 0) fail(where, `bad size for ${q(a.key)}`);
      if (typeof a.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(a.sha256)) fail(where, `bad sha256 for ${q(a.key)}`);
      const bad = storedProblem(a.stored);
      if (bad !== undefined) fail(where, `${bad} for ${q(a.key)}`);
    }
  }
  if (m.observed !== undefined) {
    const o = m.observed as Partial<Observed> | null;
    if (typeof o !== 'object' || o === null || typeof o.ts !== 'string' || !DECIMAL.test(o.ts)
      || typeof o.at !== 'string' || Number.isNaN(Date.parse(o.at))) fail(where, 'bad observed entry');
  }
  if (m.pinned !== undefined && typeof m.pinned !== 'boolean') fail(where, 'pinned is not true or false');
}
