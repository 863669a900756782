// Test support only. Temporal values in the text forms Memgraph's DUMP prints (utils/temporal.cpp
// ToString of Date, LocalTime, LocalDateTime, Duration, ZonedDateTime) and the stand-in reads back in
// DATE(...), LOCALTIME(...), LOCALDATETIME(...), DURATION(...) and DATETIME(...).
import type { TemporalValue, ZonedDateTimeValue } from '../../../src/graph/value.js';

const US_SEC = 1_000_000n;
const US_MIN = 60n * US_SEC;
const US_HOUR = 60n * US_MIN;
const US_DAY = 24n * US_HOUR;

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysOf(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

export function dateOf(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const p2 = (n: number | bigint) => String(n).padStart(2, '0');

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

class TemporalError extends Error {}

function fail(what: string, text: string): never {
  throw new TemporalError(`Invalid ${what} format: ${JSON.stringify(text)}`);
}

function parseDate(text: string): number {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) fail('date', text);
  return daysOf(Number(m[1]), Number(m[2]), Number(m[3]));
}

function parseTime(text: string): bigint {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(text);
  if (!m) fail('local time', text);
  const frac = BigInt((m[4] ?? '').padEnd(6, '0') || '0');
  return BigInt(m[1]!) * US_HOUR + BigInt(m[2]!) * US_MIN + BigInt(m[3] ?? '0') * US_SEC + frac;
}

export function parseTemporal(fn: 'DATE' | 'LOCALTIME' | 'LOCALDATETIME' | 'DURATION', text: string): TemporalValue {
  switch (fn) {
    case 'DATE': return { kind: 'temporal', type: 'Date', micros: BigInt(parseDate(text)) };
    case 'LOCALTIME': return { kind: 'temporal', type: 'LocalTime', micros: parseTime(text) };
    case 'LOCALDATETIME': {
      const [d, t] = text.split('T');
      if (d === undefined || t === undefined) fail('local date time', text);
      return { kind: 'temporal', type: 'LocalDateTime', micros: BigInt(parseDate(d)) * US_DAY + parseTime(t) };
    }
    case 'DURATION': return { kind: 'temporal', type: 'Duration', micros: parseDuration(text) };
  }
}

/** P[nD][T[nH][nM][n[.f]S]], each number optionally signed (Duration::ToString writes every part). */
function parseDuration(text: string): bigint {
  const m = /^P(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,6}))?S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) fail('duration', text);
  const sign = m[4] === '-' ? -1n : 1n;
  const secs = m[5] === undefined ? 0n : sign * (BigInt(m[5]) * US_SEC + BigInt((m[6] ?? '').padEnd(6, '0') || '0'));
  return BigInt(m[1] ?? '0') * US_DAY + BigInt(m[2] ?? '0') * US_HOUR + BigInt(m[3] ?? '0') * US_MIN + secs;
}

/** DATETIME("YYYY-MM-DDThh:mm:ss.ffffff±hh:mm[Zone]") or with Z / a bare zone-less offset. */
export function parseZoned(text: string): ZonedDateTimeValue {
  const m = /^(.+?T[\d:.]+)(Z|[+-]\d{2}:?\d{2})?(?:\[([^\]]+)\])?$/.exec(text);
  if (!m || (m[2] === undefined && m[3] === undefined)) fail('zoned date time', text);
  const [d, t] = m[1]!.split('T');
  const local = BigInt(parseDate(d!)) * US_DAY + parseTime(t!);
  let offset: number;
  if (m[2] === undefined) offset = zoneOffset(m[3]!, Number(local / 1000n)); // first guess; good away from a DST switch
  else if (m[2] === 'Z') offset = 0;
  else {
    const o = /^([+-])(\d{2}):?(\d{2})$/.exec(m[2])!;
    offset = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3]));
  }
  const micros = local - BigInt(offset) * US_MIN;
  return { kind: 'zoned', micros, zone: m[3] === undefined ? { offsetMinutes: offset } : { name: m[3] } };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Offset in minutes of an IANA zone at a UTC instant (ms). */
export function zoneOffset(zone: string, utcMs: number): number {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(zone, f);
  }
  const part: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(utcMs))) part[p.type] = p.value;
  const year = part['era']?.startsWith('B') ? 1 - Number(part['year']) : Number(part['year']);
  const localSec = daysOf(year, Number(part['month']), Number(part['day'])) * 86400 +
    Number(part['hour']) * 3600 + Number(part['minute']) * 60 + Number(part['second']);
  return Math.round((localSec - Math.floor(utcMs / 1000)) / 60);
}

function dateText(days: number): string {
  const [y, m, d] = dateOf(days);
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
}

function timeText(us: bigint): string {
  const s = us / US_SEC;
  return `${p2(s / 3600n)}:${p2((s / 60n) % 60n)}:${p2(s % 60n)}.${String(us % US_SEC).padStart(6, '0')}`;
}

function dateTimeText(us: bigint): string {
  const days = floorDiv(us, US_DAY);
  return `${dateText(Number(days))}T${timeText(us - days * US_DAY)}`;
}

/** Duration::ToString: every part truncated toward zero, the sign on each. */
function durationText(us: bigint): string {
  const d = us / US_DAY;
  let r = us - d * US_DAY;
  const h = r / US_HOUR;
  r -= h * US_HOUR;
  const m = r / US_MIN;
  r -= m * US_MIN;
  const s = r / US_SEC;
  r -= s * US_SEC;
  const minus = s === 0n && r < 0n ? '-' : '';
  return `P${d}DT${h}H${m}M${minus}${s}.${String(r < 0n ? -r : r).padStart(6, '0')}S`;
}

export function temporalText(v: TemporalValue): string {
  switch (v.type) {
    case 'Date': return `DATE("${dateText(Number(v.micros))}")`;
    case 'LocalTime': return `LOCALTIME("${timeText(v.micros)}")`;
    case 'LocalDateTime': return `LOCALDATETIME("${dateTimeText(v.micros)}")`;
    case 'Duration': return `DURATION("${durationText(v.micros)}")`;
  }
}

export function zonedText(v: ZonedDateTimeValue): string {
  const offset = 'name' in v.zone ? zoneOffset(v.zone.name, Number(floorDiv(v.micros, 1000n))) : v.zone.offsetMinutes;
  const abs = Math.abs(offset);
  const off = `${offset < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
  const local = v.micros + BigInt(offset) * US_MIN;
  return `DATETIME("${dateTimeText(local)}${off}${'name' in v.zone ? `[${v.zone.name}]` : ''}")`;
}

export { TemporalError };
