// The information queries: SHOW SNAPSHOTS and SHOW STORAGE INFO in their per-version forms.
import * as fs from 'node:fs';
import type { Value } from '../../../src/graph/value.js';
import type { QueryResult } from '../engine-api.js';
import type { DurabilityCodec } from './codec.js';
import { regularFiles } from './durability-files.js';
import { clientError } from './memgraph-errors.js';
import { atLeast, type ServerVersion } from './server-version.js';
import type { Storage, StorageMode } from './storage.js';

export type StorageInfoTarget = 'instance' | 'current' | { database: string };

export interface InfoContext {
  version: ServerVersion;
  storages: Map<string, Storage>;
  /** The --storage-mode flag value, which v3.11+ reports as global_storage_mode. */
  globalMode: StorageMode;
}

export function rowsOf(rows: Value[][]): Iterator<Value[]> {
  return rows[Symbol.iterator]();
}

function readableSize(bytes: number): string {
  // utils/readable_size.cpp:20-36
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let size = bytes;
  for (; i + 1 < units.length && size >= 1024; i++) size /= 1024;
  return i === 0 ? `${size.toFixed(0)}${units[i]}` : `${size.toFixed(2)}${units[i]}`;
}

/** %Y-%m-%dT%H:%M:%S%z in the instance timezone (utils/temporal.cpp:569); the stand-in runs in UTC. */
function formatMtime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '+0000';
}

/** storage.cpp:4735-4775: every parseable snapshot whatever its UUID, newest mtime first. */
export function showSnapshots(codec: DurabilityCodec, storage: Storage): QueryResult {
  const rows: { mtime: number; row: Value[] }[] = [];
  for (const file of regularFiles(storage.snapshotDir)) {
    try {
      const meta = codec.decodeSnapshotMeta(fs.readFileSync(file));
      const st = fs.statSync(file);
      rows.push({ mtime: st.mtimeMs, row: [file, meta.durableTs, formatMtime(st.mtimeMs), readableSize(st.size)] });
    } catch {
      // unparseable files are not listed
    }
  }
  rows.sort((a, b) => b.mtime - a.mtime);
  return { fields: ['path', 'timestamp', 'creation_time', 'size'], rows: rowsOf(rows.map((r) => r.row)) };
}

/** research §1.7: per-DB rows up to v3.10 for the plain form; instance rows since v3.11. */
export function storageInfo(ctx: InfoContext, storage: Storage, on: StorageInfoTarget): QueryResult {
const v = ctx.version;
  const fields = ['storage info', 'value'];
  if (on === 'instance' && atLeast(v, '3.11.0')) {
    // interpreter.cpp:8076-8102
    const mode = ctx.globalMode;
    return {
      fields,
      rows: rowsOf([
        ['vm_max_map_count', 65530n], ['memory_res', '0B'], ['peak_memory_res', '0B'], ['disk_usage', '0B'],
        ['memory_tracked', '0B'], ['memory_limit', '0B'], ['license_memory_limit', 'unlimited'],
        ['query+graph_memory_tracked', '0B'], ['vector_index_memory_tracked', '0B'],
        ['global_isolation_level', 'SNAPSHOT_ISOLATION'], ['session_isolation_level', ''],
        ['next_session_isolation_level', ''], ['global_storage_mode', mode],
      ]),
    };
  }
  let target = storage;
  if (typeof on === 'object') {
    const s = ctx.storages.get(on.database);
    if (!s) throw clientError(`Tried to retrieve an unknown database "${on.database}".`);
    target = s;
  }
  const g = target.graph;
  const vertexCount = BigInt(g.vertices.size);
  const edgeCount = BigInt(g.edges.size);
  const avg = g.vertices.size === 0 ? 0 : (2 * g.edges.size) / g.vertices.size;
  if (on === 'instance') {
    // v3.5.0 interpreter.cpp:5473-5492 (database_uuid since v3.5)
    const rows: Value[][] = [['name', target.opts.name]];
    if (atLeast(v, '3.5.0')) rows.push(['database_uuid', target.uuid]);
    rows.push(
      ['vertex_count', vertexCount], ['edge_count', edgeCount], ['average_degree', avg],
      ['vm_max_map_count', 65530n], ['memory_res', '0B'], ['peak_memory_res', '0B'],
      ['unreleased_delta_objects', 0n], ['disk_usage', '0B'], ['memory_tracked', '0B'],
      ['allocation_limit', '0B'], ['global_isolation_level', 'SNAPSHOT_ISOLATION'],
      ['session_isolation_level', ''], ['next_session_isolation_level', ''], ['storage_mode', target.mode],
    );
    return { fields, rows: rowsOf(rows) };
  }
  // interpreter.cpp:8035-8070 (state and health since v3.12)
  const rows: Value[][] = [['name', target.opts.name], ['database_uuid', target.uuid]];
  if (atLeast(v, '3.12.0')) rows.push(['state', 'HOT']);
  rows.push(
    ['storage_mode', target.mode], ['vertex_count', vertexCount], ['edge_count', edgeCount],
    ['average_degree', avg], ['unreleased_delta_objects', 0n], ['disk_usage', '0B'],
    ['graph_memory_tracked', '0B'], ['query_memory_tracked', '0B'], ['vector_index_memory_tracked', '0B'],
    ['tenant_memory_tracked', '0B'], ['tenant_peak_memory_tracked', '0B'], ['tenant_memory_limit', 'unlimited'],
    ['storage_isolation_level', 'SNAPSHOT_ISOLATION'],
  );
  if (atLeast(v, '3.12.0')) rows.push(['health', 'ready']);
  return { fields, rows: rowsOf(rows) };
}

