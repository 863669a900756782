// Test-only: one committed transaction, given as before/after states, turned into the WAL deltas
// Memgraph's commit writes for it, and the bytes of that transaction alone (no file header), so a WAL
// can be appended to one commit at a time. Delta order follows InMemoryAccessor's commit
// (src/storage/v2/inmemory/storage.cpp:3877 metadata deltas first, then 4167-4301: 1. vertex create,
// label and property; 2. edge create; 3. edge property; 4. edge delete; 5. vertex delete).
// Built on encoder.ts / encoder-wal.ts; it adds no byte layout of its own.
import { schemaKey } from '../../src/format/apply-wal.js';
import type { EnumDef } from '../../src/format/enums.js';
import type { WalOp } from '../../src/format/wal-types.js';
import type { Edge, SchemaItem, Vertex } from '../../src/graph/model.js';
import type { PropertyMap, Value } from '../../src/graph/value.js';
import { encodeWal, parsePeriod, parseStart, type EncodeTransaction } from './encoder.js';

/** null before: created by the transaction; null after: deleted by it. */
export interface VertexChange { gid: bigint; before: Vertex | null; after: Vertex | null }
export interface EdgeChange { gid: bigint; before: Edge | null; after: Edge | null }

export interface TransactionChanges {
  vertices: VertexChange[];
  edges: EdgeChange[];
  schema?: { before: SchemaItem[]; after: SchemaItem[] };
}

/** StorageAccessType as TRANSACTION_START stores it (research doc §5.3). */
export const ACCESS = { unique: 0, write: 1, read: 2, readOnly: 3 } as const;

const valueKey = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint' ? `${x}n` : typeof x === 'number' ? `f${Object.is(x, -0) ? '-0' : String(x)}` : x instanceof Map ? { m: [...x] } : x);

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Label deltas reproducing `after` exactly: a removal moves the last label into the freed slot
 *  (vertex_accessor.cpp RemoveLabel swaps with back()), an addition appends. When a plain diff cannot
 *  reach `after`'s order, every label is removed and re-added. */
export function labelDeltas(gid: bigint, before: readonly string[], after: readonly string[]): WalOp[] {
  const ops: WalOp[] = [];
  const cur = [...before];
  const remove = (label: string): void => {
    const i = cur.indexOf(label);
    cur[i] = cur[cur.length - 1]!;
    cur.pop();
    ops.push({ op: 'vertexRemoveLabel', gid, label });
  };
  for (const l of before) if (!after.includes(l)) remove(l);
  for (const l of after) {
    if (!cur.includes(l)) {
      cur.push(l);
      ops.push({ op: 'vertexAddLabel', gid, label: l });
    }
  }
  if (sameList(cur, after)) return ops;
  ops.length = 0;
  for (const l of before) ops.push({ op: 'vertexRemoveLabel', gid, label: l });
  for (const l of after) ops.push({ op: 'vertexAddLabel', gid, label: l });
  return ops;
}

/** Property deltas: removed keys set to null, changed and new keys set in `after`'s order. A reader
 *  that updates in place and appends new keys then rebuilds `after` exactly; when it could not, every
 *  old key is nulled first. */
export function propertyDeltas(before: PropertyMap, after: PropertyMap, set: (key: string, value: Value) => WalOp): WalOp[] {
  const ops: WalOp[] = [];
  const cur = new Map(before);
  for (const k of before.keys()) {
    if (!after.has(k)) {
      cur.delete(k);
      ops.push(set(k, null));
    }
  }
  for (const [k, v] of after) {
    if (cur.has(k) && valueKey(cur.get(k)) === valueKey(v)) continue;
    cur.set(k, v);
    ops.push(set(k, v));
  }
  if (sameList([...cur.keys()], [...after.keys()])) return ops;
  return [...[...before.keys()].map((k) => set(k, null)), ...[...after].map(([k, v]) => set(k, v))];
}

function enumDeltas(before: Extract<SchemaItem, { kind: 'enum' }> | undefined, after: Extract<SchemaItem, { kind: 'enum' }>): WalOp[] {
  if (!before) return [{ op: 'enumCreate', name: after.name, values: [...after.values] }];
  const old = before.values;
  if (after.values.length > old.length && old.every((v, i) => after.values[i] === v)) {
    return after.values.slice(old.length).map((value) => ({ op: 'enumAddValue', name: after.name, value }));
  }
  if (after.values.length === old.length) {
    return old.flatMap((oldValue, i): WalOp[] =>
      oldValue === after.values[i] ? [] : [{ op: 'enumUpdateValue', name: after.name, oldValue, newValue: after.values[i]! }]);
  }
  throw new Error(`encoder: enum ${after.name} changed in a way no ALTER ENUM can express`);
}

/** Metadata deltas turning schema `before` into `after` (drops first). Triggers live outside the WAL
 *  in Memgraph (their own kvstore), so they produce none. */
export function schemaDeltas(before: readonly SchemaItem[], after: readonly SchemaItem[]): WalOp[] {
  const was = new Map(before.map((i) => [schemaKey(i), i]));
  const now = new Map(after.map((i) => [schemaKey(i), i]));
  const ops: WalOp[] = [];
  for (const [k, item] of was) {
    if (now.has(k)) continue;
    switch (item.kind) {
      case 'trigger': break;
      case 'enum': throw new Error(`encoder: enum ${item.name} was removed; Memgraph cannot drop an enum`);
      case 'ttl': ops.push({ op: 'ttl', action: 'disable', edges: false }); break;
      case 'description': ops.push({ op: 'descriptionDelete', target: item.target }); break;
      default: ops.push({ op: 'schemaDrop', item });
    }
  }
  for (const [k, item] of now) {
    const old = was.get(k);
    if (old && valueKey(old) === valueKey(item)) continue;
    switch (item.kind) {
      case 'trigger': break;
      case 'enum': ops.push(...enumDeltas(old?.kind === 'enum' ? old : undefined, item)); break;
      case 'ttl': {
        const op: WalOp = { op: 'ttl', action: 'enable', edges: false };
        if (item.period !== undefined) op.periodMicros = parsePeriod(item.period);
        if (item.startTime !== undefined) op.startMicros = parseStart(item.startTime);
        ops.push(op);
        break;
      }
      case 'description': ops.push({ op: 'descriptionSet', target: item.target, text: item.text }); break;
      default:
        if (old) ops.push({ op: 'schemaDrop', item: old });
        ops.push({ op: 'schemaCreate', item });
    }
  }
  return ops;
}

const isIndex = (op: WalOp): boolean =>
  (op.op === 'schemaCreate' || op.op === 'schemaDrop') && (op.item.kind === 'labelIndex' || op.item.kind === 'labelPropertyIndex');

/** The access type Memgraph's interpreter picks: WRITE for data; index create/drop READ_ONLY/READ
 *  (interpreter.cpp IndexQuery visitor); other schema changes UNIQUE. */
export function accessTypeOf(ops: readonly WalOp[]): number {
  if (ops.some((o) => o.op.startsWith('vertex') || o.op.startsWith('edge'))) return ACCESS.write;
  if (ops.length > 0 && ops.every(isIndex)) return ops.every((o) => o.op === 'schemaCreate') ? ACCESS.readOnly : ACCESS.read;
  return ACCESS.unique;
}

export function transactionDeltas(c: TransactionChanges): WalOp[] {
  const meta = c.schema ? schemaDeltas(c.schema.before, c.schema.after) : [];
  const vertexData: WalOp[] = [];
  const edgeCreates: WalOp[] = [];
  const edgeData: WalOp[] = [];
  const edgeDeletes: WalOp[] = [];
  const vertexDeletes: WalOp[] = [];
  for (const { gid, before, after } of c.vertices) {
    // Created and deleted by the same transaction: Memgraph still writes both deltas.
    if (!before) vertexData.push({ op: 'vertexCreate', gid });
    if (!after) {
      vertexDeletes.push({ op: 'vertexDelete', gid });
      continue;
    }
    vertexData.push(...labelDeltas(gid, before?.labels ?? [], after.labels));
    vertexData.push(...propertyDeltas(before?.props ?? new Map(), after.props,
      (property, value) => ({ op: 'vertexSetProperty', gid, property, value })));
  }
  for (const { gid, before, after } of c.edges) {
    if (before && after && (before.from !== after.from || before.to !== after.to || before.type !== after.type)) {
      throw new Error(`encoder: edge ${gid} changed its endpoints or type, which no Memgraph delta expresses`);
    }
    const e = after ?? before;
    if (!e) continue;
    const ends = { gid, edgeType: e.type, from: e.from, to: e.to };
    if (!before) edgeCreates.push({ op: 'edgeCreate', ...ends });
    if (!after) {
      edgeDeletes.push({ op: 'edgeDelete', ...ends });
      continue;
    }
    edgeData.push(...propertyDeltas(before?.props ?? new Map(), after.props,
      (property, value) => ({ op: 'edgeSetProperty', gid, property, value, from: e.from, to: e.to, edgeType: e.type })));
  }
  return [...meta, ...vertexData, ...edgeCreates, ...edgeData, ...edgeDeletes, ...vertexDeletes];
}

/** The bytes of one transaction as it follows the header in a WAL of `version` (default 36): what
 *  encodeWal writes for it, less the header. `enums`: definitions in force before the transaction. */
export function encodeTransactionBody(tx: EncodeTransaction, enums: readonly EnumDef[] = [], version = 36): Uint8Array {
  const meta = { version, uuid: '', sequenceNumber: 0n, enums: [...enums] };
  const head = encodeWal([], meta).length;
  return encodeWal([tx], meta).slice(head);
}
