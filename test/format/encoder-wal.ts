// Test-only WAL encoder (see encoder.ts): header with CRC (v36+) and optional v37 summary, then one
// frame per delta, transactions framed as the version requires.
import { crc32 } from 'node:zlib';
import type { Graph, PropertyPath, SchemaItem } from '../../src/graph/model.js';
import { EnumRegistry } from '../../src/format/enums.js';
import { Marker, WAL_MAGIC } from '../../src/format/markers.js';
import { featuresOf, type Features } from '../../src/format/versions.js';
import type { WalOp } from '../../src/format/wal-types.js';
import { Writer, type EnumIds } from './encoder-writer.js';
import { SCALAR_CODES, TYPE_CODES, descriptionTarget, enumLookup, need, type EncodeTransaction, type WalMeta } from './encoder.js';

function paths(w: Writer, f: Features, version: number, ps: PropertyPath[]): void {
  if (!f.compositeIndices) {
    if (ps.length !== 1 || ps[0]!.length !== 1) need(false, 'composite indices', version);
    return w.string(ps[0]![0]!);
  }
  w.uint(ps.length);
  for (const p of ps) {
    if (f.nestedIndices) w.strings(p);
    else { if (p.length !== 1) need(false, 'nested indices', version); w.string(p[0]!); }
  }
}

function schemaOp(w: Writer, f: Features, version: number, item: SchemaItem, create: boolean): void {
  const M = Marker;
  const pick = (c: number, d: number): number => (create ? c : d);
  switch (item.kind) {
    case 'labelIndex': w.byte(pick(M.DELTA_LABEL_INDEX_CREATE, M.DELTA_LABEL_INDEX_DROP)); return w.string(item.label);
    case 'labelPropertyIndex':
      w.byte(pick(M.DELTA_LABEL_PROPERTIES_INDEX_CREATE, M.DELTA_LABEL_PROPERTIES_INDEX_DROP));
      w.string(item.label);
      paths(w, f, version, item.properties);
      if (f.descIndices) w.uint(item.descending === true ? 1 : 0);
      else if (item.descending === true) need(false, 'descending indices', version);
      return;
    case 'existenceConstraint':
      w.byte(pick(M.DELTA_EXISTENCE_CONSTRAINT_CREATE, M.DELTA_EXISTENCE_CONSTRAINT_DROP)); w.string(item.label); return w.string(item.property);
    case 'uniqueConstraint':
      w.byte(pick(M.DELTA_UNIQUE_CONSTRAINT_CREATE, M.DELTA_UNIQUE_CONSTRAINT_DROP)); w.string(item.label); return w.strings(item.properties);
    case 'edgeTypeIndex': w.byte(pick(M.DELTA_EDGE_INDEX_CREATE, M.DELTA_EDGE_INDEX_DROP)); return w.string(item.edgeType);
    case 'edgeTypePropertyIndex':
      w.byte(pick(M.DELTA_EDGE_PROPERTY_INDEX_CREATE, M.DELTA_EDGE_PROPERTY_INDEX_DROP)); w.string(item.edgeType); return w.string(item.property);
    case 'pointIndex': w.byte(pick(M.DELTA_POINT_INDEX_CREATE, M.DELTA_POINT_INDEX_DROP)); w.string(item.label); return w.string(item.property);
    case 'typeConstraint':
      w.byte(pick(M.DELTA_TYPE_CONSTRAINT_CREATE, M.DELTA_TYPE_CONSTRAINT_DROP)); w.string(item.label); w.string(item.property);
      return w.uint(TYPE_CODES.get(item.type)!);
    case 'globalEdgeIndex': w.byte(pick(M.DELTA_GLOBAL_EDGE_PROPERTY_INDEX_CREATE, M.DELTA_GLOBAL_EDGE_PROPERTY_INDEX_DROP)); return w.string(item.property);
    case 'globalIndex':
      need(f.globalVertexPropertyIndex, 'global indices', version);
      w.byte(pick(M.DELTA_GLOBAL_VERTEX_PROPERTY_INDEX_CREATE, M.DELTA_GLOBAL_VERTEX_PROPERTY_INDEX_DROP)); return w.string(item.property);
    case 'textIndex':
      if (!create) { w.byte(M.DELTA_TEXT_INDEX_DROP); w.string(item.name); if (!f.textIndexProperties) w.string(item.label); return; }
      w.byte(M.DELTA_TEXT_INDEX_CREATE); w.string(item.name); w.string(item.label);
      if (f.textIndexProperties) w.strings(item.properties);
      return;
    case 'textEdgeIndex':
      if (!create) { w.byte(M.DELTA_TEXT_INDEX_DROP); return w.string(item.name); }
      w.byte(M.DELTA_TEXT_EDGE_INDEX_CREATE); w.string(item.name); w.string(item.edgeType); return w.strings(item.properties);
    case 'vectorIndex': case 'vectorEdgeIndex': {
      if (!create) { w.byte(M.DELTA_VECTOR_INDEX_DROP); return w.string(item.name); }
      const edge = item.kind === 'vectorEdgeIndex';
      const filter = edge ? item.edgeTypes : item.labels;
      const mode = filter.length === 0 ? 1 : (edge ? item.edgeTypeMode : item.labelMode) === 'or' ? 2 : !edge && item.labelMode === 'and' ? 3 : 0;
      w.byte(edge ? M.DELTA_VECTOR_EDGE_INDEX_CREATE : M.DELTA_VECTOR_INDEX_CREATE);
      w.string(item.name);
      if (f.vectorMultiLabel) { w.uint(mode); w.strings(filter); }
      else { if (filter.length !== 1) need(false, 'multi-label vector indices', version); w.string(filter[0]!); }
      const c = item.config;
      w.string(item.property); w.string(c.metric); w.uint(c.dimension); w.uint(c.resizeCoefficient); w.uint(c.capacity);
      if (edge || f.vectorScalarKind) w.uint(SCALAR_CODES.get(c.scalarKind ?? 'f32') ?? 11);
      return;
    }
    default:
      throw new Error(`encoder: schema item ${item.kind} has no wal delta`);
  }
}

function writeOp(w: Writer, f: Features, version: number, op: WalOp, enumIds: EnumIds): void {
  const M = Marker;
  switch (op.op) {
    case 'vertexCreate': w.byte(M.DELTA_VERTEX_CREATE); return w.uint(op.gid);
    case 'vertexDelete': w.byte(M.DELTA_VERTEX_DELETE); return w.uint(op.gid);
    case 'vertexAddLabel': w.byte(M.DELTA_VERTEX_ADD_LABEL); w.uint(op.gid); return w.string(op.label);
    case 'vertexRemoveLabel': w.byte(M.DELTA_VERTEX_REMOVE_LABEL); w.uint(op.gid); return w.string(op.label);
    case 'vertexSetProperty': w.byte(M.DELTA_VERTEX_SET_PROPERTY); w.uint(op.gid); w.string(op.property); return w.value(op.value, enumIds);
    case 'edgeCreate': case 'edgeDelete':
      w.byte(op.op === 'edgeCreate' ? M.DELTA_EDGE_CREATE : M.DELTA_EDGE_DELETE);
      w.uint(op.gid); w.string(op.edgeType); w.uint(op.from); return w.uint(op.to);
    case 'edgeSetProperty':
      w.byte(M.DELTA_EDGE_SET_PROPERTY); w.uint(op.gid); w.string(op.property); w.value(op.value, enumIds);
      if (f.edgeSetWithFrom) w.uint(op.from ?? 0n);
      if (f.extendedEdgeSet) { w.uint(op.to ?? 0xffff_ffff_ffff_ffffn); w.string(op.edgeType ?? ''); }
      return;
    case 'schemaCreate': return schemaOp(w, f, version, op.item, true);
    case 'schemaDrop': return schemaOp(w, f, version, op.item, false);
    case 'textIndexDrop': w.byte(M.DELTA_TEXT_INDEX_DROP); w.string(op.name); if (!f.textIndexProperties) w.string(''); return;
    case 'vectorIndexDrop': w.byte(M.DELTA_VECTOR_INDEX_DROP); return w.string(op.name);
    case 'enumCreate': w.byte(M.DELTA_ENUM_CREATE); w.string(op.name); return w.strings(op.values);
    case 'enumAddValue': w.byte(M.DELTA_ENUM_ALTER_ADD); w.string(op.name); return w.string(op.value);
    case 'enumUpdateValue': w.byte(M.DELTA_ENUM_ALTER_UPDATE); w.string(op.name); w.string(op.oldValue); return w.string(op.newValue);
    case 'statistics': w.byte(M.DELTA_LABEL_INDEX_STATS_CLEAR); return w.string('');
    case 'ttl':
      need(f.ttl, 'ttl', version);
      w.byte(M.DELTA_TTL_OPERATION);
      w.uint(['enable', 'disable', 'configure', 'stop'].indexOf(op.action));
      w.bool(op.periodMicros !== undefined); if (op.periodMicros !== undefined) w.uint(op.periodMicros);
      w.bool(op.startMicros !== undefined); if (op.startMicros !== undefined) w.uint(op.startMicros);
      return w.bool(op.edges);
    case 'descriptionSet': need(f.descriptions, 'descriptions', version); w.byte(M.DELTA_DESCRIPTION_SET); descriptionTarget(w, op.target, enumIds); return w.string(op.text);
    case 'descriptionDelete': need(f.descriptions, 'descriptions', version); w.byte(M.DELTA_DESCRIPTION_DELETE); return descriptionTarget(w, op.target, enumIds);
  }
}

const isData = (op: WalOp): boolean => op.op.startsWith('vertex') || op.op.startsWith('edge');

export function encodeWal(transactions: readonly EncodeTransaction[], meta: WalMeta): Uint8Array {
  const version = meta.version ?? 36;
  const f = featuresOf(version);
  const registry = new EnumRegistry(meta.enums ?? []);
  const enumIds = enumLookup(registry.types);
  const body = new Writer();
  let frames = 0n;
  const frame = (ts: bigint): void => { body.byte(Marker.SECTION_DELTA); body.uint(ts); frames++; };
  for (const tx of transactions) {
    const start = body.pos;
    if (f.txnStart) {
      frame(tx.timestamp);
      body.byte(Marker.DELTA_TRANSACTION_START);
      body.bool(tx.commit ?? true);
      if (f.txnAccessType) body.uint(tx.accessType ?? 1);
    } else if (tx.commit === false) need(false, 'uncommitted transactions', version);
    for (const op of tx.ops) {
      frame(tx.timestamp);
      writeOp(body, f, version, op, enumIds);
      if (op.op === 'enumCreate') registry.create(op.name, op.values);
      else if (op.op === 'enumAddValue') registry.addValue(op.name, op.value);
      else if (op.op === 'enumUpdateValue') registry.updateValue(op.name, op.oldValue, op.newValue);
    }
    // v14–15 schema deltas are transactions by themselves, without an end frame.
    if (!f.explicitTxnEnd && tx.ops.length === 1 && !isData(tx.ops[0]!)) continue;
    frame(tx.timestamp);
    body.byte(Marker.DELTA_TRANSACTION_END);
    if (f.crc) {
      body.byte(Marker.TYPE_INT);
      const bytes = body.bytes();
      body.rawU64(crc32(bytes.subarray(start)) >>> 0);
    }
  }

  const w = new Writer();
  w.raw(new TextEncoder().encode(WAL_MAGIC));
  w.rawU64(version);
  w.byte(Marker.SECTION_OFFSETS);
  w.uint(31);
  const deltasSlot = w.pos + 1;
  w.uint(0);
  w.byte(Marker.SECTION_METADATA);
  w.string(meta.uuid);
  w.string(meta.epochId ?? meta.uuid);
  w.uint(meta.sequenceNumber);
  const withSummary = meta.summary !== undefined;
  if (withSummary) need(f.walSummary, 'a wal summary', version);
  const headerEnd = w.pos + (f.crc ? 9 : 0) + (withSummary ? 36 : 0);
  w.patchU64(deltasSlot, headerEnd);
  if (f.crc) {
    w.byte(Marker.TYPE_INT);
    w.rawU64(crc32(w.bytes()) >>> 0);
  }
  if (meta.summary !== undefined) {
    const s = w.pos;
    const done = meta.summary.finalized;
    w.uint(done && transactions.length > 0 ? transactions[0]!.timestamp : 0n);
    w.uint(done && transactions.length > 0 ? transactions[transactions.length - 1]!.timestamp : 0n);
    w.uint(done ? frames : 0n);
    w.byte(Marker.TYPE_INT);
    w.rawU64(crc32(w.bytes().subarray(s)) >>> 0);
  }
  w.raw(body.bytes());
  return w.bytes();
}

/** The deltas that recreate a graph in one transaction (enums, vertices, edges, then schema), as a DUMP would. */
export function graphToWalOps(graph: Graph): WalOp[] {
  const ops: WalOp[] = [];
  for (const s of graph.schema) if (s.kind === 'enum') ops.push({ op: 'enumCreate', name: s.name, values: [...s.values] });
  for (const v of graph.vertices.values()) {
    ops.push({ op: 'vertexCreate', gid: v.gid });
    for (const label of v.labels) ops.push({ op: 'vertexAddLabel', gid: v.gid, label });
    for (const [property, value] of v.props) ops.push({ op: 'vertexSetProperty', gid: v.gid, property, value });
  }
  for (const e of graph.edges.values()) {
    ops.push({ op: 'edgeCreate', gid: e.gid, edgeType: e.type, from: e.from, to: e.to });
    for (const [property, value] of e.props) ops.push({ op: 'edgeSetProperty', gid: e.gid, property, value, from: e.from, to: e.to, edgeType: e.type });
  }
  for (const s of graph.schema) {
    if (s.kind === 'enum' || s.kind === 'trigger') continue;
    if (s.kind === 'ttl') {
      const op: WalOp = { op: 'ttl', action: 'enable', edges: false };
      if (s.period !== undefined) op.periodMicros = BigInt(s.period.replace(/s$/, '')) * 1_000_000n;
      if (s.startTime !== undefined) {
        const [h, m, sec] = s.startTime.split(':').map(BigInt) as [bigint, bigint, bigint];
        op.startMicros = (h * 3600n + m * 60n + sec) * 1_000_000n;
      }
      ops.push(op);
    } else if (s.kind === 'description') ops.push({ op: 'descriptionSet', target: s.target, text: s.text });
    else ops.push({ op: 'schemaCreate', item: s });
  }
  return ops;
}
