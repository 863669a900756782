// Stand-in durability bytes until the real Memgraph encoder lands: magic `SIsn`/`SIwl` (never
// Memgraph's `MGsn`/`MGwl`, so no tool can mistake these files for real ones), the durability version as
// a raw u64 LE like Memgraph's header (snapshot.cpp / wal.cpp), then JSON. A snapshot is one JSON
// document; a WAL is a JSON header line followed by one JSON line per transaction, so a torn tail is
// simply an incomplete last line.
import type { Graph, Edge, SchemaItem, Vertex } from '../../../src/graph/model.js';
import type { Value } from '../../../src/graph/value.js';
import type { DecodedWal, DurabilityCodec, SnapshotMeta, WalMeta, WalOp, WalTransaction } from './codec.js';

const SNAPSHOT_MAGIC = 'SIsn';
const WAL_MAGIC = 'SIwl';
/** The newest durability version any release writes (v3.12.0, research/memgraph-semantics.md §3.3). */
const VERSION = 36n;
const HEADER_LEN = 12;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values to JSON without losing bigint vs float, Map order or struct kinds. */
export function valueToJson(v: Value): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { i: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? { f: v } : { f: String(v) };
  if (Array.isArray(v)) return v.map(valueToJson);
  if (v instanceof Map) return { m: [...v].map(([k, x]) => [k, valueToJson(x)]) };
  switch (v.kind) {
    case 'temporal': return { t: v.type, us: v.micros.toString() };
    case 'zoned': return { z: v.micros.toString(), zone: 'name' in v.zone ? v.zone.name : v.zone.offsetMinutes };
    case 'point': return v.z === undefined ? { p: v.srid, x: v.x, y: v.y } : { p: v.srid, x: v.x, y: v.y, zz: v.z };
    case 'enum': return { e: v.type, v: v.value };
  }
}

export function valueFromJson(j: Json): Value {
  if (j === null || typeof j === 'boolean' || typeof j === 'string') return j;
  if (typeof j === 'number') throw new Error('bare number in stand-in file');
  if (Array.isArray(j)) return j.map(valueFromJson);
  const o = j as Record<string, Json>;
  if ('i' in o) return BigInt(o.i as string);
  if ('f' in o) return typeof o.f === 'number' ? o.f : Number(o.f);
  if ('m' in o) return new Map((o.m as [string, Json][]).map(([k, x]) => [k, valueFromJson(x)]));
  if ('t' in o) return { kind: 'temporal', type: o.t as 'Date', micros: BigInt(o.us as string) };
  if ('z' in o) {
    const zone = typeof o.zone === 'string' ? { name: o.zone } : { offsetMinutes: o.zone as number };
    return { kind: 'zoned', micros: BigInt(o.z as string), zone };
  }
  if ('p' in o) {
    const p = { kind: 'point' as const, srid: o.p as number, x: o.x as number, y: o.y as number };
    return o.zz === undefined ? p : { ...p, z: o.zz as number };
  }
  if ('e' in o) return { kind: 'enum', type: o.e as string, value: o.v as string };
  throw new Error('unknown value form in stand-in file');
}

const propsToJson = (p: Map<string, Value>): Json => [...p].map(([k, v]) => [k, valueToJson(v)]);
const propsFromJson = (j: Json): Map<string, Value> =>
  new Map((j as [string, Json][]).map(([k, v]) => [k, valueFromJson(v)]));

const vertexToJson = (v: Vertex): Json => ({ gid: v.gid.toString(), labels: v.labels, props: propsToJson(v.props) });
const vertexFromJson = (j: Json): Vertex => {
  const o = j as Record<string, Json>;
  return { gid: BigInt(o.gid as string), labels: o.labels as string[], props: propsFromJson(o.props) };
};
const edgeToJson = (e: Edge): Json => ({
  gid: e.gid.toString(), from: e.from.toString(), to: e.to.toString(), type: e.type, props: propsToJson(e.props),
});
const edgeFromJson = (j: Json): Edge => {
  const o = j as Record<string, Json>;
  return {
    gid: BigInt(o.gid as string), from: BigInt(o.from as string), to: BigInt(o.to as string),
    type: o.type as string, props: propsFromJson(o.props),
  };
};
// Schema items hold only strings, numbers, booleans and arrays of those.
const schemaToJson = (s: SchemaItem[]): Json => s as unknown as Json;
const schemaFromJson = (j: Json): SchemaItem[] => j as unknown as SchemaItem[];

const metaToJson = (m: SnapshotMeta): Json => ({
  uuid: m.uuid, epochId: m.epochId, startTs: m.startTs.toString(), durableTs: m.durableTs.toString(),
  vertexCount: m.vertexCount.toString(), edgeCount: m.edgeCount.toString(),
});
const metaFromJson = (j: Json): SnapshotMeta => {
  const o = j as Record<string, string>;
  return {
    uuid: o.uuid!, epochId: o.epochId!, startTs: BigInt(o.startTs!), durableTs: BigInt(o.durableTs!),
    vertexCount: BigInt(o.vertexCount!), edgeCount: BigInt(o.edgeCount!),
  };
};

function header(magic: string): Uint8Array {
  const out = new Uint8Array(HEADER_LEN);
  out.set(enc.encode(magic), 0);
  new DataView(out.buffer).setBigUint64(4, VERSION, true);
  return out;
}

function checkHeader(bytes: Uint8Array, magic: string): void {
  if (bytes.length < HEADER_LEN) throw new Error('file too short for a header');
  const got = String.fromCharCode(...bytes.subarray(0, 4));
  if (got !== magic) throw new Error(`not a stand-in file (magic ${JSON.stringify(got)})`);
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(4, true);
  if (version !== VERSION) throw new Error(`Invalid version ${version}!`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function opToJson(op: WalOp): Json {
  switch (op.op) {
    case 'upsertVertex': return { op: op.op, vertex: vertexToJson(op.vertex) };
    case 'upsertEdge': return { op: op.op, edge: edgeToJson(op.edge) };
    case 'deleteVertex': case 'deleteEdge': return { op: op.op, gid: op.gid.toString() };
    case 'schema': return { op: op.op, schema: schemaToJson(op.schema) };
    // Only a real WAL decodes to deltas; final states (pre-images ignored) are all this format holds.
    case 'delta': throw new Error('the interim codec cannot write decoded Memgraph deltas');
  }
}

function opFromJson(j: Json): WalOp {
  const o = j as Record<string, Json>;
  switch (o.op) {
    case 'upsertVertex': return { op: 'upsertVertex', vertex: vertexFromJson(o.vertex!) };
    case 'upsertEdge': return { op: 'upsertEdge', edge: edgeFromJson(o.edge!) };
    case 'deleteVertex': return { op: 'deleteVertex', gid: BigInt(o.gid as string) };
    case 'deleteEdge': return { op: 'deleteEdge', gid: BigInt(o.gid as string) };
    case 'schema': return { op: 'schema', schema: schemaFromJson(o.schema!) };
    default: throw new Error(`unknown WAL op ${JSON.stringify(o.op)}`);
  }
}

export const interimCodec: DurabilityCodec = {
  name: 'stand-in interim JSON',

  encodeSnapshot(graph: Graph, meta: SnapshotMeta): Uint8Array {
    const doc = {
      meta: metaToJson(meta),
      vertices: [...graph.vertices.values()].map(vertexToJson),
      edges: [...graph.edges.values()].map(edgeToJson),
      schema: schemaToJson(graph.schema),
    };
    return concat(header(SNAPSHOT_MAGIC), enc.encode(JSON.stringify(doc)));
  },

  decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
    return this.decodeSnapshot(bytes).meta;
  },

  decodeSnapshot(bytes: Uint8Array): { meta: SnapshotMeta; graph: Graph } {
    checkHeader(bytes, SNAPSHOT_MAGIC);
    const doc = JSON.parse(dec.decode(bytes.subarray(HEADER_LEN))) as Record<string, Json>;
    const graph: Graph = { vertices: new Map(), edges: new Map(), schema: schemaFromJson(doc.schema ?? []) };
    for (const v of doc.vertices as Json[]) {
      const vertex = vertexFromJson(v);
      graph.vertices.set(vertex.gid, vertex);
    }
    for (const e of doc.edges as Json[]) {
      const edge = edgeFromJson(e);
      graph.edges.set(edge.gid, edge);
    }
    return { meta: metaFromJson(doc.meta!), graph };
  },

  encodeWalHeader(meta: WalMeta): Uint8Array {
    const line = JSON.stringify({ uuid: meta.uuid, epochId: meta.epochId, seqNum: meta.seqNum.toString() });
    return concat(header(WAL_MAGIC), enc.encode(line + '\n'));
  },

  encodeWalTransaction(tx: WalTransaction): Uint8Array {
    return enc.encode(JSON.stringify({ ts: tx.commitTs.toString(), ops: tx.ops.map(opToJson) }) + '\n');
  },

  decodeWal(bytes: Uint8Array): DecodedWal {
    checkHeader(bytes, WAL_MAGIC);
    const text = dec.decode(bytes.subarray(HEADER_LEN));
    const lines = text.split('\n');
    const head = JSON.parse(lines[0]!) as Record<string, string>;
    const meta: WalMeta = { uuid: head.uuid!, epochId: head.epochId!, seqNum: BigInt(head.seqNum!) };
    const transactions: WalTransaction[] = [];
    // The last element is what follows the final newline: empty for a complete file, a torn tail otherwise.
    for (const line of lines.slice(1, -1)) {
      const o = JSON.parse(line) as Record<string, Json>;
      transactions.push({ commitTs: BigInt(o.ts as string), ops: (o.ops as Json[]).map(opFromJson) });
    }
    return { meta, transactions };
  },
};
