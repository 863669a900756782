// One sequential pass over a snapshot that checks it without building the graph: every record and
// property value decoded, counts against the metadata, vertex gids ascending (unique), and the edge
// references tied together with order-independent sums, so memory stays constant in the graph size:
// - each out-edge (gid, from, to, type) must be stored again as an in-edge of `to`: the sum of the
//   out-edge hashes equals the sum of the in-edge hashes, so no edge names a vertex that does not hold
//   it, and every vertex an edge points to exists;
// - with properties on edges, the edge records are the edges' gids ascending: their count and gid sum
//   match the out-edges.
// Records named in `keep` are kept whole (the working set of a WAL replay); everything else is dropped.
import type { Edge, SchemaItem, Vertex } from '../graph/model.js';
import type { PropertyMap } from '../graph/value.js';
import { asSource, type ByteSource } from './byte-source.js';
import type { EnumDef } from './enums.js';
import { Marker } from './markers.js';
import { Reader } from './reader.js';
import type { SnapshotInfo } from './snapshot-header.js';
import { SnapshotParts } from './snapshot-stream.js';

export interface ScanKeep {
  vertices: ReadonlySet<bigint>;
  edges: ReadonlySet<bigint>;
}

export interface SnapshotScan {
  info: SnapshotInfo;
  names: string[];
  enums: EnumDef[];
  schema: SchemaItem[];
  counts: { vertices: number; edges: number };
  /** The records named in `keep` that the snapshot holds. */
  vertices: Map<bigint, Vertex>;
  edges: Map<bigint, Edge>;
}

/** Two independent 32-bit lanes: a damaged reference goes unnoticed with odds of about 2^-64. */
class MultisetHash {
  a = 0;
  b = 0;
  add(x: number, y: number, z: number, w: number): void {
    let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(y + 0x632be5ab, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 15) ^ z, 0x27d4eb2f) ^ Math.imul(w + 0x165667b1, 0x85ebca77);
    h ^= h >>> 13;
    let g = Math.imul(y ^ 0x7f4a7c15, 0xcc9e2d51) ^ Math.imul(x + 0x1b873593, 0xe6546b64);
    g = Math.imul(g ^ (g >>> 16) ^ w, 0x94d049bb) ^ Math.imul(z + 0x2545f491, 0x9e3779b1);
    g ^= g >>> 15;
    this.a = (this.a + h) | 0;
    this.b = (this.b + g) | 0;
  }
  equals(o: MultisetHash): boolean {
    return this.a === o.a && this.b === o.b;
  }
}

/** Gids hashed as doubles split into 32-bit halves, not BigInt arithmetic (past 2^53 the hash only gets coarser). */
const HI = 4294967296;

// Gids arrive as numbers (BigInts only beyond 2^53, where Number() rounds them the same way on both sides).
type Gid = number | bigint;

function addRef(h: MultisetHash, edge: Gid, from: Gid, to: Gid, type: number): void {
  const e = Number(edge);
  const f = Number(from);
  const t = Number(to);
  const high = Math.imul((e / HI) >>> 0, 0x3c6ef372) ^ Math.imul((f / HI) >>> 0, 0x1b873593) ^ Math.imul((t / HI) >>> 0, 0x5bd1e995);
  h.add(e >>> 0, f >>> 0, t >>> 0, type ^ high);
}

function addGid(h: MultisetHash, gid: Gid): void {
  const g = Number(gid);
  h.add(g >>> 0, (g / HI) >>> 0, 0, 0);
}

export function scanSnapshot(input: ByteSource | Uint8Array, keep?: ScanKeep): SnapshotScan {
  const source = asSource(input);
  const parts = new SnapshotParts(new Reader(source));
  const { info } = parts;
  // One window buffer reused for the whole pass: a fresh MiB per window was most of the garbage.
  const r = new Reader(source).recycleWindows();
  // Records are looked up in `keep` (BigInt-keyed) only when it names any: verify of a lone snapshot keeps none.
  const keepVertices = keep !== undefined && keep.vertices.size > 0 ? keep.vertices : undefined;
  const keepEdges = keep !== undefined && keep.edges.size > 0 ? keep.edges : undefined;
  const keptEdgeProps = new Map<bigint, PropertyMap>();
  const recordGids = new MultisetHash();

  if (info.propertiesOnEdges) {
    r.seek(info.offsets.edges!, 'edges');
    let last: Gid = -1;
    for (let i = 0, n = Number(info.edgeRecordCount); i < n; i++) {
      r.expect(Marker.SECTION_EDGE, 'edge record');
      const at = r.pos;
      const gid = r.uintOrBig('edge gid');
      if (gid <= last) r.fail(`edge gid ${gid} does not follow ${last} (edge records are stored by gid, ascending)`, at);
      last = gid;
      if (keepEdges?.has(BigInt(gid)) === true) {
        parts.current = BigInt(gid);
        keptEdgeProps.set(BigInt(gid), parts.readProps(r));
      } else parts.checkProps(r);
      addGid(recordGids, gid);
    }
  }

  const vertices = new Map<bigint, Vertex>();
  const edges = new Map<bigint, Edge>();
  const outGids = new MultisetHash();
  const outRefs = new MultisetHash();
  const inRefs = new MultisetHash();
  let outCount = 0;
  let inCount = 0;
  let lastVertex: Gid = -1;
  r.seek(info.offsets.vertices!, 'vertices');
  for (let i = 0, nv = Number(info.vertexCount); i < nv; i++) {
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const at = r.pos;
    const gid = r.uintOrBig('vertex gid');
    if (gid <= lastVertex) r.fail(`vertex gid ${gid} does not follow ${lastVertex} (vertices are stored by gid, ascending)`, at);
    lastVertex = gid;
    const kept = keepVertices?.has(BigInt(gid)) === true;
    const labels: string[] | undefined = kept ? [] : undefined;
    for (let j = 0, n = r.count('labels', 9); j < n; j++) {
      const lat = r.pos;
      const label = parts.name(r.num('label id'), lat);
      labels?.push(label);
    }
    if (kept) {
      parts.current = BigInt(gid);
      vertices.set(BigInt(gid), { gid: BigInt(gid), labels: labels!, props: parts.readProps(r) });
    } else parts.checkProps(r);
    for (let j = 0, n = r.count('in-edges', 27); j < n; j++) {
      const egid = r.uintOrBig('edge gid');
      const from = r.uintOrBig('from gid');
      const tat = r.pos;
      const type = r.num('edge type id');
      parts.name(type, tat);
      addRef(inRefs, egid, from, gid, type);
      inCount++;
    }
    for (let j = 0, n = r.count('out-edges', 27); j < n; j++) {
      const egid = r.uintOrBig('edge gid');
      const to = r.uintOrBig('to gid');
      const tat = r.pos;
      const type = r.num('edge type id');
      const typeName = parts.name(type, tat);
      addRef(outRefs, egid, gid, to, type);
      addGid(outGids, egid);
      outCount++;
      if (keepEdges?.has(BigInt(egid)) === true) {
        const eg = BigInt(egid);
        edges.set(eg, { gid: eg, from: BigInt(gid), to: BigInt(to), type: typeName, props: keptEdgeProps.get(eg) ?? new Map() });
      }
    }
  }

  const end = r.pos;
  if (inCount !== outCount) r.fail(`the vertices hold ${outCount} out-edges but ${inCount} in-edges`, end);
  if (!inRefs.equals(outRefs)) r.fail('the in-edges stored with the vertices do not match their out-edges', end);
  if (info.propertiesOnEdges) {
    if (BigInt(outCount) !== info.edgeRecordCount) {
      r.fail(`the vertices hold ${outCount} edges, the snapshot has ${info.edgeRecordCount} edge records`, end);
    }
    if (!recordGids.equals(outGids)) r.fail('the edge records and the edges the vertices hold have different gids', end);
  }
  return {
    info, names: parts.names, enums: parts.enums, schema: parts.schema,
    counts: { vertices: Number(info.vertexCount), edges: outCount }, vertices, edges,
  };
}
