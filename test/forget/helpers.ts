// Repositories for forget's tests: backups (manifest + files) and WAL archive entries written through a
// RepoBackend with the documented keys (docs/repository-format.md), no server needed.
import { createHash } from 'node:crypto';
import type { RepoBackend } from '../../src/repo/repo-backend.js';
import { serializeManifest, type Manifest } from '../../src/store/manifest.js';

export const UUID_A = '11111111-1111-4111-8111-111111111111';
export const UUID_B = '22222222-2222-4222-8222-222222222222';

export interface FakeBackup {
  id: string;
  createdAt: string;
  uuid?: string;
  ts?: number;
  tags?: string[];
  pinned?: boolean;
  database?: string;
  archived?: string[];
}

export const idAt = (iso: string, suffix: string) =>
  `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z-${suffix}`;

export async function putBackup(backend: RepoBackend, b: FakeBackup): Promise<Manifest> {
  const snap = Buffer.from(`snapshot of ${b.id}`);
  const wal = Buffer.from(`wal of ${b.id}`);
  const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
  const ts = String(b.ts ?? 100);
  const m: Manifest = {
    format: 'mgbackup-backup', formatVersion: 1, id: b.id, createdAt: b.createdAt, mgbackupVersion: '0.1.0',
    memgraph: { version: '3.12.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' },
    database: { name: b.database ?? 'memgraph', uuid: null }, counts: { vertices: 1, edges: 0 }, snapshotOnly: false, source: 'test',
    files: [
      { path: `snapshots/20260101000000000000_timestamp_${ts}`, kind: 'snapshot', size: snap.length, sha256: sha(snap), durabilityVersion: 36, uuid: b.uuid ?? UUID_A, durableTs: ts, pinnedBy: 'copy' },
      { path: 'wal/20260101000000000000_current', kind: 'wal', size: wal.length, sha256: sha(wal), durabilityVersion: 36, uuid: b.uuid ?? UUID_A, seqNum: '0', pinnedBy: 'copy' },
    ],
    timings: { totalMs: 0, snapshotMs: 0, lockWindowMs: 0, copyMs: 0 }, labels: {}, tags: b.tags ?? [], warnings: [],
    ...(b.pinned ? { pinned: true } : {}),
    ...(b.archived ? { archived: b.archived.map((key) => ({ key, sha256: '0'.repeat(64), size: 1 })) } : {}),
  };
  await backend.put(`${b.id}/${m.files[0]!.path}`, snap);
  await backend.put(`${b.id}/${m.files[1]!.path}`, wal);
  await backend.put(`${b.id}/manifest.json`, Buffer.from(serializeManifest(m)));
  return m;
}

const pad = (n: number | bigint) => String(n).padStart(20, '0');
export const walStem = (uuid: string, fromTs: number, seq: number) => `archive/${uuid}/${pad(fromTs)}-${pad(seq)}`;

/** A finalized archived WAL file: data, then record (the record makes it exist). */
export async function putWal(backend: RepoBackend, uuid: string, fromTs: number, toTs: number, seq: number, opts: { record?: boolean } = {}): Promise<string> {
  const stem = walStem(uuid, fromTs, seq);
  const data = Buffer.from(`wal ${uuid} ${fromTs}-${toTs}`);
  await backend.put(`${stem}.wal`, data);
  if (opts.record !== false) {
    await backend.put(`${stem}.wal.json`, Buffer.from(JSON.stringify({
      format: 'mgbackup-wal', name: `x_from_${fromTs}_to_${toTs}`, uuid, epoch: 'e', seq: String(seq), fromTs: String(fromTs), toTs: String(toTs),
      durabilityVersion: 37, finalized: true, size: data.length, sha256: createHash('sha256').update(data).digest('hex'),
      dataKey: `${stem}.wal`, archivedAt: new Date().toISOString(), observed: [],
    })));
  }
  return stem;
}

/** The committed prefix of a file still being written: the prefix bytes, then its record. */
export async function putPart(backend: RepoBackend, uuid: string, fromTs: number, toTs: number, seq: number): Promise<string> {
  const stem = walStem(uuid, fromTs, seq);
  await backend.put(`${stem}.part-${pad(toTs)}`, Buffer.from(`prefix ${fromTs}-${toTs}`));
  await backend.put(`${stem}.part.json`, Buffer.from(JSON.stringify({
    format: 'mgbackup-wal', name: 'x_current', uuid, epoch: 'e', seq: String(seq), fromTs: String(fromTs), toTs: String(toTs),
    durabilityVersion: 37, finalized: false, size: 1, sha256: '0'.repeat(64), dataKey: `${stem}.part-${pad(toTs)}`,
    archivedAt: new Date().toISOString(), observed: [],
  })));
  return stem;
}

export async function keysOf(backend: RepoBackend, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const o of backend.list(prefix)) out.push(o.key);
  return out;
}
