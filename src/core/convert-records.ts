// convert's record renderer: snapshot records straight to the UTF-8 bytes of their DUMP statements,
// without building Vertex/Edge objects, BigInts, Maps or intermediate strings. Names are rendered once
// per mapper id, integers that fit a double are printed from two u32 halves, and strings that need no
// escaping are copied byte for byte from the file (after a UTF-8 check, so invalid bytes still come out
// as U+FFFD exactly as the decoding path prints them).
//
// It prints exactly what renderDumpFrom prints for the same records (test/core/convert-records.test.ts
// compares both over every value kind): anything outside the common shapes goes back to that path,
// per value (maps, temporals, enums, points, vectors: readValue + renderValue) or per record
// (properties out of id order or repeated, gids beyond 2^53, vector-indexed vertex properties).
// Reads follow the decoder's order and field names, so damage fails with the same message and offset.
import { isUtf8 } from 'node:buffer';
import { AFTER_EDGES, AFTER_VERTICES, dumpFrame, type DumpFrame } from '../cypher/render-dump.js';
import { writeG17 } from '../cypher/render-float-bytes.js';
import { formatG, renderFloatExact, renderName, renderString, renderValue } from '../cypher/render-value.js';
import { Marker } from '../format/markers.js';
import { ByteSink } from './convert-byte-sink.js';
import { Reader } from '../format/reader.js';
import type { RawSnapshot, SnapshotStream, VertexRange } from '../format/snapshot-stream.js';
import { vectorIndexed } from '../cypher/render-vector.js';
import type { DumpChunk } from './convert-parallel.js';

/**
 * Output handed to the writer at a time. 256 KiB chunks (with up to 4 MiB queued) measured about 4%
 * less CPU on the bench but break convert's bound on what a slow sink may hold: one chunk beyond its
 * high-water mark (test/cli/convert.test.ts).
 */
export const CHUNK_BYTES = 1 << 16;

/** Strings up to this long are copied by a loop, longer ones by memcpy. */
const LOOP_COPY = 256;

/** Vertices whose in-edges offset the single-thread path keeps (16 MiB). */
const MAX_SKIPS = 1 << 22;

/** Nesting beyond this goes to readValue, which owns the depth limit and its error. */
const INLINE_DEPTH = 64;

/** Per byte: ESCAPE for utils::Escape's set (\\ ' " \b \f \n \r \t, all ASCII), HIGH for non-ASCII. */
const ESCAPE = 1;
const HIGH = 2;
const BYTE_CLASS = new Uint8Array(256);
for (const c of [0x5c, 0x27, 0x22, 0x08, 0x0c, 0x0a, 0x0d, 0x09]) BYTE_CLASS[c] = ESCAPE;
BYTE_CLASS.fill(HIGH, 0x80);

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const VERTEX_HEAD = enc('CREATE (:__mg_vertex__');
const GID_HEAD = enc(' {__mg_id__: ');
const EDGE_FROM = enc('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ');
const EDGE_TO = enc(' AND v.__mg_id__ = ');
const EDGE_TYPE_TEXT = ' CREATE (u)-[:';

/** Renders the vertex and edge records of one snapshot; one instance per thread. */
export class RecordRenderer {
  /** Room for a chunk plus the record that crosses its end, so a chunk rarely needs the buffer grown. */
  readonly sink = new ByteSink(CHUNK_BYTES + (CHUNK_BYTES >> 2));
  /** Per mapper rank: ":`name`" (labels) and "`name`" (types, keys), encoded on first use. */
  private readonly labelBytes: (Uint8Array | undefined)[] = [];
  private readonly nameBytes: (Uint8Array | undefined)[] = [];
  private readonly propHeads: (Uint8Array | undefined)[] = [];
  private readonly typeHeads: (Uint8Array | undefined)[] = [];
  private readonly firstPropHeads: (Uint8Array | undefined)[] = [];
  private readonly exact: boolean;
  /** Vector-indexed vertex properties print with float32 precision: those vertices take the frame's path. */
  private readonly plainVertices: boolean;
  /** The gid whose properties are being rendered, for a value that falls back (vector components). */
  private gid = 0;
  private readonly edgeGids: number[] = [];
  private readonly edgeTos: number[] = [];
  private readonly edgeTypes: number[] = [];

  /** One reader over the vertex records and one for random access into the edge records (small windows,
   *  since lookups follow vertex order), reused for every range: their windows are allocated once. */
  readonly records: Reader;

  /**
   * Per vertex, from its record's start to its in-edges (0: unknown), written by the vertex pass and
   * read by the edge pass, which then jumps over the labels and properties instead of parsing them
   * again. Only for the first MAX_SKIPS vertices, so memory stays bounded (4 bytes each); only when
   * one renderer does both passes in order (rememberSkips).
   */
  private skips: Uint32Array | undefined;
  private skipAt = 0;
  private edgeAt = 0;
  /** Where tryVertex found the in-edges. */
  private inEdgesAt = 0;

  /** Both passes over all `vertices` follow in this renderer, vertex pass first: keep the skips. */
  rememberSkips(vertices: number, limit = MAX_SKIPS): void {
    this.skips = new Uint32Array(Math.min(vertices, limit));
    this.skipAt = 0;
    this.edgeAt = 0;
  }
  readonly edgeRecords: Reader;

  constructor(private readonly raw: RawSnapshot, private readonly frame: DumpFrame, opts: { exact: boolean; vectorIndexed: boolean }) {
    this.records = new Reader(raw.source).recycleWindows();
    this.edgeRecords = new Reader(raw.source, 0, raw.source.size, 64 * 1024).recycleWindows();
    this.exact = opts.exact;
    this.plainVertices = !opts.vectorIndexed;
  }

  private label(rank: number): Uint8Array {
    return (this.labelBytes[rank] ??= enc(':' + renderName(this.raw.parts.names[rank]!)));
  }

  private name(rank: number): Uint8Array {
    return (this.nameBytes[rank] ??= enc(renderName(this.raw.parts.names[rank]!)));
  }

  /** ", `name`: " (one copy per property instead of three). */
  private propHead(rank: number): Uint8Array {
    return (this.propHeads[rank] ??= enc(', ' + renderName(this.raw.parts.names[rank]!) + ': '));
  }

  /** " {`name`: ", an edge's first property. */
  private firstPropHead(rank: number): Uint8Array {
    return (this.firstPropHeads[rank] ??= enc(' {' + renderName(this.raw.parts.names[rank]!) + ': '));
  }

  /** " CREATE (u)-[:`type`" per edge type. */
  private typeHead(rank: number): Uint8Array {
    return (this.typeHeads[rank] ??= enc(EDGE_TYPE_TEXT + renderName(this.raw.parts.names[rank]!)));
  }

  private put(b: Uint8Array): void {
    this.sink.bytes(b, 0, b.length);
  }

  /** Renders `range.count` vertex records from range.offset, one line each. */
  vertices(range: VertexRange): void {
    const r = this.records;
    r.seek(range.offset, 'vertices');
    for (let i = 0; i < range.count; i++) this.vertex(r);
  }

  /** Renders the out-edges of `range.count` vertex records; returns the line count. */
  edges(range: VertexRange): number {
    const r = this.records;
    r.seek(range.offset, 'vertices');
    let lines = 0;
    for (let i = 0; i < range.count; i++) lines += this.vertexEdges(r, this.edgeRecords);
    return lines;
  }

  /** The DUMP line of the vertex record at r (r left after the record). */
  vertex(r: Reader): void {
    const start = r.pos;
    const mark = this.sink.pos;
    const skips = this.skips;
    if (this.plainVertices && this.tryVertex(r)) {
      if (skips !== undefined && this.skipAt < skips.length) skips[this.skipAt++] = Math.min(this.inEdgesAt - start, 0xffff_ffff);
      return;
    }
    if (skips !== undefined && this.skipAt < skips.length) skips[this.skipAt++] = 0;
    r.seek(start, 'vertex record');
    this.sink.pos = mark;
    this.sink.utf8(this.frame.vertex(this.raw.parts.readVertex(r)));
    this.sink.ascii('\n');
  }

  private tryVertex(r: Reader): boolean {
    const { parts } = this.raw;
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const gid = r.safeUint('vertex gid');
    if (gid < 0) return false;
    this.gid = gid;
    this.put(VERTEX_HEAD);
    for (let j = 0, n = r.count('labels', 9); j < n; j++) {
      const at = r.pos;
      this.put(this.label(parts.rank(r.num('label id'), at)));
    }
    this.put(GID_HEAD);
    this.sink.int(gid);
    if (!this.props(r, true)) return false;
    this.sink.ascii('});\n');
    this.inEdgesAt = r.pos;
    r.skip(r.count('in-edges', 27) * 27, 'in-edges');
    const n = r.count('out-edges', 27);
    for (let j = 0; j < n; j++) {
      r.skipUint('edge gid');
      r.skipUint('to gid');
      r.skipUint('edge type id');
    }
    return true;
  }

  /**
   * `name: value` pairs of a property list at r, each after ", " (afterGid) or the first after " {"
   * (an edge; nothing at all for an empty list). False when the ids are not strictly ascending: the
   * decoder re-sorts (or overwrites) those, so the record goes its way.
   */
  private props(r: Reader, afterGid: boolean): boolean {
    const { parts } = this.raw;
    const n = r.count('properties', 11);
    let last = -1;
    for (let i = 0; i < n; i++) {
      const at = r.pos;
      const rank = parts.rank(r.num('property id'), at);
      if (rank <= last) return false;
      last = rank;
      this.put(i > 0 || afterGid ? this.propHead(rank) : this.firstPropHead(rank));
      this.value(r, 0);
    }
    if (!afterGid && n > 0) this.sink.ascii('}');
    return true;
  }

  private value(r: Reader, depth: number): void {
    // Integers and doubles whose 10 bytes are in the reader's window: read in place, without the
    // reader's per-field checks (the bytes are there; the markers are checked here).
    const f = r.avail(10);
    if (f >= 0) {
      const b = r.bytes;
      if (b[f] === Marker.TYPE_PROPERTY_VALUE) {
        const m = b[f + 1];
        if (m === Marker.TYPE_INT) {
          const hi = b.readInt32LE(f + 6);
          if (hi < 0x200000 && hi >= -0x200000) {
            r.pos += 10;
            this.sink.int(hi * 0x1_0000_0000 + b.readUInt32LE(f + 2));
            return;
          }
        } else if (m === Marker.TYPE_DOUBLE) {
          r.pos += 10;
          this.double(b.readDoubleLE(f + 2));
          return;
        } else if (m === Marker.TYPE_STRING) {
          const len = b.readUInt32LE(f + 2);
          // Non-empty and wholly in the window (else the reader's path, which owns the errors).
          if (b.readUInt32LE(f + 6) === 0 && len > 0 && r.avail(10 + len) >= 0) {
            r.pos += 10 + len;
            this.stringBytes(b, f + 10, len);
            return;
          }
        }
      }
    }
    const at = r.pos;
    r.expect(Marker.TYPE_PROPERTY_VALUE, 'property value');
    const m = r.byte('property value type');
    const { sink } = this;
    switch (m) {
      case Marker.TYPE_NULL:
        sink.ascii('Null');
        return;
      case Marker.TYPE_BOOL:
        sink.ascii(r.rawBool() ? 'true' : 'false');
        return;
      case Marker.TYPE_INT: {
        const v = r.safeI64();
        if (v === undefined) sink.ascii(r.lastI64().toString());
        else sink.int(v);
        return;
      }
      case Marker.TYPE_DOUBLE:
        this.double(r.rawF64());
        return;
      case Marker.TYPE_STRING:
        this.string(r);
        return;
      case Marker.TYPE_LIST:
        if (depth < INLINE_DEPTH) {
          const n = r.rawCount('list', 2);
          sink.ascii('[');
          for (let i = 0; i < n; i++) {
            if (i > 0) sink.ascii(', ');
            this.value(r, depth + 1);
          }
          sink.ascii(']');
          return;
        }
    }
    r.seek(at, 'property value');
    this.raw.parts.current = BigInt(this.gid);
    sink.utf8(renderValue(this.raw.parts.value(r, depth), { exact: this.exact }));
  }

  private double(x: number): void {
    const { sink } = this;
    sink.ensure(32);
    const end = writeG17(x, this.exact, sink.buf, sink.pos);
    if (end >= 0) sink.pos = end;
    else sink.ascii(this.exact ? renderFloatExact(x) : formatG(x, 17));
  }

  /** A string value (r after its type marker): copied when it needs no escaping and is valid UTF-8. */
  private string(r: Reader): void {
    const len = r.rawCount('string');
    if (len === 0) {
      this.sink.ascii('""');
      return;
    }
    const i = r.take(len, 'string');
    this.stringBytes(r.bytes, i, len);
  }

  /** A non-empty string's `len` bytes at b[i]. */
  private stringBytes(b: Buffer, i: number, len: number): void {
    const { sink } = this;
    // Copied and classified; the copy counts only if it needs no escaping and is valid UTF-8. Short
    // strings in one loop; long ones by memcpy (Buffer.copy allocates a view per call, which for
    // short strings cost more in garbage than the loop's stores).
    sink.ensure(len + 2);
    const mark = sink.pos;
    const out = sink.buf;
    out[mark] = 0x22;
    const p = mark + 1 + len;
    let seen = 0;
    if (len <= LOOP_COPY) {
      for (let k = i, q = mark + 1, end = i + len; k < end; k++) {
        const c = b[k]!;
        seen |= BYTE_CLASS[c]!;
        out[q++] = c;
      }
    } else {
      b.copy(out, mark + 1, i, i + len);
      for (let k = i, end = i + len; k < end; k++) seen |= BYTE_CLASS[b[k]!]!;
    }
    out[p] = 0x22;
    if (seen === 0 || (seen === HIGH && isUtf8(b.subarray(i, i + len)))) {
      sink.pos = p + 1;
      return;
    }
    sink.utf8(renderString(b.toString('utf8', i, i + len))); // over the copy: pos never moved past it
  }

  /** The DUMP lines of one vertex record's out-edges (r left after the record); returns how many. */
  vertexEdges(r: Reader, er: Reader): number {
    const start = r.pos;
    const { parts } = this.raw;
    r.expect(Marker.SECTION_VERTEX, 'vertex record');
    const from = r.safeUint('vertex gid');
    const skips = this.skips;
    const skip = skips !== undefined && this.edgeAt < skips.length ? skips[this.edgeAt++]! : 0;
    if (skip > 0) r.seek(start + skip, 'in-edges'); // labels and properties: checked by the vertex pass
    else {
      r.skip(r.count('labels', 9) * 9, 'labels');
      parts.skipProps(r);
    }
    r.skip(r.count('in-edges', 27) * 27, 'in-edges');
    const n = r.count('out-edges', 27);
    const { edgeGids: gids, edgeTos: tos, edgeTypes: types } = this;
    let safe = from >= 0;
    for (let j = 0; j < n; j++) {
      gids[j] = r.safeUint('edge gid');
      tos[j] = r.safeUint('to gid');
      const at = r.pos;
      types[j] = parts.rank(r.num('edge type id'), at);
      if (gids[j]! < 0 || tos[j]! < 0) safe = false;
    }
    if (!safe) {
      r.seek(start, 'vertex record');
      const edges = this.raw.vertexEdges(r, er);
      for (const e of edges) {
        this.sink.utf8(this.frame.edge(e));
        this.sink.ascii('\n');
      }
      return edges.length;
    }
    for (let j = 0; j < n; j++) this.edge(er, from, gids[j]!, tos[j]!, types[j]!);
    return n;
  }

  private edge(er: Reader, from: number, gid: number, to: number, type: number): void {
    const { sink } = this;
    const mark = sink.pos;
    this.put(EDGE_FROM);
    sink.int(from);
    this.put(EDGE_TO);
    sink.int(to);
    this.put(this.typeHead(type));
    if (this.raw.seekEdgeProps(er, gid)) {
      const propsAt = er.pos;
      this.gid = gid;
      if (!this.props(er, false)) {
        er.seek(propsAt, 'edge properties');
        sink.pos = mark;
        this.raw.parts.current = BigInt(gid);
        const props = this.raw.parts.readProps(er);
        const e = { gid: BigInt(gid), from: BigInt(from), to: BigInt(to), type: this.raw.parts.names[type]!, props };
        sink.utf8(this.frame.edge(e));
        sink.ascii('\n');
        return;
      }
    }
    sink.ascii(']->(v);\n');
  }
}

/**
 * The whole dump of a lone snapshot as UTF-8 chunks of about `chunkBytes`, rendered in this thread
 * (convert-parallel.ts does the same with worker threads).
 */
export function* renderSnapshot(snap: SnapshotStream, opts: { exact: boolean }, chunkBytes = CHUNK_BYTES, maxSkips = MAX_SKIPS): Generator<DumpChunk> {
  const frame = dumpFrame(snap.schema, opts);
  const text = (lines: string[]): DumpChunk => ({ bytes: Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8'), lines: lines.length });
  if (frame.before.length > 0) yield text(frame.before);
  const { info } = snap;
  const renderer = new RecordRenderer(snap.raw, frame, { exact: opts.exact, vectorIndexed: vectorIndexed(snap.schema).length > 0 });
  const { sink } = renderer;
  const count = Number(info.vertexCount);
  if (count > 0) {
    renderer.rememberSkips(count, maxSkips);
    let lines = 0;
    const r = renderer.records;
    r.seek(info.offsets.vertices!, 'vertices');
    for (let i = 0; i < count; i++) {
      renderer.vertex(r);
      if (++lines, sink.pos >= chunkBytes) {
        yield { bytes: sink.take(), lines };
        lines = 0;
      }
    }
    if (lines > 0) yield { bytes: sink.take(), lines };
    lines = 0;
    yield text(AFTER_VERTICES);
    r.seek(info.offsets.vertices!, 'vertices');
    const er = renderer.edgeRecords;
    for (let i = 0; i < count; i++) {
      lines += renderer.vertexEdges(r, er);
      if (sink.pos >= chunkBytes) {
        yield { bytes: sink.take(), lines };
        lines = 0;
      }
    }
    if (sink.pos > 0) yield { bytes: sink.take(), lines };
    yield text(AFTER_EDGES);
  }
  if (frame.after.length > 0) yield text(frame.after);
}

/** One job of convert's parallel path: a range's vertex lines or edge lines, as UTF-8. */
export function renderRange(renderer: RecordRenderer, job: VertexRange & { phase: 'vertices' | 'edges' }): { lines: number; bytes: Uint8Array } {
  renderer.sink.pos = 0;
  const lines = job.phase === 'vertices' ? (renderer.vertices(job), job.count) : renderer.edges(job);
  return { lines, bytes: renderer.sink.take() };
}
