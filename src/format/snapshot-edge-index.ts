// Where an edge's properties are, for printing edges in vertex order while their records come first
// in the file. Memgraph writes the edge records by gid, ascending, so the records themselves are the
// index: this keeps every K-th record's gid and offset (K chosen so at most 2^20 samples, 16 MiB, are
// held whatever the edge count) and re-reads at most K records from the nearest sample per lookup. A
// cursor continues from the previous lookup, since the out-edges of consecutive vertices mostly have
// ascending gids. A file whose records are not ascending gets a dense index of the edges that carry
// properties (16 bytes each), as before.
import { Marker } from './markers.js';
import type { Reader } from './reader.js';

export const MAX_EDGE_SAMPLES = 1 << 20;
const MAX_SAFE = 9_007_199_254_740_991n;

/** Growable pair of Float64Arrays: 16 bytes per entry, no per-entry objects. */
class PairList {
  keys: Float64Array = new Float64Array(1024);
  values: Float64Array = new Float64Array(1024);
  length = 0;
  push(k: number, v: number): void {
    if (this.length === this.keys.length) {
      const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(a.length * 2); b.set(a); return b; };
      this.keys = grow(this.keys);
      this.values = grow(this.values);
    }
    this.keys[this.length] = k;
    this.values[this.length++] = v;
  }
  /** Index of the last key <= k (keys ascending), or -1. */
  floor(k: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= k) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
}

export type SkipProps = (r: Reader) => number;

/** A sampled index as plain data (structured-clonable, for worker threads). */
export interface EdgeSamples {
  gids: Float64Array;
  offsets: Float64Array;
  count: number;
  end: number;
}

export class EdgePropsIndex {
  private samples = new PairList();
  private dense: PairList | undefined;
  private readonly big = new Map<bigint, number>();
  /** The last record a lookup found; the caller's read of its properties leaves `er` at the next one. */
  private cursor = { sample: -1, gid: -1 };
  /** The reader the cursor refers to (a lookup through another one starts afresh). */
  private cursorReader: Reader | undefined;
  /** Where the edge records end. */
  private end = 0;

  /** Scans the edge records once (r at the first record); without r, an empty index to fill. */
  constructor(r: Reader | undefined, private readonly records: bigint, private readonly skipProps: SkipProps, maxSamples = MAX_EDGE_SAMPLES) {
    if (r === undefined) return;
    const every = Math.max(1, Math.ceil(Number(records) / maxSamples));
    let last = -1;
    const start = r.pos;
    // Numbers, not BigInts: a record count beyond 2^53 cannot be in a file anyway.
    for (let i = 0, n = Number(records); i < n; i++) {
      const at = r.pos;
      r.expect(Marker.SECTION_EDGE, 'edge record');
      const gid = r.safeUint('edge gid');
      if (gid <= last) {
        this.buildDense(r, start);
        return;
      }
      last = gid;
      if (i % every === 0) this.samples.push(gid, at);
      skipProps(r);
    }
    this.end = r.pos;
  }

  static fromSamples(s: EdgeSamples, skipProps: SkipProps): EdgePropsIndex {
    const index = new EdgePropsIndex(undefined, 0n, skipProps);
    index.samples.keys = s.gids;
    index.samples.values = s.offsets;
    index.samples.length = s.count;
    index.end = s.end;
    return index;
  }

  /** The samples as data, or undefined for a dense index (records out of order). */
  exportSamples(): EdgeSamples | undefined {
    if (this.dense !== undefined) return undefined;
    const n = this.samples.length;
    // In shared memory: posting them to several worker threads then shares one copy (up to 16 MiB)
    // instead of cloning it into each.
    const shared = (a: Float64Array): Float64Array => {
      const out = new Float64Array(new SharedArrayBuffer(n * 8));
      out.set(a.subarray(0, n));
      return out;
    };
    return { gids: shared(this.samples.keys), offsets: shared(this.samples.values), count: n, end: this.end };
  }

  private buildDense(r: Reader, start: number): void {
    this.samples = new PairList();
    const dense = (this.dense = new PairList());
    const gids: number[] = [];
    r.seek(start, 'edges');
    for (let i = 0n; i < this.records; i++) {
      r.expect(Marker.SECTION_EDGE, 'edge record');
      const gid = r.uint('edge gid');
      const at = r.pos;
      if (this.skipProps(r) === 0) continue;
      if (gid > MAX_SAFE) this.big.set(gid, at);
      else { gids.push(Number(gid)); dense.push(Number(gid), at); }
    }
    const order = gids.map((_, i) => i).sort((a, b) => gids[a]! - gids[b]!);
    const sorted = new PairList();
    for (const i of order) sorted.push(dense.keys[i]!, dense.values[i]!);
    this.dense = sorted;
  }

  /** Positions `er` at the property list of edge `gid` and returns true, or false if it has none. */
  seekProps(er: Reader, gid: bigint | number): boolean {
    if (this.dense !== undefined) {
      if (typeof gid === 'bigint' && gid > MAX_SAFE) {
        const at = this.big.get(gid);
        if (at === undefined) return false;
        er.seek(at, 'edge properties');
        return true;
      }
      const i = this.dense.floor(Number(gid));
      if (i < 0 || this.dense.keys[i] !== Number(gid)) return false;
      er.seek(this.dense.values[i]!, 'edge properties');
      return true;
    }
    if (typeof gid === 'bigint' && gid > MAX_SAFE) return false;
    const g = Number(gid);
    // The record right after the previous hit (lookups in vertex order mostly ascend by one record):
    // found without the binary search. er is left there by the caller's read of that hit's properties.
    if (er === this.cursorReader && this.cursor.gid >= 0 && this.cursor.gid < g && er.pos < this.end) {
      const f = er.avail(10);
      if (f >= 0 && er.bytes[f] === Marker.SECTION_EDGE && er.bytes[f + 1] === Marker.TYPE_INT &&
        er.bytes.readUInt32LE(f + 6) * 0x1_0000_0000 + er.bytes.readUInt32LE(f + 2) === g) {
        er.pos += 10;
        this.cursor.sample = -2; // block not looked up: the next lookup seeks
        this.cursor.gid = g;
        return true;
      }
    }
    const s = this.samples.floor(g);
    if (s < 0) return false;
    // Continue after the previous hit when it lies in the same sample block and before this gid.
    if (!(this.cursor.sample === s && this.cursor.gid < g)) er.seek(this.samples.values[s]!, 'edge record');
    const stop = s + 1 < this.samples.length ? this.samples.values[s + 1]! : this.end;
    while (er.pos < stop) {
      er.expect(Marker.SECTION_EDGE, 'edge record');
      // -1: beyond 2^53, so past g (the records ascend).
      const found = er.safeUint('edge gid');
      if (found === g) {
        this.cursorReader = er;
        this.cursor.sample = s;
        this.cursor.gid = g;
        return true;
      }
      if (found > g || found < 0) break;
      this.skipProps(er);
    }
    this.cursor.sample = -1;
    this.cursor.gid = -1;
    return false;
  }
}
