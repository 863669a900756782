// A snapshot read section by section instead of into one Graph: the small parts (names, enums, schema)
// up front, then vertices and edges as generators over the file, so converting a snapshot needs memory
// for one record at a time plus a bounded sample of the edge records (snapshot-edge-index.ts: the edge
// records precede the vertices, but an edge is printed only after every vertex). decodeSnapshot is
// built from the same pieces.
import type { Edge, SchemaItem, Vertex } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { asSource, type ByteSource } from './byte-source.js';
import { EnumRegistry, type EnumDef } from './enums.js';
import { Marker } from './markers.js';
import { checkValue, readValue, skipValue, type ValueContext } from './property-value.js';
import { Reader } from './reader.js';
import { EdgePropsIndex, type EdgeSamples } from './snapshot-edge-index.js';
import { readSnapshotInfo, type SnapshotInfo } from './snapshot-header.js';
import { readConstraints, readDescriptions, readEdgeIndices, readIndices, readTtl, type SnapshotNames } from './snapshot-schema.js';
import { featuresOf } from './versions.js';

/** Random access into the edge records: small windows, since lookups follow vertex order, not file order. */
const EDGE_WINDOW = 64 * 1024;

export interface SnapshotStream {
  readonly info: SnapshotInfo;
  /** Names in the order Memgraph's recovery assigns them ids (mapper list order). */
  readonly names: string[];
  readonly enums: EnumDef[];
  readonly epochHistory: { epochId: string; lastDurableTimestamp: bigint }[];
  readonly schema: SchemaItem[];
  /** Vertices in file order (Memgraph writes them by gid, ascending). Each call reads the section again. */
  vertices(range?: VertexRange): Generator<Vertex>;
  /** Every edge with its properties, grouped by source vertex in file order, out-edges in record order. */
  edges(range?: VertexRange): Generator<Edge>;
  /** The vertex section cut into runs of whole records of about `bytes` each (records skipped, not decoded). */
  vertexRanges(bytes: number): Generator<VertexRange>;
  /** The sampled edge index, to hand to another reader of the same file; undefined if it is not sampled. */
  edgeSamples(): EdgeSamples | undefined;
  /** For renderers that work on the record bytes instead of decoded records (core/convert-records.ts). */
  readonly raw: RawSnapshot;
}

export interface RawSnapshot {
  readonly parts: SnapshotParts;
  readonly source: ByteSource;
  /** Positions `er` at the property list of edge `gid` (a safe integer) and returns true, or false if it has none. */
  seekEdgeProps(er: Reader, gid: number): boolean;
  /** The edges of the vertex record at r, as edges() yields them (r left after the record). */
  vertexEdges(r: Reader, er: Reader): Edge[];
}

/** `count` vertex records from byte `offset`: a part of the vertex section for another thread. */
export interface VertexRange {
  offset: number;
  count: number;
}

export type OutEdge = (edgeGid: bigint, from: bigint, to: bigint, type: string) => void;

/** The parts every reading of a snapshot needs before the vertex section. */
export class SnapshotParts {
  readonly info: SnapshotInfo;
  readonly names: string[] = [];
  readonly enums: EnumDef[] = [];
  readonly epochHistory: SnapshotStream['epochHistory'] = [];
  readonly schema: SchemaItem[];
  /** The gid whose properties are being read, for vector components kept in index entries. */
  current = 0n;
  /** Mapper id -> rank: an array while ids are small (they are dense in Memgraph's files), else a map. */
  private readonly rankById = new Map<number, number>();
  private readonly rankArray: number[] = [];
  private readonly ctx: ValueContext;
  private readonly vectorEntries: Map<string, Map<bigint, number[]>>;

  constructor(readonly r: Reader) {
    const info = (this.info = readSnapshotInfo(r));
    const { version, offsets } = info;
    const f = featuresOf(version);

    r.seek(offsets.mapper!, 'mapper');
    r.expect(Marker.SECTION_MAPPER, 'mapper section');
    for (let i = 0, n = r.count('mapper', 18); i < n; i++) {
      const id = r.num('mapper id');
      const name = r.string('mapper name');
      if (id < 1 << 20) this.rankArray[id] = this.names.length;
      else this.rankById.set(id, this.names.length);
      this.names.push(name);
    }
    if (f.enums) {
      r.seek(offsets.enums!, 'enums');
      r.expect(Marker.SECTION_ENUMS, 'enums section');
      for (let i = 0, n = r.count('enums', 18); i < n; i++) {
        const name = r.string('enum name');
        const values: string[] = [];
        for (let j = 0, m = r.count('enum values', 9); j < m; j++) values.push(r.string('enum value'));
        this.enums.push({ name, values });
      }
    }
    r.seek(offsets.epochHistory!, 'epoch history');
    r.expect(Marker.SECTION_EPOCH_HISTORY, 'epoch history section');
    for (let i = 0, n = r.count('epoch history', 18); i < n; i++) {
      this.epochHistory.push({ epochId: r.string('epoch id'), lastDurableTimestamp: r.uint('epoch timestamp') });
    }

    // Schema first: vector-indexed properties are stored empty, their components live in index entries.
    this.schema = this.enums.map((e) => ({ kind: 'enum', name: e.name, values: [...e.values] }));
    const lookup: SnapshotNames = (id, at) => this.name(id, at);
    readIndices(r, info, lookup, this.schema);
    this.vectorEntries = f.edgeIndices ? readEdgeIndices(r, info, lookup, this.schema) : new Map();
    const rankByName = new Map(this.names.map((n, i) => [n, i]));
    readConstraints(r, info, lookup, this.schema, (n) => rankByName.get(n) ?? 0);
    this.ctx = {
      version,
      resolveEnum: new EnumRegistry(this.enums).resolve,
      onEmptyVector: (target, vnames) => this.fillVector(target, vnames),
    };
    if (f.ttl) readTtl(r, info, this.schema);
    if (f.descriptions) readDescriptions(r, info, this.ctx, this.schema);
    if (f.batches) {
      readBatches(r, offsets.edgeBatches!, 'edge', info.propertiesOnEdges ? info.edgeRecordCount : 0n);
      readBatches(r, offsets.vertexBatches!, 'vertex', info.vertexCount);
    }
  }

  private fillVector(target: Value[], vnames: string[]): void {
    for (const name of vnames) {
      const v = this.vectorEntries.get(name)?.get(this.current);
      if (v !== undefined) {
        for (const x of v) target.push(x);
        return;
      }
    }
  }

  /** A mapper id's rank (index in names); fails naming the offset when the mapper lacks it. */
  rank(id: number, at: number): number {
    const rank = id < 1 << 20 ? this.rankArray[id] : this.rankById.get(id);
    return rank ?? this.r.fail(`name id ${id} is missing from the mapper`, at);
  }

  name(id: number, at: number): string {
    return this.names[this.rank(id, at)]!;
  }

  /** One property value (r at its `17` marker). */
  value(r: Reader, depth = 0): Value {
    return readValue(r, this.ctx, depth);
  }

  /** Reads a property list; Memgraph's property store is ordered by its own ids (mapper list order). */
  readProps(r: Reader): PropertyMap {
    const n = r.count('properties', 11);
    const props: PropertyMap = new Map();
    if (n === 0) return props;
    let ranks: number[] | undefined;
    let values: Value[] | undefined;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const rank = this.rank(r.num('property id'), at);
      const value = readValue(r, this.ctx);
      if (ranks === undefined && rank < last) {
        ranks = [...props.keys()].map((k) => this.names.indexOf(k));
        values = [...props.values()];
      }
      last = rank;
      if (ranks === undefined) props.set(this.names[rank]!, value);
      else {
        ranks.push(rank);
        values!.push(value);
      }
    }
    if (ranks === undefined) return props;
    const order = ranks.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]!);
    const sorted: PropertyMap = new Map();
    for (const i of order) sorted.set(this.names[ranks[i]!]!, values![i]!);
    return sorted;
  }

  /** Validates a property list (ids known, values well-formed) without building it. */
  checkProps(r: Reader): void {
    for (let i = 0, n = r.count('properties', 11); i < n; i++) {
      const at = r.pos;
      this.rank(r.num('property id'), at);
      checkValue(r, this.ctx);
    }
  }

  skipProps(r: Reader): number {
    const n = r.count('properties', 11);
    for (let i = 0; i < n; i++) {
      r.skipUint('property id');
      skipValue(r);
    }
    return n;
  }

  /** A vertex record up to its out-edges, which `onOutEdge` receives (or are skipped without it). */
  readVertex(r: Reader, onOutEdge?: OutEdge): Vertex {
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const gid = r.uint('vertex gid');
    this.current = gid;
    const labels: string[] = [];
    for (let j = 0, n = r.count('labels', 9); j < n; j++) {
      const at = r.pos;
      labels.push(this.name(r.num('label id'), at));
    }
    const props = this.readProps(r);
    r.skip(r.count('in-edges', 27) * 27, 'in-edges');
    this.outEdges(r, gid, onOutEdge);
    return { gid, labels, props };
  }

  outEdges(r: Reader, from: bigint, onOutEdge?: OutEdge): void {
    const n = r.count('out-edges', 27);
    if (onOutEdge === undefined) {
      for (let j = 0; j < n; j++) {
        r.skipUint('edge gid');
        r.skipUint('to gid');
        r.skipUint('edge type id');
      }
      return;
    }
    for (let j = 0; j < n; j++) {
      const egid = r.uint('edge gid');
      const to = r.uint('to gid');
      const at = r.pos;
      onOutEdge(egid, from, to, this.name(r.num('edge type id'), at));
    }
  }
}

/** Edges of a snapshot without edge records: its vertices' out-edges, counted without decoding. */
export function countOutEdges(parts: SnapshotParts): number {
  const { info } = parts;
  const r = new Reader(parts.r.source, info.offsets.vertices!).recycleWindows();
  let edges = 0;
  for (let i = 0n; i < info.vertexCount; i++) {
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    r.skipUint('vertex gid');
    r.skip(r.count('labels', 9) * 9, 'labels');
    parts.skipProps(r);
    r.skip(r.count('in-edges', 27) * 27, 'in-edges');
    const n = r.count('out-edges', 27);
    r.skip(n * 27, 'out-edges');
    edges += n;
  }
  return edges;
}

function skipVertex(r: Reader, parts: SnapshotParts): void {
  r.expect(Marker.SECTION_VERTEX, 'vertex record');
  r.skipUint('vertex gid');
  r.skip(r.count('labels', 9) * 9, 'labels');
  parts.skipProps(r);
  r.skip(r.count('in-edges', 27) * 27, 'in-edges');
  r.skip(r.count('out-edges', 27) * 27, 'out-edges');
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

export interface OpenSnapshotOptions {
  /** Most edge records sampled for property lookups (tests make it small to exercise re-reading). */
  edgeSamples?: number;
  /** An index another reader of this file built (edgeSamples()): the edge records are not scanned again. */
  samples?: EdgeSamples;
}

export function openSnapshot(input: ByteSource | Uint8Array, opts: OpenSnapshotOptions = {}): SnapshotStream {
  const source = asSource(input);
  const parts = new SnapshotParts(new Reader(source));
  const { info } = parts;

  const skip = (r: Reader) => parts.skipProps(r);
  const index = !info.propertiesOnEdges
    ? undefined
    : opts.samples !== undefined
      ? EdgePropsIndex.fromSamples(opts.samples, skip)
      : new EdgePropsIndex(new Reader(source, info.offsets.edges!).recycleWindows(), info.edgeRecordCount, skip, opts.edgeSamples);
  const vertexEdges = (r: Reader, er: Reader): Edge[] => {
    const pending: Edge[] = [];
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const from = r.uint('vertex gid');
    r.skip(r.count('labels', 9) * 9, 'labels');
    parts.skipProps(r);
    r.skip(r.count('in-edges', 27) * 27, 'in-edges');
    parts.outEdges(r, from, (gid, f, to, type) => pending.push({ gid, from: f, to, type, props: new Map() }));
    for (const e of pending) {
      if (index?.seekProps(er, e.gid) === true) {
        parts.current = e.gid;
        e.props = parts.readProps(er);
      }
    }
    return pending;
  };
  const whole = (): VertexRange => ({ offset: info.offsets.vertices!, count: Number(info.vertexCount) });

  return {
    info,
    names: parts.names,
    enums: parts.enums,
    epochHistory: parts.epochHistory,
    schema: parts.schema,
    *vertices(range = whole()) {
      const r = new Reader(source, range.offset).recycleWindows();
      for (let i = 0; i < range.count; i++) yield parts.readVertex(r);
    },
    *vertexRanges(bytes) {
      const r = new Reader(source, info.offsets.vertices!).recycleWindows();
      let start = r.pos;
      let count = 0;
      for (let i = 0n; i < info.vertexCount; i++) {
        skipVertex(r, parts);
        count++;
        if (r.pos - start >= bytes) {
          yield { offset: start, count };
          start = r.pos;
          count = 0;
        }
      }
      if (count > 0) yield { offset: start, count };
    },
    edgeSamples: () => index?.exportSamples(),
    *edges(range = whole()) {
      const r = new Reader(source, range.offset).recycleWindows();
      const er = new Reader(source, 0, source.size, EDGE_WINDOW).recycleWindows();
      for (let i = 0; i < range.count; i++) yield* vertexEdges(r, er);
    },
    raw: {
      parts,
      source,
      seekEdgeProps: (er, gid) => index?.seekProps(er, gid) === true,
      vertexEdges,
    },
  };
}
