// manifest.json: the self-description of one backup. restore and verify trust nothing else, so parsing
// validates every field they rely on and rejects unknown format versions.
import { MgBackupError, q } from '../errors/errors.js';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'mgbackup-backup';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestFile {
  /** Path inside the backup folder, mirroring the storage root: snapshots/<name> or wal/<name>. */
  path: string;
  kind: 'snapshot' | 'wal';
  size: number;
  sha256: string;
  durabilityVersion: number;
  uuid: string;
  /** WAL sequence number / snapshot durable timestamp, as decimal strings (u64). */
  seqNum?: string;
  durableTs?: string;
  /** How the file was made safe under the lock. */
  pinnedBy: 'hardlink' | 'copy';
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
  /** Format 2 (docs/repository-format.md): set by `create --pin` / `mgbackup pin`; forget never forgets it. */
  pinned?: boolean;
  /** Format 2: WAL files the backup needs that live in the WAL archive. */
  archived?: { key: string; sha256: string; size: number }[];
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
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    throw new MgBackupError('unsupportedVersion', `manifest ${q(where)} has format version ${q(m.formatVersion)}, this mgbackup reads ${MANIFEST_FORMAT_VERSION}`, {
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
  }
  if (!m.files.some((f) => f.kind === 'snapshot')) fail(where, 'no snapshot file');
  if (typeof m.timings !== 'object' || m.timings === null) fail(where, 'timings missing');
  if (typeof m.memgraph !== 'object' || typeof m.database !== 'object') fail(where, 'memgraph or database missing');
  return m as Manifest;
}
