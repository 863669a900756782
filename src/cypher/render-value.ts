// Values printed the way Memgraph's DUMP DATABASE prints them (src/query/dump.cpp DumpPropertyValue),
// so a dump we write is byte-for-byte what the server would have written. `exact` departs from DUMP
// only where DUMP loses information (3.0 printed as `3` reloads as an integer; inf/nan are not Cypher).
import { MgBackupError, q } from '../errors/errors.js';
import type { EnumValue, PointValue, TemporalValue, Value, ZonedDateTimeValue } from '../graph/value.js';

export interface RenderValueOptions {
  /** Keep float-ness on reload: `3.0` instead of `3`, inf/nan as `1.0/0.0`, `-1.0/0.0`, `0.0/0.0`. */
  exact?: boolean;
}

/** Labels, edge types, property names and map keys: back-quoted with internal backticks doubled. */
export function renderName(name: string): string {
  // A dump renders the same few names millions of times; almost none hold a backtick.
  return name.includes('`') ? '`' + name.replaceAll('`', '``') + '`' : '`' + name + '`';
}

const NEEDS_ESCAPE = /[\\'"\b\f\n\r\t]/;

/** utils::Escape (src/utils/string.hpp): only backslash, quotes and five control characters escaped. */
export function renderString(s: string): string {
  // Most strings need no escaping; the per-character loop below is the slow part of a large dump.
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (const c of s) {
    switch (c) {
      case '\\': out += '\\\\'; break;
      case "'": out += "\\'"; break;
      case '"': out += '\\"'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default: out += c;
    }
  }
  return out + '"';
}

export function renderValue(v: Value, opts: RenderValueOptions = {}): string {
  const exact = opts.exact === true;
  const out: string[] = [];
  write(v, exact, out);
  return out.join('');
}

function write(v: Value, exact: boolean, out: string[]): void {
  if (v === null) { out.push('Null'); return; }
  switch (typeof v) {
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'bigint': out.push(v.toString()); return;
    case 'number': out.push(exact ? renderFloatExact(v) : formatG(v, 17)); return;
    case 'string': out.push(renderString(v)); return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item, i) => { if (i > 0) out.push(', '); write(item, exact, out); });
    out.push(']');
    return;
  }
  if (v instanceof Map) {
    // DUMP converts maps to ExternalPropertyValue, a flat_map<std::string,...>: keys in byte order.
    out.push('{');
    sortedKeys(v).forEach((k, i) => {
      if (i > 0) out.push(', ');
      out.push(renderName(k), ': ');
      write(v.get(k) as Value, exact, out);
    });
    out.push('}');
    return;
  }
  switch (v.kind) {
    case 'temporal': out.push(renderTemporal(v)); return;
    case 'zoned': out.push(`DATETIME("${formatZonedDateTime(v)}")`); return;
    case 'point': out.push(renderPoint(v)); return;
    case 'enum': out.push(renderEnum(v)); return;
  }
}

/** Compare as UTF-8 bytes (what std::less<std::string> does), not as UTF-16 code units. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortedKeys(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort(compareBytes);
}

export function renderEnum(v: EnumValue): string {
  return `${v.type}::${v.value}`;
}

export function renderFloatExact(x: number): string {
  if (Number.isNaN(x)) return '0.0/0.0';
  if (x === Infinity) return '1.0/0.0';
  if (x === -Infinity) return '-1.0/0.0';
  // Memgraph's lexer (FloatingLiteral, and the query stripper's MatchReal) takes `e` or `e-` but not
  // `e+`: `1e+20` would not reload, so the exponent's plus sign goes (found by the grammar oracle).
  const s = formatG(x, 17).replace('e+', 'e');
  return /[.e]/.test(s) ? s : s + '.0';
}

// ---------------------------------------------------------------- floats

/** Exact decimal expansion of a finite positive double: value = digits * 10^-scale. */
function exactDecimal(x: number): { digits: string; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (exp >= 0) return { digits: (mant << BigInt(exp)).toString(), scale: 0 };
  return { digits: (mant * 5n ** BigInt(-exp)).toString(), scale: -exp };
}

/**
 * Fast path of roundedDigits: toPrecision gives the exact binary value correctly rounded to two more
 * digits; those two decide the rounding, except "50", which may be an exact tie (printf rounds half to
 * even) or may not: that case goes the exact way.
 */
function toPrecisionDigits(x: number, precision: number): { digits: string; exp10: number } | undefined {
  const s = x.toPrecision(precision + 2);
  const e = s.indexOf('e');
  let digits: string;
  let exp10: number;
  if (e >= 0) {
    digits = s.slice(0, e).replace('.', '');
    exp10 = Number(s.slice(e + 1));
  } else {
    const dot = s.indexOf('.');
    const all = dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1);
    let z = 0;
    while (all.charCodeAt(z) === 48) z++;
    digits = all.slice(z);
    exp10 = (dot < 0 ? s.length : dot) - 1 - z;
  }
  if (digits.length !== precision + 2) return undefined;
  const tail = (digits.charCodeAt(precision) - 48) * 10 + digits.charCodeAt(precision + 1) - 48;
  if (tail === 50) return undefined;
  const kept = digits.slice(0, precision);
  if (tail < 50) return { digits: kept, exp10 };
  let k = precision - 1;
  while (k >= 0 && kept.charCodeAt(k) === 57) k--;
  if (k < 0) return { digits: '1' + '0'.repeat(precision - 1), exp10: exp10 + 1 };
  return { digits: kept.slice(0, k) + String.fromCharCode(kept.charCodeAt(k) + 1) + '0'.repeat(precision - 1 - k), exp10 };
}

/**
 * Where no tie is possible, toPrecision(precision) is already printf's answer (both round the exact
 * binary value; they differ only on exact ties: JS rounds them up, printf to even). x = M * 2^-k with M
 * odd has an exact decimal expansion of the digits of M * 5^k, ending in 5: a tie needs exactly
 * precision + 1 of them, so 5^k < 10^(precision+1). If x * 2^kmax is not an integer, k is larger than
 * that and there is no tie. An integer ties only as an odd multiple of 5 with precision + 1 digits times
 * a power of ten: not below 10^precision, and not at all from precision 16 up (2^53 < 10^16). This skips toPrecision(precision + 2) and its
 * tail check for almost every double (2-3x faster on a float-heavy dump).
 */
const tieScale: number[] = [];

function directDigits(x: number, precision: number): { digits: string; exp10: number } | undefined {
  let scale = tieScale[precision];
  if (scale === undefined) scale = tieScale[precision] = 2 ** Math.floor((precision + 1) / Math.log10(5));
  if (Number.isInteger(x) ? precision < 16 && x >= 10 ** precision : Number.isInteger(x * scale)) return undefined;
  const s = x.toPrecision(precision);
  const e = s.indexOf('e');
  if (e >= 0) {
    return { digits: s.charCodeAt(1) === 46 ? s[0]! + s.slice(2, e) : s.slice(0, e), exp10: Number(s.slice(e + 1)) };
  }
  const dot = s.indexOf('.');
  if (dot < 0) return { digits: s, exp10: s.length - 1 };
  if (s.charCodeAt(0) !== 48) return { digits: s.slice(0, dot) + s.slice(dot + 1), exp10: dot - 1 };
  let z = dot + 1;
  while (s.charCodeAt(z) === 48) z++;
  return { digits: s.slice(z), exp10: dot - z };
}

/** Significant digits of |x| rounded half-even to `precision`, plus the decimal exponent of the first. */
function roundedDigits(x: number, precision: number): { digits: string; exp10: number } {
  if (precision <= 100) {
    const direct = directDigits(x, precision);
    if (direct !== undefined) return direct;
  }
  if (precision <= 98) {
    const fast = toPrecisionDigits(x, precision);
    if (fast !== undefined) return fast;
  }
  const { digits, scale } = exactDecimal(x);
  let exp10 = digits.length - 1 - scale;
  if (digits.length <= precision) return { digits: digits.padEnd(precision, '0'), exp10 };
  let keep = digits.slice(0, precision);
  const rest = digits.slice(precision);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  const lastOdd = (keep.charCodeAt(keep.length - 1) - 48) % 2 === 1;
  if (first > 5 || (first === 5 && (tail || lastOdd))) {
    const bumped = (BigInt(keep) + 1n).toString();
    if (bumped.length > precision) {
      keep = bumped.slice(0, precision);
      exp10 += 1;
    } else {
      keep = bumped;
    }
  }
  return { digits: keep, exp10 };
}

function stripZeros(frac: string): string {
  return frac.replace(/0+$/, '');
}

function exponent(e: number): string {
  const abs = Math.abs(e);
  return (e < 0 ? 'e-' : 'e+') + (abs < 10 ? '0' + abs : String(abs));
}

/**
 * formatG's common case in one toPrecision call: where no tie is possible (directDigits) and the
 * rounded exponent is in [-4, precision), toPrecision prints the same digits in fixed notation as %g
 * does (its own switch to exponent form is at -7 and at precision), and %g only drops trailing zeros.
 * Undefined otherwise (exponent form, or 0.0000x which %g prints with an exponent).
 */
function fixedG(x: number, precision: number): string | undefined {
  let scale = tieScale[precision];
  if (scale === undefined) scale = tieScale[precision] = 2 ** Math.floor((precision + 1) / Math.log10(5));
  if (Number.isInteger(x) ? precision < 16 && x >= 10 ** precision : Number.isInteger(x * scale)) return undefined;
  const s = x.toPrecision(precision);
  if (s.includes('e') || s.startsWith('0.0000')) return undefined;
  const dot = s.indexOf('.');
  if (dot < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (end - 1 === dot) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** printf("%.{precision}g") — what a C++ ostream prints with setprecision(precision) and default format. */
export function formatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const fixed = precision <= 100 ? fixedG(Math.abs(x), precision) : undefined;
  if (fixed !== undefined) return sign + fixed;
  const { digits, exp10 } = roundedDigits(Math.abs(x), precision);
  return sign + layout(digits, exp10, exp10 < -4 || exp10 >= precision);
}

/** fmt's "{}" for a double (shortest round-trip digits; exponent form below 1e-4 or from 1e16 up). */
export function formatShortest(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const [mant, e] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp10 = Number(e);
  return sign + layout(mant.replace('.', ''), exp10, exp10 < -4 || exp10 >= 16);
}

function layout(digits: string, exp10: number, scientific: boolean): string {
  if (scientific) {
    const frac = stripZeros(digits.slice(1));
    return digits[0] + (frac ? '.' + frac : '') + exponent(exp10);
  }
  if (exp10 >= 0) {
    const intPart = digits.slice(0, exp10 + 1).padEnd(exp10 + 1, '0');
    const frac = stripZeros(digits.slice(exp10 + 1));
    return intPart + (frac ? '.' + frac : '');
  }
  const frac = stripZeros('0'.repeat(-exp10 - 1) + digits);
  return '0.' + frac;
}

// ---------------------------------------------------------------- points

/** query::CypherConstructionFor (src/query/string_helpers.hpp): fmt "{}" coordinates. */
export function renderPoint(p: PointValue): string {
  const z = p.z === undefined ? '' : ` z:${formatShortest(p.z)},`;
  return `POINT({ x:${formatShortest(p.x)}, y:${formatShortest(p.y)},${z} srid: ${p.srid} })`;
}

// ---------------------------------------------------------------- temporals

const US_PER_SEC = 1_000_000n;
const US_PER_DAY = 86_400_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** Proleptic Gregorian civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** hh:mm:ss.ffffff for µs within a day (always six fraction digits, as LocalTime::ToString and %S do). */
function formatTimeOfDay(us: bigint): string {
  const secs = us / US_PER_SEC;
  const frac = us % US_PER_SEC;
  return `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}.${pad(frac, 6)}`;
}

/** Calendar date-time for µs since epoch, as std::format("%Y-%m-%dT%H:%M:%S") prints microsecond times. */
function formatDateTime(us: bigint): string {
  const days = floorDiv(us, US_PER_DAY);
  return `${formatDate(Number(days))}T${formatTimeOfDay(us - days * US_PER_DAY)}`;
}

/** Duration::ToString: P{d}DT{h}H{m}M{s}.{us}S, every part truncated toward zero and signed. */
export function formatDuration(us: bigint): string {
  let rest = us;
  const d = rest / US_PER_DAY; rest -= d * US_PER_DAY;
  const h = rest / 3_600_000_000n; rest -= h * 3_600_000_000n;
  const m = rest / 60_000_000n; rest -= m * 60_000_000n;
  const s = rest / US_PER_SEC; rest -= s * US_PER_SEC;
  const frac = pad(rest < 0n ? -rest : rest, 6);
  const minus = s === 0n && rest < 0n ? '-' : '';
  return `P${d}DT${h}H${m}M${minus}${s}.${frac}S`;
}

function renderTemporal(v: TemporalValue): string {
  switch (v.type) {
    case 'Date': return `DATE("${formatDate(Number(v.micros))}")`;
    case 'LocalTime': return `LOCALTIME("${formatTimeOfDay(v.micros)}")`;
    // Memgraph prints a LocalDateTime in the server's --timezone; rendered here for the default (UTC).
    case 'LocalDateTime': return `LOCALDATETIME("${formatDateTime(v.micros)}")`;
    case 'Duration': return `DURATION("${formatDuration(v.micros)}")`;
  }
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** UTC offset in minutes of an IANA zone at a UTC instant (ms), from the platform's tz database. */
export function zoneOffsetMinutes(zone: string, utcMs: number): number {
  let fmt = zoneFormatters.get(zone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
    zoneFormatters.set(zone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  let year = Number(parts['year']);
  if (parts['era'] === 'BC' || parts['era'] === 'B') year = 1 - year;
  const localDays = daysFromCivil(year, Number(parts['month']), Number(parts['day']));
  const localMs = localDays * 86_400_000 + (Number(parts['hour']) * 3600 + Number(parts['minute']) * 60 + Number(parts['second'])) * 1000;
  const utcWholeSec = Math.floor(utcMs / 1000) * 1000;
  return Math.round((localMs - utcWholeSec) / 60_000);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** ZonedDateTime::ToString: local time, %Ez offset, then [Zone] for tz-database zones. */
export function formatZonedDateTime(v: ZonedDateTimeValue): string {
  if ('name' in v.zone) {
    let offset: number;
    try {
      offset = zoneOffsetMinutes(v.zone.name, Number(floorDiv(v.micros, 1000n)));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new MgBackupError('unsupportedVersion', `unknown time zone ${q(v.zone.name)} in a DATETIME value`, {
        hints: ['this Node.js build has no tz data for that zone; use a Node.js with full ICU (the default build)'],
      });
    }
    const local = v.micros + BigInt(offset) * 60_000_000n;
    return `${formatDateTime(local)}${formatOffset(offset)}[${v.zone.name}]`;
  }
  const local = v.micros + BigInt(v.zone.offsetMinutes) * 60_000_000n;
  return `${formatDateTime(local)}${formatOffset(v.zone.offsetMinutes)}`;
}
