// Test-only encoder: writes Memgraph snapshot and WAL files from the graph model, mirroring the
// decoder in src/format. It produces what the fixtures lack (temporal values, edges without
// properties, uncommitted transactions, WAL chains) and lets the test stand-in write real files.
// Version-gated fields follow src/format/versions.ts; version 36 (Memgraph 3.12) is the default.
// Limits: vector-indexed properties are written as plain lists (index entries empty), and index
// statistics and epoch history are written empty unless given.
import type { DescriptionTarget, Graph, PropertyPath, SchemaItem, VectorIndexConfig } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { Marker, SCALAR_KINDS, SNAPSHOT_MAGIC, TYPE_CONSTRAINT_KINDS } from '../../src/format/markers.js';
import { featuresOf } from '../../src/format/versions.js';
import type { EnumDef } from '../../src/format/enums.js';
import type { WalOp } from '../../src/format/wal-types.js';
import { Writer, type EnumIds } from './encoder-writer.js';

export interface SnapshotMeta {
  version?: number;
  uuid: string;
  epochId?: string;
  startTimestamp: bigint;
  durableTimestamp?: bigint;
  /** false writes no edge records (edge offset 0), like --storage-properties-on-edges=false. */
  propertiesOnEdges?: boolean;
  committedTransactions?: bigint;
  epochHistory?: { epochId: string; lastDurableTimestamp: bigint }[];
}

export interface WalMeta {
  version?: number;
  uuid: string;
  epochId?: string;
  sequenceNumber: bigint;
  /** v37 only: write the summary trailer; finalized=false writes the all-zero "current file" summary. */
  summary?: { finalized: boolean };
  /** Enum definitions known before this file (snapshot + earlier WALs), for enum ids in values. */
  enums?: EnumDef[];
}

export interface EncodeTransaction {
  timestamp: bigint;
  /** false writes a v28+ TRANSACTION_START with commit=false. */
  commit?: boolean;
  accessType?: number;
  ops: WalOp[];
}

export const SCALAR_CODES = new Map([...SCALAR_KINDS].map(([k, v]) => [v, k]));
export const TYPE_CODES = new Map<string, number>(TYPE_CONSTRAINT_KINDS.map((k, i) => [k, i]));

export function enumLookup(enums: readonly EnumDef[]): EnumIds {
  return (type, value) => {
    const t = enums.findIndex((e) => e.name === type);
    const v = t < 0 ? -1 : enums[t]!.values.indexOf(value);
    if (v < 0) throw new Error(`encoder: enum value ${type}::${value} is not defined`);
    return [BigInt(t), BigInt(v)];
  };
}

export function need(f: boolean, what: string, version: number): void {
  if (!f) throw new Error(`encoder: ${what} cannot be written in durability version ${version}`);
}

export function parsePeriod(s: string): bigint {
  const m = /^(\d+)s$/.exec(s);
  if (!m) throw new Error(`encoder: ttl period ${s} must look like "<seconds>s"`);
  return BigInt(m[1]!) * 1_000_000n;
}

export function parseStart(s: string): bigint {
  const m = /^(\d\d):(\d\d):(\d\d)$/.exec(s);
  if (!m) throw new Error(`encoder: ttl start ${s} must look like "HH:MM:SS"`);
  return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1_000_000n;
}

export function descriptionTarget(w: Writer, t: DescriptionTarget, enumIds: EnumIds): void {
  const kinds = { database: 0, label: 1, edgeType: 2, labelProperty: 3, edgeTypeProperty: 4, property: 5, propertyValue: 8 } as const;
  const pattern = (t.on === 'edgeType' || t.on === 'edgeTypeProperty') && (t.from !== undefined || t.to !== undefined);
  w.uint(pattern ? (t.on === 'edgeType' ? 6 : 7) : kinds[t.on]);
  switch (t.on) {
    case 'database': return;
    case 'label': return w.strings(t.labels);
    case 'labelProperty': w.strings(t.labels); return w.string(t.property);
    case 'property': return w.string(t.property);
    case 'propertyValue': w.string(t.property); return w.value(t.value, enumIds);
    case 'edgeType': case 'edgeTypeProperty':
      if (pattern) {
        w.strings(t.from ?? []);
        w.string(t.edgeType);
        w.strings(t.to ?? []);
      } else {
        w.string(t.edgeType);
      }
      if (t.on === 'edgeTypeProperty') w.string(t.property);
  }
}

// ---------------------------------------------------------------------------------------------- snapshot

export function encodeSnapshot(graph: Graph, meta: SnapshotMeta): Uint8Array {
  const version = meta.version ?? 36;
  const f = featuresOf(version);
  const w = new Writer();
  const ids = new Map<string, number>();
  const id = (n: string): number => {
    let i = ids.get(n);
    if (i === undefined) ids.set(n, (i = ids.size));
    return i;
  };
  const vertices = [...graph.vertices.values()].sort((a, b) => (a.gid < b.gid ? -1 : 1));
  const edges = [...graph.edges.values()].sort((a, b) => (a.gid < b.gid ? -1 : 1));
  for (const v of vertices) {
    v.labels.forEach(id);
    for (const k of v.props.keys()) id(k);
  }
  for (const e of edges) {
    id(e.type);
    for (const k of e.props.keys()) id(k);
  }
  const enums: EnumDef[] = graph.schema.flatMap((s) => (s.kind === 'enum' ? [{ name: s.name, values: s.values }] : []));
  if (enums.length > 0) need(f.enums, 'enums', version);
  const enumIds = enumLookup(enums);
  const of = <K extends SchemaItem['kind']>(kind: K): Extract<SchemaItem, { kind: K }>[] =>
    graph.schema.filter((s): s is Extract<SchemaItem, { kind: K }> => s.kind === kind);

  w.raw(new TextEncoder().encode(SNAPSHOT_MAGIC));
  w.rawU64(version);
  w.byte(Marker.SECTION_OFFSETS);
  const slots = new Map<string, number>();
  const sections = ['edges', 'vertices', 'indices', ...(f.edgeIndices ? ['edgeIndices'] : []), 'constraints', 'mapper',
    ...(f.enums ? ['enums'] : []), 'epochHistory', 'metadata', ...(f.batches ? ['edgeBatches', 'vertexBatches'] : []),
    ...(f.ttl ? ['ttl'] : []), ...(f.descriptions ? ['descriptions'] : [])];
  for (const s of sections) {
    slots.set(s, w.pos + 1);
    w.uint(0);
  }
  const mark = (s: string): void => w.patchU64(slots.get(s)!, w.pos);
  const props = (p: Map<string, Value>): void => {
    const sorted = [...p].sort((a, b) => id(a[0]) - id(b[0]));
    w.uint(sorted.length);
    for (const [k, v] of sorted) {
      w.uint(id(k));
      w.value(v, enumIds);
    }
  };

  const onEdges = meta.propertiesOnEdges ?? true;
  const edgeStart = w.pos;
  if (onEdges) {
    mark('edges');
    for (const e of edges) {
      w.byte(Marker.SECTION_EDGE);
      w.uint(e.gid);
      props(e.props);
    }
  } else if (edges.some((e) => e.props.size > 0)) {
    throw new Error('encoder: edge properties need propertiesOnEdges');
  }
  mark('vertices');
  const vertexStart = w.pos;
  const ins = new Map<bigint, typeof edges>();
  const outs = new Map<bigint, typeof edges>();
  for (const e of edges) {
    (ins.get(e.to) ?? ins.set(e.to, []).get(e.to)!).push(e);
    (outs.get(e.from) ?? outs.set(e.from, []).get(e.from)!).push(e);
  }
  for (const v of vertices) {
    w.byte(Marker.SECTION_VERTEX);
    w.uint(v.gid);
    w.uint(v.labels.length);
    for (const l of v.labels) w.uint(id(l));
    props(v.props);
    const inList = ins.get(v.gid) ?? [];
    w.uint(inList.length);
    for (const e of inList) { w.uint(e.gid); w.uint(e.from); w.uint(id(e.type)); }
    const outList = outs.get(v.gid) ?? [];
    w.uint(outList.length);
    for (const e of outList) { w.uint(e.gid); w.uint(e.to); w.uint(id(e.type)); }
  }

  const writeProps = (paths: PropertyPath[]): void => {
    if (!f.compositeIndices) {
      if (paths.length !== 1 || paths[0]!.length !== 1) need(false, 'composite/nested indices', version);
      return w.uint(id(paths[0]![0]!));
    }
    w.uint(paths.length);
    for (const p of paths) {
      if (!f.nestedIndices) {
        if (p.length !== 1) need(false, 'nested indices', version);
        w.uint(id(p[0]!));
      } else {
        w.uint(p.length);
        for (const x of p) w.uint(id(x));
      }
    }
  };
  mark('indices');
  w.byte(Marker.SECTION_INDICES);
  const labelIdx = of('labelIndex');
  w.uint(labelIdx.length);
  for (const i of labelIdx) w.uint(id(i.label));
  if (f.indexStats) w.uint(0);
  const lp = of('labelPropertyIndex');
  const asc = lp.filter((i) => i.descending !== true);
  const desc = lp.filter((i) => i.descending === true);
  if (desc.length > 0) need(f.descIndices, 'descending indices', version);
  for (const list of f.descIndices ? [asc, desc] : [asc]) {
    w.uint(list.length);
    for (const i of list) { w.uint(id(i.label)); writeProps(i.properties); }
  }
  if (f.indexStats) w.uint(0);

  if (f.edgeIndices) {
    mark('edgeIndices');
    w.byte(Marker.SECTION_EDGE_INDICES);
    const ids1 = (xs: string[]): void => { w.uint(xs.length); for (const x of xs) w.uint(id(x)); };
    ids1(of('edgeTypeIndex').map((i) => i.edgeType));
    if (f.edgeTypePropertyIndex) {
      const l = of('edgeTypePropertyIndex');
      w.uint(l.length);
      for (const i of l) { w.uint(id(i.edgeType)); w.uint(id(i.property)); }
    }
    if (f.globalEdgePropertyIndex) ids1(of('globalEdgeIndex').map((i) => i.property));
    if (f.globalVertexPropertyIndex) ids1(of('globalIndex').map((i) => i.property));
    else if (of('globalIndex').length > 0) need(false, 'global indices', version);
    if (f.pointIndexAndTypeConstraints) {
      const l = of('pointIndex');
      w.uint(l.length);
      for (const i of l) { w.uint(id(i.label)); w.uint(id(i.property)); }
    }
    const vec = (name: string, filter: string[], mode: number, property: string, c: VectorIndexConfig, edge: boolean): void => {
      w.string(name);
      if (f.vectorMultiLabel) { w.uint(mode); w.uint(filter.length); for (const x of filter) w.uint(id(x)); }
      else { if (filter.length !== 1) need(false, 'multi-label vector indices', version); w.uint(id(filter[0]!)); }
      w.uint(id(property)); w.string(c.metric); w.uint(c.dimension); w.uint(c.resizeCoefficient); w.uint(c.capacity);
      if (edge || f.vectorScalarKind) w.uint(SCALAR_CODES.get(c.scalarKind ?? 'f32') ?? 11);
      if (edge ? f.vectorEdgeEntries : f.vectorNodeEntries) w.uint(0);
    };
    if (f.vectorIndex) {
      const l = of('vectorIndex');
      w.uint(l.length);
      for (const i of l) vec(i.name, i.labels, i.labels.length === 0 ? 1 : i.labelMode === 'or' ? 2 : i.labelMode === 'and' ? 3 : 0, i.property, i.config, false);
    }
    if (f.vectorEdgeIndex) {
      const l = of('vectorEdgeIndex');
      w.uint(l.length);
      for (const i of l) vec(i.name, i.edgeTypes, i.edgeTypes.length === 0 ? 1 : i.edgeTypeMode === 'or' ? 2 : 0, i.property, i.config, true);
    }
    const text = of('textIndex');
    w.uint(text.length);
    for (const i of text) {
      w.string(i.name); w.uint(id(i.label));
      if (f.textIndexProperties) { w.uint(i.properties.length); for (const p of i.properties) w.uint(id(p)); }
    }
    if (f.textEdgeIndex) {
      const l = of('textEdgeIndex');
      w.uint(l.length);
      for (const i of l) { w.string(i.name); w.uint(id(i.edgeType)); w.uint(i.properties.length); for (const p of i.properties) w.uint(id(p)); }
    }
  }

  mark('constraints');
  w.byte(Marker.SECTION_CONSTRAINTS);
  const ex = of('existenceConstraint');
  w.uint(ex.length);
  for (const c of ex) { w.uint(id(c.label)); w.uint(id(c.property)); }
  const un = of('uniqueConstraint');
  w.uint(un.length);
  for (const c of un) { w.uint(id(c.label)); w.uint(c.properties.length); for (const p of c.properties) w.uint(id(p)); }
  if (f.pointIndexAndTypeConstraints) {
    const ty = of('typeConstraint');
    w.uint(ty.length);
    for (const c of ty) { w.uint(id(c.label)); w.uint(id(c.property)); w.uint(TYPE_CODES.get(c.type)!); }
  }

  mark('mapper');
  w.byte(Marker.SECTION_MAPPER);
  w.uint(ids.size);
  for (const [name, i] of ids) { w.uint(i); w.string(name); }
  if (f.enums) {
    mark('enums');
    w.byte(Marker.SECTION_ENUMS);
    w.uint(enums.length);
    for (const e of enums) { w.string(e.name); w.strings(e.values); }
  }
  mark('epochHistory');
  w.byte(Marker.SECTION_EPOCH_HISTORY);
  const hist = meta.epochHistory ?? [];
  w.uint(hist.length);
  for (const h of hist) { w.string(h.epochId); w.uint(h.lastDurableTimestamp); }
  mark('metadata');
  w.byte(Marker.SECTION_METADATA);
  w.string(meta.uuid);
  w.string(meta.epochId ?? meta.uuid);
  w.uint(meta.startTimestamp);
  if (f.durableTimestamp) w.uint(meta.durableTimestamp ?? meta.startTimestamp);
  w.uint(onEdges ? edges.length : 0);
  w.uint(vertices.length);
  if (f.committedTxnCount) w.uint(meta.committedTransactions ?? 0n);
  if (f.batches) {
    mark('edgeBatches');
    const batch = (start: number, n: number): void => { if (n === 0) w.uint(0); else { w.uint(1); w.uint(start); w.uint(n); } };
    batch(edgeStart, onEdges ? edges.length : 0);
    mark('vertexBatches');
    batch(vertexStart, vertices.length);
  }
  const ttl = of('ttl')[0];
  if (f.ttl) {
    mark('ttl');
    w.byte(Marker.SECTION_TTL);
    w.bool(ttl !== undefined);
    if (ttl !== undefined) {
      w.bool(true);
      w.bool(ttl.period !== undefined);
      if (ttl.period !== undefined) w.uint(parsePeriod(ttl.period));
      w.bool(ttl.startTime !== undefined);
      if (ttl.startTime !== undefined) w.uint(parseStart(ttl.startTime) * 1000n);
      w.bool(false);
    }
  } else if (ttl !== undefined) need(false, 'ttl', version);
  const descs = of('description');
  if (f.descriptions) {
    mark('descriptions');
    w.byte(Marker.SECTION_DESCRIPTIONS);
    w.uint(descs.length);
    for (const d of descs) { descriptionTarget(w, d.target, enumIds); w.string(d.text); }
  } else if (descs.length > 0) need(false, 'descriptions', version);
  return w.bytes();
}

export { encodeWal, graphToWalOps } from './encoder-wal.js';
