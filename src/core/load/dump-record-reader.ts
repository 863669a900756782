// A quick reader for the two statements that make up almost all of a dump, in the exact spelling
// Memgraph's DUMP prints them (single spaces, `, ` and `: ` separators, `;` at the end):
//   CREATE (:__mg_vertex__:`L` {__mg_id__: 0, `k`: "v"});
//   MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T` {`k`: 1}]->(v);
// It reads only plain values (decimal ints, simple floats, double-quoted strings without \u escapes,
// true/false/Null, lists and maps of those) and gives up (undefined) on anything else, so the general parser
// (src/cypher/dump-statement.ts) still decides every other text, errors included. It exists because
// the general parser, which accepts any spacing, comments and value syntax, was the largest cost of
// `load` on the client; where both read a statement they must agree exactly (tested on every fixture).
import type { DumpStatement } from '../../cypher/dump-statement.js';
import type { PropertyMap, Value } from '../../graph/value.js';

const VERTEX_PREFIX = 'CREATE (';
const EDGE_PREFIX = 'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ';
const EDGE_AND = ' AND v.__mg_id__ = ';
const EDGE_CREATE = ' CREATE (u)-[:';
const EDGE_END = ']->(v);';

/** Thrown inside the reader to give up; never escapes it. */
const GIVE_UP = Symbol('give up');

class Reader {
  pos = 0;
  constructor(readonly t: string) {}

  lit(s: string): void {
    if (!this.t.startsWith(s, this.pos)) throw GIVE_UP;
    this.pos += s.length;
  }

  has(s: string): boolean {
    if (!this.t.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** `back quoted` (doubled backticks inside) or a bare ASCII identifier. */
  name(): string {
    const t = this.t;
    if (t.charCodeAt(this.pos) === 96 /* ` */) {
      let out = '';
      let from = this.pos + 1;
      for (;;) {
        const end = t.indexOf('`', from);
        if (end < 0) throw GIVE_UP;
        out += t.slice(from, end);
        if (t.charCodeAt(end + 1) === 96) {
          out += '`';
          from = end + 2;
        } else {
          this.pos = end + 1;
          return out;
        }
      }
    }
    const start = this.pos;
    let i = start;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
      if (!letter && !(i > start && c >= 48 && c <= 57)) break;
    }
    // A non-ASCII or `$` character next would continue the identifier for the general parser.
    const next = t.charCodeAt(i);
    if (i === start || next > 127 || next === 36) throw GIVE_UP;
    this.pos = i;
    return t.slice(start, i);
  }

  value(): Value {
    const t = this.t;
    const c = t.charCodeAt(this.pos);
    if (c === 34 /* " */) return this.string();
    if (c === 91 /* [ */) {
      this.pos++;
      const out: Value[] = [];
      if (this.has(']')) return out;
      do out.push(this.value());
      while (this.has(', '));
      this.lit(']');
      return out;
    }
    if (c === 123 /* { */) {
      this.pos++;
      return this.entries();
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) return this.number();
    if (this.has('Null')) return null;
    if (this.has('true')) return true;
    if (this.has('false')) return false;
    throw GIVE_UP;
  }

  /** -?digits as bigint, or -?digits.digits as number; anything else (exponents, inf, hex) gives up. */
  private number(): Value {
    const t = this.t;
    const start = this.pos;
    let i = t.charCodeAt(start) === 45 ? start + 1 : start;
    const digitsFrom = i;
    while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
    if (i === digitsFrom) throw GIVE_UP;
    let float = false;
    if (t.charCodeAt(i) === 46 /* . */) {
      const fracFrom = ++i;
      while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
      if (i === fracFrom) throw GIVE_UP;
      float = true;
    }
    const next = t.charCodeAt(i);
    if (next !== 44 /* , */ && next !== 125 /* } */ && next !== 93 /* ] */ && next !== 32 /* space */) throw GIVE_UP;
    this.pos = i;
    const text = t.slice(start, i);
    return float ? Number(text) : BigInt(text);
  }

  private string(): string {
    const t = this.t;
    let from = this.pos + 1;
    let out = '';
    for (;;) {
      const q = t.indexOf('"', from);
      const b = t.indexOf('\\', from);
      if (q < 0) throw GIVE_UP;
      if (b < 0 || q < b) {
        out += t.slice(from, q);
        this.pos = q + 1;
        return out;
      }
      out += t.slice(from, b);
      switch (t[b + 1]) {
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case "'": out += "'"; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case '/': out += '/'; break;
        default: throw GIVE_UP;
      }
      from = b + 2;
    }
  }

  /** ` {k: v, ...}` when present (with its leading space). */
  props(): PropertyMap {
    return this.has(' {') ? this.entries() : new Map();
  }

  /** `k: v, ...}` after an opening brace. A repeated key is left to the general parser, which refuses
   *  it as Memgraph does (the statement then travels as written and the server rejects it). */
  private entries(): Map<string, Value> {
    const out = new Map<string, Value>();
    if (this.has('}')) return out;
    do {
      const key = this.name();
      if (out.has(key)) throw GIVE_UP;
      this.lit(': ');
      out.set(key, this.value());
    } while (this.has(', '));
    this.lit('}');
    return out;
  }
}

/** The vertex or edge statement in DUMP's exact spelling, or undefined for anything else. */
export function readDumpRecord(text: string): Extract<DumpStatement, { kind: 'vertex' | 'edge' }> | undefined {
  const r = new Reader(text);
  try {
    if (r.has(VERTEX_PREFIX)) {
      const labels: string[] = [];
      while (r.has(':')) labels.push(r.name());
      const props = r.props();
      r.lit(');');
      return r.pos === text.length ? { kind: 'vertex', labels, props } : undefined;
    }
    if (r.has(EDGE_PREFIX)) {
      const from = r.value();
      r.lit(EDGE_AND);
      const to = r.value();
      r.lit(EDGE_CREATE);
      const type = r.name();
      const props = r.props();
      r.lit(EDGE_END);
      return r.pos === text.length ? { kind: 'edge', from, to, type, props } : undefined;
    }
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
  return undefined;
}
