// The stand-in's durability files as Memgraph 3.12 writes them: durability version 36, magic MGsn/MGwl.
// Bytes come from the test encoder (test/format/encoder*.ts) and are read back with src/format, so a
// data directory the stand-in leaves behind is one mgbackup and Memgraph itself can read.
// A real WAL holds fine-grained deltas (create, add label, set property, ...), not final states: each
// commit is turned into deltas from its pre-images, and decoding yields `delta` ops that recovery
// applies in order with applyMemgraphDelta. Enum values are stored as (type id, value id) pairs that
// only the snapshot + earlier WALs give meaning to, so the decoder keeps them as ids (`#t`/`#v`) and
// applying resolves them against the graph's enums at that point, as Memgraph's recovery does.
import { schemaKey } from '../../../src/format/apply-wal.js';
import { decodeSnapshot, decodeSnapshotInfo, decodeWal } from '../../../src/format/index.js';
import { ttlItem } from '../../../src/format/snapshot-schema.js';
import type { SnapshotInfo } from '../../../src/format/snapshot-header.js';
import type { WalOp as Delta } from '../../../src/format/wal-types.js';
import type { Graph, SchemaItem, Vertex, Edge } from '../../../src/graph/model.js';
import type { PropertyMap, Value } from '../../../src/graph/value.js';
import { encodeSnapshot, encodeWal } from '../../format/encoder.js';
import { accessTypeOf, encodeTransactionBody, transactionDeltas, type TransactionChanges } from '../../format/encoder-tx.js';
import type { DecodedWal, DurabilityCodec, SnapshotMeta, WalMeta, WalTransaction } from './codec.js';

/** The newest durability version any release writes (Memgraph 3.12, research/memgraph-semantics.md §3.3). */
export const MEMGRAPH_DURABILITY_VERSION = 36;

/** `after` cut-off above every timestamp: the decoder then registers no enum and leaves every enum
 *  value unresolved (`#typeId`/`#valueId`) for applyMemgraphDelta to resolve. */
const KEEP_ENUM_IDS = 0xffff_ffff_ffff_ffffn;

function metaOf(info: SnapshotInfo): SnapshotMeta {
  return {
      uuid: info.uuid, epochId: info.epochId, startTs: info.startTimestamp, durableTs: info.durableTimestamp,
      vertexCount: info.vertexCount, edgeCount: info.edgeRecordCount,
  };
}

type EnumItem = Extract<SchemaItem, { kind: 'enum' }>;
const enumsOf = (schema: readonly SchemaItem[]): EnumItem[] => schema.filter((s): s is EnumItem => s.kind === 'enum');

/** Graph-level ops of one commit -> before/after changes for the delta encoder. */
function changesOf(tx: WalTransaction): TransactionChanges {
  const c: TransactionChanges = { vertices: [], edges: [] };
  for (const op of tx.ops) {
    switch (op.op) {
      case 'upsertVertex': c.vertices.push({ gid: op.vertex.gid, before: op.before ?? null, after: op.vertex }); break;
      // Unknown pre-image of a deleted vertex: it existed (only its existence matters for VERTEX_DELETE).
      case 'deleteVertex':
        c.vertices.push({ gid: op.gid, before: op.before === undefined ? { gid: op.gid, labels: [], props: new Map() } : op.before, after: null });
        break;
      case 'upsertEdge': c.edges.push({ gid: op.edge.gid, before: op.before ?? null, after: op.edge }); break;
      case 'deleteEdge':
        if (op.before === undefined) throw new Error(`memgraph codec: deleting edge ${op.gid} needs its pre-image (EDGE_DELETE stores type and ends)`);
        // Created and deleted by this transaction: its type and ends are gone; the WAL needs no trace of it.
        if (op.before !== null) c.edges.push({ gid: op.gid, before: op.before, after: null });
        break;
      case 'schema': c.schema = { before: op.before ?? [], after: op.schema }; break;
      case 'delta': throw new Error('memgraph codec: decoded deltas are not re-encoded');
    }
  }
  return c;
}

/** A codec writing durability `version` (default 36). 37 is what development builds after 3.12 write;
 *  use it only to imitate one, e.g. to hold a global index, which 36 cannot store. */
export function memgraphCodecFor(version = MEMGRAPH_DURABILITY_VERSION): DurabilityCodec {
  return {
    name: `Memgraph durability v${version}`,
    durabilityVersion: version,

    encodeSnapshot(graph: Graph, meta: SnapshotMeta): Uint8Array {
      // Each stand-in commit is one transaction, so the durable timestamp counts them.
      return encodeSnapshot(graph, {
        version, uuid: meta.uuid, epochId: meta.epochId, startTimestamp: meta.startTs,
        durableTimestamp: meta.durableTs, committedTransactions: meta.durableTs,
      });
    },

    /** Header and metadata only, as Memgraph's ReadSnapshotInfo; a snapshot still being written (or cut
     *  short) has zero or out-of-file section offsets and throws, so recovery and retention skip it. */
    decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
      return metaOf(decodeSnapshotInfo(bytes));
    },

    decodeSnapshot(bytes: Uint8Array): { meta: SnapshotMeta; graph: Graph } {
      const { info, graph } = decodeSnapshot(bytes);
      return { meta: metaOf(info), graph };
    },

    encodeWalHeader(meta: WalMeta): Uint8Array {
      return encodeWal([], {
        version, uuid: meta.uuid, epochId: meta.epochId, sequenceNumber: meta.seqNum,
      });
    },

    encodeWalTransaction(tx: WalTransaction): Uint8Array {
      const changes = changesOf(tx);
      const ops = transactionDeltas(changes);
      // Enum ids are positions before this transaction's own ENUM_* deltas (the encoder applies those).
      const enums = changes.schema ? enumsOf(changes.schema.before) : (tx.enums ?? []);
      return encodeTransactionBody({ timestamp: tx.commitTs, accessType: accessTypeOf(ops), ops }, enums, version);
    },

    /** Complete transactions only: a torn `_current` tail yields the prefix; a CRC mismatch throws.
     *  Transactions whose start says commit=false (an unfinished two-phase commit) are not recovered. */
    decodeWal(bytes: Uint8Array): DecodedWal {
      const { info, transactions } = decodeWal(bytes, { lenientEnums: true, after: KEEP_ENUM_IDS });
      return {
        meta: { uuid: info.uuid, epochId: info.epochId, seqNum: info.sequenceNumber },
        transactions: transactions.filter((t) => t.commit).map((t) => ({
          commitTs: t.timestamp,
          ops: t.ops.map((delta) => ({ op: 'delta' as const, delta })),
        })),
      };
    },
  };
}

/** The default: what Memgraph 3.12, the newest release, writes. */
export const memgraphCodec: DurabilityCodec = memgraphCodecFor();

// ---------------------------------------------------------------------------------------- recovery

function fail(what: string): never {
  throw new Error(`WAL delta cannot be applied: ${what}`);
}

/** `#t`/`#v` ids left by the decoder -> the enum value they name in the graph's current enums. */
function resolveEnums(v: Value, schema: readonly SchemaItem[]): Value {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => resolveEnums(x, schema));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, resolveEnums(x, schema)]));
  if (v.kind !== 'enum') return v;
  const t = /^#(\d+)$/.exec(v.type);
  const x = /^#(\d+)$/.exec(v.value);
  if (!t || !x) return v;
  const def = enumsOf(schema)[Number(t[1])];
  const value = def?.values[Number(x[1])];
  if (def === undefined || value === undefined) fail(`enum value ${t[1]}:${x[1]} is not defined`);
  return { kind: 'enum', type: def.name, value };
}

/** Stored like the stand-in stores them: null removes, an existing key keeps its place, a new key goes last. */
function setProperty(props: PropertyMap, key: string, value: Value): void {
  if (value === null) props.delete(key);
  else props.set(key, value);
}

function removeWhere(schema: SchemaItem[], pred: (s: SchemaItem) => boolean): void {
  const i = schema.findIndex(pred);
  if (i >= 0) schema.splice(i, 1);
}

function putSchema(schema: SchemaItem[], item: SchemaItem): void {
  const k = schemaKey(item);
  const i = schema.findIndex((s) => schemaKey(s) === k);
  if (i >= 0) schema[i] = item;
  else schema.push(item);
}

const vertexOf = (g: Graph, gid: bigint): Vertex => g.vertices.get(gid) ?? fail(`vertex ${gid} does not exist`);
const edgeOf = (g: Graph, gid: bigint): Edge => g.edges.get(gid) ?? fail(`edge ${gid} does not exist`);

/** One decoded delta applied to the stand-in's graph, in the stand-in's storage order (labels and
 *  properties as the live engine keeps them; a removed label's slot takes the last label, as in Memgraph). */
export function applyMemgraphDelta(g: Graph, d: Delta): void {
  switch (d.op) {
    case 'vertexCreate':
      if (g.vertices.has(d.gid)) fail(`vertex ${d.gid} already exists`);
      g.vertices.set(d.gid, { gid: d.gid, labels: [], props: new Map() });
      return;
    case 'vertexDelete':
      if (!g.vertices.delete(d.gid)) fail(`vertex ${d.gid} does not exist`);
      return;
    case 'vertexAddLabel': {
      const v = vertexOf(g, d.gid);
      if (!v.labels.includes(d.label)) v.labels.push(d.label);
      return;
    }
    case 'vertexRemoveLabel': {
      const v = vertexOf(g, d.gid);
      const i = v.labels.indexOf(d.label);
      if (i >= 0) {
        const last = v.labels.pop()!;
        if (i < v.labels.length) v.labels[i] = last;
      }
      return;
    }
    case 'vertexSetProperty': return setProperty(vertexOf(g, d.gid).props, d.property, resolveEnums(d.value, g.schema));
    case 'edgeCreate':
      if (g.edges.has(d.gid)) fail(`edge ${d.gid} already exists`);
      if (!g.vertices.has(d.from) || !g.vertices.has(d.to)) fail(`edge ${d.gid} joins a missing vertex`);
      g.edges.set(d.gid, { gid: d.gid, from: d.from, to: d.to, type: d.edgeType, props: new Map() });
      return;
    case 'edgeDelete':
      if (!g.edges.delete(d.gid)) fail(`edge ${d.gid} does not exist`);
      return;
    case 'edgeSetProperty': return setProperty(edgeOf(g, d.gid).props, d.property, resolveEnums(d.value, g.schema));
    case 'schemaCreate': return putSchema(g.schema, d.item);
    case 'schemaDrop': {
      const k = schemaKey(d.item);
      return removeWhere(g.schema, (s) => schemaKey(s) === k);
    }
    case 'textIndexDrop': return removeWhere(g.schema, (s) => (s.kind === 'textIndex' || s.kind === 'textEdgeIndex') && s.name === d.name);
    case 'vectorIndexDrop': return removeWhere(g.schema, (s) => (s.kind === 'vectorIndex' || s.kind === 'vectorEdgeIndex') && s.name === d.name);
    case 'enumCreate': return putSchema(g.schema, { kind: 'enum', name: d.name, values: [...d.values] });
    case 'enumAddValue': case 'enumUpdateValue': {
      const e = enumsOf(g.schema).find((x) => x.name === d.name) ?? fail(`enum ${d.name} does not exist`);
      const values = d.op === 'enumAddValue' ? [...e.values, d.value] : e.values.map((v) => (v === d.oldValue ? d.newValue : v));
      return putSchema(g.schema, { kind: 'enum', name: e.name, values });
    }
    case 'statistics': return;
    case 'ttl': {
      if (d.action === 'disable') return removeWhere(g.schema, (s) => s.kind === 'ttl');
      const cur = g.schema.find((s) => s.kind === 'ttl');
      const update = ttlItem(d.periodMicros, d.startMicros);
      // CONFIGURE only changes a TTL that is enabled; ENABLE creates it.
      if (!cur && d.action !== 'enable') return;
      return putSchema(g.schema, { ...(cur ?? { kind: 'ttl' }), ...update } as SchemaItem);
    }
    case 'descriptionSet': return putSchema(g.schema, { kind: 'description', target: d.target, text: d.text });
    case 'descriptionDelete': {
      const k = schemaKey({ kind: 'description', target: d.target, text: '' });
      return removeWhere(g.schema, (s) => schemaKey(s) === k);
    }
  }
}
