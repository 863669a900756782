// Conversion between mgbackup's Value model and neo4j-driver's types. Integers travel as driver
// Integers (never JS floats), so a dump's 3 and 3.0 keep their types across Bolt.
import neo4j from 'neo4j-driver';
import type { Value } from '../graph/value.js';
import { MgBackupError } from '../errors/errors.js';

const { types } = neo4j;
const US_PER_DAY = 86_400_000_000n;

function big(n: unknown): bigint {
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number') return BigInt(n);
  if (neo4j.isInt(n)) return BigInt((n as { toString(): string }).toString());
  throw new MgBackupError('internal', `unexpected numeric value ${JSON.stringify(String(n))} from the driver`);
}

function floorDiv(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b;
  let r = a % b;
  if (r < 0n) { q -= 1n; r += b; }
  return [q, r];
}

function civilFromDays(days: bigint): { year: number; month: number; day: number } {
  const d = new Date(Number(days) * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function daysFromCivil(year: number, month: number, day: number): bigint {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return BigInt(Math.round(d.getTime() / 86_400_000));
}

function timeParts(micros: bigint) {
  const [s, us] = floorDiv(micros, 1_000_000n);
  return {
    hour: Number(s / 3600n),
    minute: Number((s / 60n) % 60n),
    second: Number(s % 60n),
    nanosecond: Number(us) * 1000,
  };
}

/** Local wall-clock fields of a UTC instant in an IANA zone, via Intl (full ICU ships with Node). */
function offsetSecondsAt(utcMs: number, zone: string): number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 1000);
}

export function toDriverValue(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return neo4j.int(v.toString());
  if (Array.isArray(v)) return v.map(toDriverValue);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toDriverValue(x);
    return o;
  }
  switch (v.kind) {
    case 'point':
      return v.z === undefined
        ? new types.Point(neo4j.int(v.srid), v.x, v.y)
        : new types.Point(neo4j.int(v.srid), v.x, v.y, v.z);
    case 'enum':
      throw new MgBackupError('internal', `enum value ${v.type}::${v.value} cannot be sent as a Bolt parameter`);
    case 'temporal': {
      if (v.type === 'Date') {
        const c = civilFromDays(v.micros);
        return new types.Date(c.year, c.month, c.day);
      }
      if (v.type === 'LocalTime') {
        const t = timeParts(v.micros);
        return new types.LocalTime(t.hour, t.minute, t.second, t.nanosecond);
      }
      if (v.type === 'LocalDateTime') {
        const [days, rest] = floorDiv(v.micros, US_PER_DAY);
        const c = civilFromDays(days);
        const t = timeParts(rest);
        return new types.LocalDateTime(c.year, c.month, c.day, t.hour, t.minute, t.second, t.nanosecond);
      }
      const [s, us] = floorDiv(v.micros, 1_000_000n);
      return new types.Duration(neo4j.int(0), neo4j.int(0), neo4j.int(s.toString()), neo4j.int(Number(us) * 1000));
    }
    case 'zoned': {
      const offset = 'offsetMinutes' in v.zone
        ? v.zone.offsetMinutes * 60
        : offsetSecondsAt(Number(v.micros / 1000n), v.zone.name);
      const local = v.micros + BigInt(offset) * 1_000_000n;
      const [days, rest] = floorDiv(local, US_PER_DAY);
      const c = civilFromDays(days);
      const t = timeParts(rest);
      return 'offsetMinutes' in v.zone
        ? new types.DateTime(c.year, c.month, c.day, t.hour, t.minute, t.second, t.nanosecond, offset)
        : new types.DateTime(c.year, c.month, c.day, t.hour, t.minute, t.second, t.nanosecond, offset, v.zone.name);
    }
  }
}

export function fromDriverValue(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'boolean' || typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint') return x;
  if (neo4j.isInt(x)) return big(x);
  if (Array.isArray(x)) return x.map(fromDriverValue);
  if (neo4j.isPoint(x)) {
    const p = x as unknown as { srid: unknown; x: number; y: number; z?: number };
    const base = { kind: 'point' as const, srid: Number(big(p.srid)), x: p.x, y: p.y };
    return p.z === undefined ? base : { ...base, z: p.z };
  }
  if (neo4j.isDate(x)) {
    const d = x as unknown as { year: unknown; month: unknown; day: unknown };
    return { kind: 'temporal', type: 'Date', micros: daysFromCivil(Number(big(d.year)), Number(big(d.month)), Number(big(d.day))) };
  }
  const timeMicros = (t: { hour: unknown; minute: unknown; second: unknown; nanosecond: unknown }) =>
    ((big(t.hour) * 60n + big(t.minute)) * 60n + big(t.second)) * 1_000_000n + big(t.nanosecond) / 1000n;
  if (neo4j.isLocalTime(x)) return { kind: 'temporal', type: 'LocalTime', micros: timeMicros(x as never) };
  if (neo4j.isLocalDateTime(x) || neo4j.isDateTime(x)) {
    const d = x as unknown as { year: unknown; month: unknown; day: unknown; timeZoneOffsetSeconds?: unknown; timeZoneId?: string | null };
    const local = daysFromCivil(Number(big(d.year)), Number(big(d.month)), Number(big(d.day))) * US_PER_DAY + timeMicros(x as never);
    if (neo4j.isLocalDateTime(x)) return { kind: 'temporal', type: 'LocalDateTime', micros: local };
    const offset = d.timeZoneOffsetSeconds == null ? 0n : big(d.timeZoneOffsetSeconds);
    const micros = local - offset * 1_000_000n;
    return d.timeZoneId
      ? { kind: 'zoned', micros, zone: { name: d.timeZoneId } }
      : { kind: 'zoned', micros, zone: { offsetMinutes: Number(offset / 60n) } };
  }
  if (neo4j.isDuration(x)) {
    const d = x as unknown as { months: unknown; days: unknown; seconds: unknown; nanoseconds: unknown };
    const micros = (big(d.months) * 2_629_746n + big(d.days) * 86_400n + big(d.seconds)) * 1_000_000n + big(d.nanoseconds) / 1000n;
    return { kind: 'temporal', type: 'Duration', micros };
  }
  if (typeof x === 'object') {
    const m = new Map<string, Value>();
    for (const [k, y] of Object.entries(x as Record<string, unknown>)) m.set(k, fromDriverValue(y));
    return m;
  }
  throw new MgBackupError('internal', `unexpected value of type ${typeof x} from the driver`);
}
