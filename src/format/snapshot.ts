// Snapshot decoding (research doc §3): header and metadata, then the mapper and enums (needed to read
// values), edges, vertices and the schema sections, each reached through the offsets table.
import type { Edge, Graph, SchemaItem, Vertex } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { asSource, type ByteSource } from './byte-source.js';
import { EnumRegistry, type EnumDef } from './enums.js';
import { Marker } from './markers.js';
import { readValue, type ValueContext } from './property-value.js';
import { Reader } from './reader.js';
import { readSnapshotInfo, type SnapshotInfo } from './snapshot-header.js';
import { readConstraints, readDescriptions, readEdgeIndices, readIndices, readTtl, type SnapshotNames } from './snapshot-schema.js';
import { featuresOf } from './versions.js';

export interface SnapshotContents {
  info: SnapshotInfo;
  graph: Graph;
  /** Names in the order Memgraph's recovery assigns them ids (mapper list order). */
  names: string[];
  enums: EnumDef[];
  epochHistory: { epochId: string; lastDurableTimestamp: bigint }[];
}

interface PendingVector {
  target: Value[];
  names: string[];
  gid: bigint;
  edge: boolean;
}

export function decodeSnapshot(input: ByteSource | Uint8Array): SnapshotContents {
  const r = new Reader(asSource(input));
  const info = readSnapshotInfo(r);
  const { version, offsets } = info;
  const f = featuresOf(version);

  // Mapper: snapshot id -> name, plus the recovery order (Memgraph re-assigns ids in list order).
  r.seek(offsets.mapper!, 'mapper');
  r.expect(Marker.SECTION_MAPPER, 'mapper section');
  const byId = new Map<number, { name: string; rank: number }>();
  const names: string[] = [];
  for (let i = 0, n = r.count('mapper', 18); i < n; i++) {
    const id = r.num('mapper id');
    const name = r.string('mapper name');
    byId.set(id, { name, rank: names.length });
    names.push(name);
  }
  const nameOf = (id: number, at: number): { name: string; rank: number } =>
    byId.get(id) ?? r.fail(`name id ${id} is missing from the mapper`, at);
  const lookup: SnapshotNames = (id, at) => nameOf(id, at).name;

  const enums: EnumDef[] = [];
  if (f.enums) {
    r.seek(offsets.enums!, 'enums');
    r.expect(Marker.SECTION_ENUMS, 'enums section');
    for (let i = 0, n = r.count('enums', 18); i < n; i++) {
      const name = r.string('enum name');
      const values: string[] = [];
      for (let j = 0, m = r.count('enum values', 9); j < m; j++) values.push(r.string('enum value'));
      enums.push({ name, values });
    }
  }

  r.seek(offsets.epochHistory!, 'epoch history');
  r.expect(Marker.SECTION_EPOCH_HISTORY, 'epoch history section');
  const epochHistory: SnapshotContents['epochHistory'] = [];
  for (let i = 0, n = r.count('epoch history', 18); i < n; i++) {
    epochHistory.push({ epochId: r.string('epoch id'), lastDurableTimestamp: r.uint('epoch timestamp') });
  }

  const pendingVectors: PendingVector[] = [];
  let current = { gid: 0n, edge: false };
  const ctx: ValueContext = {
    version,
    resolveEnum: new EnumRegistry(enums).resolve,
    onEmptyVector: (target, vnames) => pendingVectors.push({ target, names: vnames, ...current }),
  };
  const readProps = (): PropertyMap => {
    const n = r.count('properties', 11);
    const entries: [number, string, Value][] = [];
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const key = nameOf(r.num('property id'), at);
      if (i > 0 && entries[i - 1]![0] > key.rank) sorted = false;
      entries.push([key.rank, key.name, readValue(r, ctx)]);
    }
    // Memgraph's property store is ordered by its own ids, which follow the mapper list order.
    if (!sorted) entries.sort((a, b) => a[0] - b[0]);
    const props: PropertyMap = new Map();
    for (const [, k, v] of entries) props.set(k, v);
    return props;
  };

  const edgeProps = new Map<bigint, PropertyMap>();
  if (info.propertiesOnEdges) {
    r.seek(offsets.edges!, 'edges');
    current = { gid: 0n, edge: true };
    for (let i = 0n; i < info.edgeRecordCount; i++) {
      r.expect(Marker.SECTION_EDGE, 'edge record');
      current.gid = r.uint('edge gid');
      edgeProps.set(current.gid, readProps());
    }
  }

  const vertices = new Map<bigint, Vertex>();
  const edges = new Map<bigint, Edge>();
  r.seek(offsets.vertices!, 'vertices');
  current = { gid: 0n, edge: false };
  for (let i = 0n; i < info.vertexCount; i++) {
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const gid = r.uint('vertex gid');
    current.gid = gid;
    const labels: string[] = [];
    for (let j = 0, n = r.count('labels', 9); j < n; j++) {
      const at = r.pos;
      labels.push(nameOf(r.num('label id'), at).name);
    }
    const props = readProps();
    for (let j = 0, n = r.count('in-edges', 27); j < n; j++) {
      r.skipUint('edge gid');
      r.skipUint('from gid');
      r.skipUint('edge type id');
    }
    for (let j = 0, n = r.count('out-edges', 27); j < n; j++) {
      const egid = r.uint('edge gid');
      const to = r.uint('to gid');
      const at = r.pos;
      const type = nameOf(r.num('edge type id'), at).name;
      const ep = edgeProps.get(egid);
      if (ep !== undefined) edgeProps.delete(egid);
      edges.set(egid, { gid: egid, from: gid, to, type, props: ep ?? new Map() });
    }
    vertices.set(gid, { gid, labels, props });
  }

  if (f.batches) {
    readBatches(r, offsets.edgeBatches!, 'edge', info.propertiesOnEdges ? info.edgeRecordCount : 0n);
    readBatches(r, offsets.vertexBatches!, 'vertex', info.vertexCount);
  }

  const schema: SchemaItem[] = enums.map((e) => ({ kind: 'enum', name: e.name, values: [...e.values] }));
  readIndices(r, info, lookup, schema);
  let vectorEntries = new Map<string, Map<bigint, number[]>>();
  if (f.edgeIndices) vectorEntries = readEdgeIndices(r, info, lookup, schema);
  const rankByName = new Map(names.map((n, i) => [n, i]));
  readConstraints(r, info, lookup, schema, (n) => rankByName.get(n) ?? 0);
  if (f.ttl) readTtl(r, info, schema);
  if (f.descriptions) readDescriptions(r, info, ctx, schema);

  for (const p of pendingVectors) {
    for (const name of p.names) {
      const v = vectorEntries.get(name)?.get(p.gid);
      if (v !== undefined) {
        p.target.push(...v);
        break;
      }
    }
  }
  return { info, graph: { vertices, edges, schema }, names, enums, epochHistory };
}

/** Batch tables only partition the record sections for parallel loading; they are checked, not used. */
function readBatches(r: Reader, offset: number, what: string, records: bigint): void {
  r.seek(offset, `${what} batches`);
  let total = 0n;
  for (let i = 0, n = r.count(`${what} batches`, 18); i < n; i++) {
    const at = r.pos;
    const start = r.uint(`${what} batch offset`);
    total += r.uint(`${what} batch size`);
    if (start >= BigInt(r.source.size)) r.fail(`${what} batch offset ${start} is outside the file`, at);
  }
  if (total !== records) r.fail(`${what} batches hold ${total} records, metadata says ${records}`, offset);
}
