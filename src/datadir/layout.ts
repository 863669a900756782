// What Memgraph's durability files are called and where they live (research memgraph-semantics §2-3).
// Names are only hints: recovery reads headers, so selection confirms every name with its header.

export const SNAPSHOTS_DIR = 'snapshots';
export const WAL_DIR = 'wal';

/** The storage root of one database, relative to the data directory: the root itself or databases/<uuid>. */
export function storageRoot(tenantUuid: string | undefined): string {
  return tenantUuid === undefined ? '' : `databases/${tenantUuid}`;
}

export function joinRel(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export interface SnapshotName {
  kind: 'snapshot';
  /** The 20-digit UTC prefix YYYYmmddHHMMSSffffff; sorts in creation order. */
  prefix: string;
  /** Durable commit timestamp covered (start timestamp before durability 23). */
  timestamp: bigint;
}

export interface WalName {
  kind: 'wal';
  prefix: string;
  /** Finalized files carry their first and last commit timestamps; `_current` files do not. */
  fromTs?: bigint;
  toTs?: bigint;
  current: boolean;
}

const SNAPSHOT_RE = /^(\d{20})_timestamp_(\d+)$/;
const WAL_FINAL_RE = /^(\d{20})_from_(\d+)_to_(\d+)$/;
const WAL_CURRENT_RE = /^(\d{20})_current$/;

export function parseSnapshotName(name: string): SnapshotName | undefined {
  const m = SNAPSHOT_RE.exec(name);
  return m ? { kind: 'snapshot', prefix: m[1]!, timestamp: BigInt(m[2]!) } : undefined;
}

export function parseWalName(name: string): WalName | undefined {
  const f = WAL_FINAL_RE.exec(name);
  if (f) return { kind: 'wal', prefix: f[1]!, fromTs: BigInt(f[2]!), toTs: BigInt(f[3]!), current: false };
  const c = WAL_CURRENT_RE.exec(name);
  return c ? { kind: 'wal', prefix: c[1]!, current: true } : undefined;
}
