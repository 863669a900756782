// Reads Cypher literal values of the dump dialect back into Values. CypherReader is also the cursor the
// dump-statement parser and canonicalDump walk statements with, so every place that reads Cypher agrees
// on strings, names, comments and numbers.
import { MgBackupError, q } from '../errors/errors.js';
import type { TemporalType, Value, ZonedDateTimeValue } from '../graph/value.js';
import { daysFromCivil, zoneOffsetMinutes } from './render-value.js';

/** Malformed Cypher; offset is the 0-based character offset in the text that was being read. */
/** Memgraph's SemanticException text for `{a: 1, a: 2}` (cypher_main_visitor.cpp, visitMapLiteral). */
export const DUPLICATE_MAP_KEY = "Same key can't appear twice in a map literal.";

export class CypherSyntaxError extends MgBackupError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('usage', `${message} at offset ${offset}`, {
      hints: ['check the statement near that offset; values must be Cypher literals as DUMP DATABASE prints them'],
    });
    this.name = 'CypherSyntaxError';
    this.offset = offset;
  }
}

const IDENT_START = /[\p{L}_$]/u;
const IDENT_PART = /[\p{L}\p{N}_$]/u;

export class CypherReader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    const found = at >= this.text.length ? 'end of input' : q(this.text.slice(at, at + 20));
    throw new CypherSyntaxError(`${message}, found ${found}`, at);
  }

  /** Skips whitespace and comments. */
  skip(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos] as string)) this.pos++;
      if (t.startsWith('//', this.pos)) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl + 1;
      } else if (t.startsWith('/*', this.pos)) {
        const end = t.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }

  peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  /** Consumes `s` (exact punctuation) if it comes next. */
  eat(s: string): boolean {
    this.skip();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  expect(s: string): void {
    if (!this.eat(s)) this.fail(`expected ${q(s)}`);
  }

  /** Consumes the keywords (case-insensitive, whole words, any whitespace between) if they come next. */
  eatKeywords(...words: string[]): boolean {
    const start = this.pos;
    for (const w of words) {
      this.skip();
      const got = this.text.slice(this.pos, this.pos + w.length);
      const after = this.text[this.pos + w.length] ?? '';
      if (got.toUpperCase() !== w.toUpperCase() || IDENT_PART.test(after)) {
        this.pos = start;
        return false;
      }
      this.pos += w.length;
    }
    return true;
  }

  expectKeywords(...words: string[]): void {
    if (!this.eatKeywords(...words)) this.fail(`expected ${q(words.join(' '))}`);
  }

  /** A bare identifier ([letters digits _ $]), or undefined. */
  readIdentifier(): string | undefined {
    this.skip();
    const t = this.text;
    if (this.pos >= t.length || !IDENT_START.test(t[this.pos] as string)) return undefined;
    const start = this.pos;
    while (this.pos < t.length && IDENT_PART.test(t[this.pos] as string)) this.pos++;
    return t.slice(start, this.pos);
  }

  /** A symbolic name: `back quoted` (doubled backticks inside) or a bare identifier. */
  readName(): string {
    this.skip();
    if (this.text[this.pos] === '`') return this.readBackticked();
    const id = this.readIdentifier();
    if (id === undefined) this.fail('expected a name');
    return id;
  }

  private readBackticked(): string {
    const t = this.text;
    const start = this.pos;
    let out = '';
    this.pos++;
    for (;;) {
      const end = t.indexOf('`', this.pos);
      if (end < 0) this.fail('unterminated back-quoted name', start);
      out += t.slice(this.pos, end);
      if (t[end + 1] === '`') {
        out += '`';
        this.pos = end + 2;
      } else {
        this.pos = end + 1;
        return out;
      }
    }
  }

  /** A single- or double-quoted string with Cypher escapes. */
  readString(): string {
    this.skip();
    const t = this.text;
    const quote = t[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('expected a string');
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string', start);
      const c = t[this.pos] as string;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c !== '\\') {
        // Copy a run of plain characters at once.
        let end = this.pos + 1;
        while (end < t.length && t[end] !== quote && t[end] !== '\\') end++;
        out += t.slice(this.pos, end);
        this.pos = end;
        continue;
      }
      const e = t[this.pos + 1];
      const escStart = this.pos;
      this.pos += 2;
      switch (e) {
        case '\\': out += '\\'; break;
        case "'": out += "'"; break;
        case '"': out += '"'; break;
        case 'b': case 'B': out += '\b'; break;
        case 'f': case 'F': out += '\f'; break;
        case 'n': case 'N': out += '\n'; break;
        case 'r': case 'R': out += '\r'; break;
        case 't': case 'T': out += '\t'; break;
        case '/': out += '/'; break;
        case 'u': case 'U': {
          const len = e === 'u' ? 4 : 8;
          const hex = t.slice(this.pos, this.pos + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`, escStart);
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff) this.fail('escape beyond U+10FFFF', escStart);
          this.pos += len;
          // A \uD83D\uDE00 surrogate pair joins into one code point, as UTF-16 text would.
          out += String.fromCharCode(...(cp > 0xffff ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)] : [cp]));
          break;
        }
        default:
          this.fail('unknown escape in string', escStart);
      }
    }
  }

  /** An integer or float literal, with optional sign; `3` is bigint, `3.0`, `1e5`, `.5` are numbers. */
  readNumber(): bigint | number {
    this.skip();
    const t = this.text;
    const start = this.pos;
    const m = /^([-+]?)\s*(?:0x([0-9a-fA-F]+)|0o([0-7]+)|(\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)|(\d+)|(inf(?:inity)?|nan))(?![\p{L}\p{N}_$.])/iu
      .exec(t.slice(start, start + 400));
    if (!m) this.fail('expected a number');
    this.pos = start + m[0].length;
    const neg = m[1] === '-';
    if (m[2] !== undefined) return (neg ? -1n : 1n) * BigInt('0x' + m[2]);
    if (m[3] !== undefined) return (neg ? -1n : 1n) * BigInt('0o' + m[3]);
    if (m[5] !== undefined) return (neg ? -1n : 1n) * BigInt(m[5]);
    if (m[6] !== undefined) {
      // Not Cypher; accepted so a DUMP of a non-finite float (printed as inf/nan) can still be read.
      return m[6].toLowerCase() === 'nan' ? NaN : neg ? -Infinity : Infinity;
    }
    const x = Number(m[4]);
    return neg ? -x : x;
  }

  /** Any literal value (see module comment). */
  readValue(): Value {
    const c = this.peek();
    if (c === '"' || c === "'") return this.readString();
    if (c === '[') return this.readList();
    if (c === '{') return this.readMap();
    if (/[-+.\d]/.test(c)) return this.readNumberExpr();
    const start = this.pos;
    const name = c === '`' ? this.readName() : this.readIdentifier();
    if (name === undefined) this.fail('expected a value');
    if (this.eat('::')) return { kind: 'enum', type: name, value: this.readName() };
    if (c !== '`') {
      const upper = name.toUpperCase();
      if (upper === 'NULL') return null;
      if (upper === 'TRUE') return true;
      if (upper === 'FALSE') return false;
      if (upper === 'INF' || upper === 'INFINITY' || upper === 'NAN') {
        this.pos = start;
        return this.readNumber();
      }
      if (this.peek() === '(') return this.readCall(upper, start);
    }
    this.fail('expected a value', start);
  }

  /** A number, or the `x/0.0` forms exact rendering uses for inf, -inf and nan. */
  private readNumberExpr(): Value {
    const n = this.readNumber();
    const save = this.pos;
    if (this.eat('/')) {
      const d = this.readNumber();
      if ((typeof n === 'number' || typeof d === 'number') && Number(d) === 0) return Number(n) / 0;
      this.pos = save;
      this.fail('only x/0.0 division is accepted in a literal');
    }
    return n;
  }

  private readList(): Value[] {
    this.expect('[');
    const out: Value[] = [];
    if (this.eat(']')) return out;
    do out.push(this.readValue());
    while (this.eat(','));
    this.expect(']');
    return out;
  }

  /** `{key: value, ...}`; keys are names (back-quoted or bare). A repeated key is an error, as in
   *  Memgraph (cypher_main_visitor.cpp, visitMapLiteral), never "the last one wins". */
  readMap(): Map<string, Value> {
    this.expect('{');
    const out = new Map<string, Value>();
    if (this.eat('}')) return out;
    do {
      const keyAt = this.pos;
      const key = this.readName();
      if (out.has(key)) this.fail(DUPLICATE_MAP_KEY, keyAt);
      this.expect(':');
      out.set(key, this.readValue());
    } while (this.eat(','));
    this.expect('}');
    return out;
  }

  private readCall(fn: string, start: number): Value {
    this.expect('(');
    let result: Value;
    if (fn === 'POINT') {
      result = pointFromMap(this.readMap(), start, this);
    } else if (fn in TEMPORAL_FUNCTIONS || fn === 'DATETIME') {
      const argAt = this.pos;
      const s = this.readString();
      result = parseTemporal(fn, s, (msg) => this.fail(msg, argAt));
    } else {
      this.fail(`unknown function ${q(fn)}`, start);
    }
    this.expect(')');
    return result;
  }
}

/** Parses a whole text as one literal value. */
export function parseLiteral(text: string): Value {
  const r = new CypherReader(text);
  const v = r.readValue();
  if (!r.atEnd()) r.fail('unexpected text after the value');
  return v;
}

// ---------------------------------------------------------------- points

const SRIDS: Record<number, { dims: 2 | 3 }> = { 7203: { dims: 2 }, 4326: { dims: 2 }, 9157: { dims: 3 }, 4979: { dims: 3 } };

function pointFromMap(m: Map<string, Value>, at: number, r: CypherReader): Value {
  const num = (k: string): number | undefined => {
    const found = [...m.keys()].find((key) => key.toLowerCase() === k);
    if (found === undefined) return undefined;
    const v = m.get(found);
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'number') return v;
    r.fail(`point field ${q(k)} must be a number`, at);
  };
  const x = num('x') ?? num('longitude');
  const y = num('y') ?? num('latitude');
  const z = num('z') ?? num('height');
  if (x === undefined || y === undefined) r.fail('point needs x and y', at);
  const geographic = num('longitude') !== undefined;
  const srid = num('srid') ?? (geographic ? (z === undefined ? 4326 : 4979) : z === undefined ? 7203 : 9157);
  const spec = SRIDS[srid];
  if (spec === undefined) r.fail(`unknown srid ${srid}`, at);
  if ((spec.dims === 3) !== (z !== undefined)) r.fail(`srid ${srid} needs ${spec.dims} coordinates`, at);
  return z === undefined ? { kind: 'point', srid, x, y } : { kind: 'point', srid, x, y, z };
}

// ---------------------------------------------------------------- temporals

const TEMPORAL_FUNCTIONS: Record<string, TemporalType> = {
  DATE: 'Date', LOCALTIME: 'LocalTime', LOCALDATETIME: 'LocalDateTime', DURATION: 'Duration',
};

type Fail = (message: string) => never;
const US_PER_DAY = 86_400_000_000n;

function parseDate(s: string, fail: Fail): number {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})?$/.exec(s);
  if (!m) fail(`invalid date ${q(s)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3] ?? '1')];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (dim === undefined || d < 1 || d > dim) fail(`invalid date ${q(s)}`);
  return daysFromCivil(y, mo, d);
}

/** µs since midnight from hh[:mm[:ss[.ffffff]]] or hh[mm[ss[.ffffff]]], optionally led by T. */
function parseTime(s: string, fail: Fail): bigint {
  const m = /^T?(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/.exec(s) ?? /^T?(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,9}))?)?)?$/.exec(s);
  if (!m) fail(`invalid time ${q(s)}`);
  const [h, mi, sec] = [Number(m[1]), Number(m[2] ?? '0'), Number(m[3] ?? '0')];
  if (h > 23 || mi > 59 || sec > 59) fail(`invalid time ${q(s)}`);
  const frac = BigInt((m[4] ?? '').padEnd(9, '0').slice(0, 6));
  return (BigInt(h * 3600 + mi * 60 + sec) * 1_000_000n) + frac;
}

function parseLocalDateTime(s: string, fail: Fail): bigint {
  const t = s.indexOf('T');
  if (t < 0) fail(`invalid local date-time ${q(s)}`);
  return BigInt(parseDate(s.slice(0, t), fail)) * US_PER_DAY + parseTime(s.slice(t + 1), fail);
}

function parseZoned(s: string, fail: Fail): ZonedDateTimeValue {
  const m = /^(.*?T[\d:.]+)(Z|[-+]\d{2}(?::?\d{2})?)?(?:\[([^\]]+)\])?$/.exec(s);
  if (!m) fail(`invalid date-time ${q(s)}`);
  const local = parseLocalDateTime(m[1] as string, fail);
  let offset: number | undefined;
  if (m[2] !== undefined) {
    if (m[2] === 'Z') offset = 0;
    else {
      const o = /^([-+])(\d{2}):?(\d{2})?$/.exec(m[2]) as RegExpExecArray;
      offset = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] ?? '0'));
    }
  }
  const name = m[3];
  if (name !== undefined) {
    let utc: bigint;
    try {
      if (offset !== undefined) utc = local - BigInt(offset) * 60_000_000n;
      else {
        // Local time in a named zone: an offset o fits when the zone's offset at local-o is o; on a
        // repeated hour take the earliest instant (largest offset), as Memgraph's choose::earliest does.
        const localMs = Number(local / 1000n);
        const candidates = [zoneOffsetMinutes(name, localMs - 86_400_000), zoneOffsetMinutes(name, localMs + 86_400_000)];
        const fits = candidates.filter((o) => zoneOffsetMinutes(name, localMs - o * 60_000) === o);
        const off = fits.length > 0 ? Math.max(...fits) : Math.min(...candidates);
        utc = local - BigInt(off) * 60_000_000n;
      }
    } catch (e) {
      if (e instanceof RangeError) fail(`unknown time zone ${q(name)}`);
      throw e;
    }
    return { kind: 'zoned', micros: utc, zone: { name } };
  }
  // No zone at all: Memgraph uses the server's --timezone, UTC by default.
  const off = offset ?? 0;
  return { kind: 'zoned', micros: local - BigInt(off) * 60_000_000n, zone: { offsetMinutes: off } };
}

/** P[nD][T[nH][nM][nS]] with signed, possibly fractional parts, as Memgraph's duration parser reads it. */
function parseDuration(s: string, fail: Fail): bigint {
  const m = /^P(?:([-+]?\d+(?:\.\d+)?)D)?(?:T(?:([-+]?\d+(?:\.\d+)?)H)?(?:([-+]?\d+(?:\.\d+)?)M)?(?:([-+]?\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) fail(`invalid duration ${q(s)}`);
  const units = [US_PER_DAY, 3_600_000_000n, 60_000_000n, 1_000_000n];
  let total = 0n;
  units.forEach((unit, i) => {
    const part = m[i + 1];
    if (part !== undefined) total += decimalTimes(part, unit);
  });
  return total;
}

/** Exact decimal string times an integer unit, truncated toward zero. */
function decimalTimes(dec: string, unit: bigint): bigint {
  const neg = dec.startsWith('-');
  const [int, frac = ''] = dec.replace(/^[-+]/, '').split('.') as [string, string?];
  const scale = 10n ** BigInt(frac.length);
  const v = (BigInt(int + frac) * unit) / scale;
  return neg ? -v : v;
}

function parseTemporal(fn: string, s: string, fail: Fail): Value {
  switch (fn) {
    case 'DATE': return { kind: 'temporal', type: 'Date', micros: BigInt(parseDate(s, fail)) };
    case 'LOCALTIME': return { kind: 'temporal', type: 'LocalTime', micros: parseTime(s, fail) };
    case 'LOCALDATETIME': return { kind: 'temporal', type: 'LocalDateTime', micros: parseLocalDateTime(s, fail) };
    case 'DURATION': return { kind: 'temporal', type: 'Duration', micros: parseDuration(s, fail) };
    default: return parseZoned(s, fail);
  }
}
