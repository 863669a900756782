// Reads what mgbackup needs to know about a server before touching it: version, replication role,
// storage mode, counts, database UUID and the data-directory lock. Uses only auto-commit queries.
// Query texts and result columns follow Memgraph's interpreter (memgraph-semantics.md §1.2, §1.7).
import type { GraphClient } from './graph-client.js';
import type { Value } from '../graph/value.js';
import { MgBackupError } from '../errors/errors.js';

/** Every query that reads server facts; exported so the grammar-oracle test parses the real text. */
export const SERVER_FACT_QUERIES = {
  version: 'SHOW VERSION',
  storageInfoOnCurrent: 'SHOW STORAGE INFO ON CURRENT DATABASE',
  storageInfo: 'SHOW STORAGE INFO',
  replicationRole: 'SHOW REPLICATION ROLE',
  lockStatus: 'DATA DIRECTORY LOCK STATUS',
} as const;

export type LockStatus = 'locked' | 'unlocked';

export interface ServerFacts {
  version: string;
  role: 'main' | 'replica' | 'unknown';
  storageMode: string | undefined;
  databaseName: string | undefined;
  databaseUuid: string | undefined;
  vertexCount: number | undefined;
  edgeCount: number | undefined;
  lockStatus: LockStatus | 'unknown';
}

export const LOCK_STATUS_TEXT = {
  locked: 'Data directory is locked.',
  unlocked: 'Data directory is unlocked.',
  nowLocked: 'Data directory is now locked.',
  alreadyLocked: 'Data directory is already locked.',
  nowUnlocked: 'Data directory is now unlocked.',
  alreadyUnlocked: 'Data directory is already unlocked.',
} as const;

function firstColumn(rows: Record<string, Value>[], column: string): Value | undefined {
  return rows[0]?.[column];
}

function toNumber(v: Value | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export async function readVersion(client: GraphClient): Promise<string> {
  const v = firstColumn(await client.run(SERVER_FACT_QUERIES.version), 'version');
  if (typeof v !== 'string') throw new MgBackupError('server', 'the server answered SHOW VERSION without a version', {
    hints: ['check that --uri points at Memgraph 2.2 or newer'],
  });
  return v;
}

/** Per-database storage info: `ON CURRENT DATABASE` since 3.11, the plain form before (syntax error). */
export async function readStorageInfo(client: GraphClient): Promise<Map<string, Value>> {
  let rows: Record<string, Value>[];
  try {
    rows = await client.run(SERVER_FACT_QUERIES.storageInfoOnCurrent);
  } catch (err) {
    if (!(err instanceof MgBackupError) || err.kind !== 'server') throw err;
    rows = await client.run(SERVER_FACT_QUERIES.storageInfo);
  }
  const info = new Map<string, Value>();
  for (const row of rows) {
    const key = row['storage info'];
    if (typeof key === 'string') info.set(key, row['value'] ?? null);
  }
  return info;
}

export async function readRole(client: GraphClient): Promise<ServerFacts['role']> {
  try {
    const role = firstColumn(await client.run(SERVER_FACT_QUERIES.replicationRole), 'replication role');
    return role === 'main' || role === 'replica' ? role : 'unknown';
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'server') return 'unknown';
    throw err;
  }
}

export function parseLockStatus(status: Value | undefined): LockStatus {
  if (status === LOCK_STATUS_TEXT.locked) return 'locked';
  if (status === LOCK_STATUS_TEXT.unlocked) return 'unlocked';
  throw new MgBackupError('server', `unexpected lock status ${JSON.stringify(status)}`, {
    hints: ['DATA DIRECTORY LOCK STATUS needs Memgraph 2.8 or newer'],
  });
}

export async function readLockStatus(client: GraphClient): Promise<LockStatus> {
  return parseLockStatus(firstColumn(await client.run(SERVER_FACT_QUERIES.lockStatus), 'STATUS'));
}

export async function readServerFacts(client: GraphClient): Promise<ServerFacts> {
  const version = await readVersion(client);
  const role = await readRole(client);
  const info = await readStorageInfo(client);
  let lockStatus: ServerFacts['lockStatus'];
  try {
    lockStatus = await readLockStatus(client);
  } catch (err) {
    // ON_DISK storage refuses lock queries; older servers lack STATUS.
    if (!(err instanceof MgBackupError) || err.kind !== 'server') throw err;
    lockStatus = 'unknown';
  }
  const str = (v: Value | undefined) => (typeof v === 'string' ? v : undefined);
  return {
    version,
    role,
    storageMode: str(info.get('storage_mode')) ?? str(info.get('global_storage_mode')),
    databaseName: str(info.get('name')),
    databaseUuid: str(info.get('database_uuid')),
    vertexCount: toNumber(info.get('vertex_count')),
    edgeCount: toNumber(info.get('edge_count')),
    lockStatus,
  };
}

/** "3.5.0", "2.19.1+12~abc" -> [3,5,0]; unknown parts are 0. */
export function parseVersion(version: string): [number, number, number] {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  if (!m) return [0, 0, 0];
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function versionAtLeast(version: string, min: [number, number, number]): boolean {
  const v = parseVersion(version);
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}
