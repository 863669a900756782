// Test support only. Converts the project's graph Value to and from PackStream the way Memgraph's Bolt
// encoder/decoder does (src/communication/bolt/v1/encoder/base_encoder.hpp:215-300,
// decoder/decoder.hpp:576-790), including the Bolt 4 "legacy" DateTime structs and the enum map
// (src/glue/communication.cpp:242-251, src/communication/bolt/v1/mg_types.hpp).
import type { Value, TemporalValue, ZonedDateTimeValue, PointValue, EnumValue } from '../../src/graph/value.js';
import { isStructValue } from '../../src/graph/value.js';
import { Struct, type PackValue } from './packstream.js';

export const SIG = {
  Date: 0x44,
  Duration: 0x45,
  LocalDateTime: 0x64,
  LocalTime: 0x74,
  DateTime: 0x49,
  DateTimeZoneId: 0x69,
  LegacyDateTime: 0x46,
  LegacyDateTimeZoneId: 0x66,
  Point2d: 0x58,
  Point3d: 0x59,
} as const;

const US_PER_S = 1_000_000n;
const US_PER_DAY = 86_400n * US_PER_S;
// decoder.hpp ReadDuration adds std::chrono::months, whose length is the average Gregorian month.
const US_PER_MONTH = 2_629_746n * US_PER_S;

/** Raised for a parameter Memgraph's decoder would refuse; the server answers it like a bad message. */
export class ValueConversionError extends Error {}

/** Value -> PackStream for a connection speaking Bolt `major`. */
export function toPack(v: Value, major: number): PackValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string') {
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toPack(x, major));
  if (v instanceof Map) {
    const m = new Map<string, PackValue>();
    for (const [k, x] of v) m.set(k, toPack(x, major));
    return m;
  }
  if (!isStructValue(v)) throw new ValueConversionError(`unsupported value ${String(v)}`);
  switch (v.kind) {
    case 'temporal': return temporalToPack(v);
    case 'zoned': return zonedToPack(v, major);
    case 'point': return pointToPack(v);
    case 'enum':
      // communication.cpp:242-251: enums travel as {__type: "mg_enum", __value: "Type::Value"}.
      return new Map<string, PackValue>([['__type', 'mg_enum'], ['__value', `${v.type}::${v.value}`]]);
  }
}

function temporalToPack(v: TemporalValue): Struct {
  const us = v.micros;
  switch (v.type) {
    case 'Date':
      return new Struct(SIG.Date, [us]);
    case 'LocalTime':
      return new Struct(SIG.LocalTime, [us * 1000n]);
    case 'LocalDateTime': {
      // base_encoder.hpp WriteLocalDateTime: seconds and sub-second nanos, both truncated toward zero.
      const secs = us / US_PER_S;
      return new Struct(SIG.LocalDateTime, [secs, (us - secs * US_PER_S) * 1000n]);
    }
    case 'Duration': {
      // base_encoder.hpp WriteDuration: months are always 0; days, seconds, nanos truncate toward zero.
      const days = us / US_PER_DAY;
      const rest = us - days * US_PER_DAY;
      const secs = rest / US_PER_S;
      return new Struct(SIG.Duration, [0n, days, secs, (rest - secs * US_PER_S) * 1000n]);
    }
  }
}

function zonedToPack(v: ZonedDateTimeValue, major: number): Struct {
  const secs = v.micros / US_PER_S;
  const nanos = (v.micros - secs * US_PER_S) * 1000n;
  const named = 'name' in v.zone;
  if (major > 4) {
    // WriteV5ZonedDateTime: UTC seconds plus zone id or offset seconds.
    return named
      ? new Struct(SIG.DateTimeZoneId, [secs, nanos, (v.zone as { name: string }).name])
      : new Struct(SIG.DateTime, [secs, nanos, BigInt((v.zone as { offsetMinutes: number }).offsetMinutes * 60)]);
  }
  // WriteLegacyZonedDateTime: seconds are local wall-clock time (UTC + offset).
  const offsetSecs = named
    ? zoneOffsetSeconds((v.zone as { name: string }).name, v.micros / 1000n)
    : (v.zone as { offsetMinutes: number }).offsetMinutes * 60;
  const local = secs + BigInt(offsetSecs);
  return named
    ? new Struct(SIG.LegacyDateTimeZoneId, [local, nanos, (v.zone as { name: string }).name])
    : new Struct(SIG.LegacyDateTime, [local, nanos, BigInt(offsetSecs)]);
}

function pointToPack(v: PointValue): Struct {
  if (v.z === undefined) return new Struct(SIG.Point2d, [BigInt(v.srid), v.x, v.y]);
  return new Struct(SIG.Point3d, [BigInt(v.srid), v.x, v.y, v.z]);
}

/** PackStream -> Value, as RUN parameters are decoded (decoder.hpp ReadValue + communication.cpp). */
export function fromPack(p: PackValue, major: number): Value {
  if (p === null || typeof p === 'boolean' || typeof p === 'bigint' || typeof p === 'number' || typeof p === 'string') {
    return p;
  }
  if (p instanceof Uint8Array) throw new ValueConversionError('byte arrays are not supported');
  if (Array.isArray(p)) return p.map((x) => fromPack(x, major));
  if (p instanceof Map) {
    // mg_types.cpp BoltMapToMgTypeInfo: a map with string __type "mg_enum" and string __value is an enum.
    const t = p.get('__type');
    const val = p.get('__value');
    if (t === 'mg_enum' && typeof val === 'string') return enumFromString(val);
    const m = new Map<string, Value>();
    for (const [k, x] of p) m.set(k, fromPack(x, major));
    return m;
  }
  return structFromPack(p, major);
}

function enumFromString(s: string): EnumValue {
  const at = s.indexOf('::');
  if (at < 0) throw new ValueConversionError(`enum value ${JSON.stringify(s)} is not of the form Type::Value`);
  return { kind: 'enum', type: s.slice(0, at), value: s.slice(at + 2) };
}

function ints(s: Struct, n: number): bigint[] {
  if (s.fields.length < n) throw new ValueConversionError(`struct 0x${s.signature.toString(16)} is too short`);
  return s.fields.slice(0, n).map((f) => {
    if (typeof f !== 'bigint') throw new ValueConversionError(`struct 0x${s.signature.toString(16)} wants integers`);
    return f;
  });
}

function float(f: PackValue | undefined): number {
  if (typeof f !== 'number') throw new ValueConversionError('point coordinates must be floats');
  return f;
}

function structFromPack(s: Struct, major: number): Value {
  const temporal = (type: TemporalValue['type'], micros: bigint): TemporalValue => ({ kind: 'temporal', type, micros });
  switch (s.signature) {
    case SIG.Date: return temporal('Date', ints(s, 1)[0]!);
    case SIG.LocalTime: return temporal('LocalTime', ints(s, 1)[0]! / 1000n);
    case SIG.LocalDateTime: {
      const [secs, nanos] = ints(s, 2) as [bigint, bigint];
      return temporal('LocalDateTime', secs * US_PER_S + nanos / 1000n);
    }
    case SIG.Duration: {
      const [months, days, secs, nanos] = ints(s, 4) as [bigint, bigint, bigint, bigint];
      return temporal('Duration', months * US_PER_MONTH + days * US_PER_DAY + secs * US_PER_S + nanos / 1000n);
    }
    case SIG.DateTime:
    case SIG.LegacyDateTime: {
      if (s.signature === SIG.LegacyDateTime && major > 4) break; // decoder.hpp:138-141
      const [secs, nanos, offset] = ints(s, 3) as [bigint, bigint, bigint];
      const offsetMinutes = Number(offset / 60n); // "highest precision ... for timezone offsets is minutes"
      const local = s.signature === SIG.LegacyDateTime;
      const micros = secs * US_PER_S + nanos / 1000n - (local ? BigInt(offsetMinutes) * 60n * US_PER_S : 0n);
      return { kind: 'zoned', micros, zone: { offsetMinutes } } satisfies ZonedDateTimeValue;
    }
    case SIG.DateTimeZoneId:
    case SIG.LegacyDateTimeZoneId: {
      if (s.signature === SIG.LegacyDateTimeZoneId && major > 4) break;
      const [secs, nanos] = ints(s, 2) as [bigint, bigint];
      const name = s.fields[2];
      if (typeof name !== 'string') throw new ValueConversionError('zone id must be a string');
      let micros = secs * US_PER_S + nanos / 1000n;
      if (s.signature === SIG.LegacyDateTimeZoneId) micros = localToUtcMicros(micros, name);
      return { kind: 'zoned', micros, zone: { name } } satisfies ZonedDateTimeValue;
    }
    case SIG.Point2d:
    case SIG.Point3d: {
      const srid = Number(ints(s, 1)[0]);
      const is3d = s.signature === SIG.Point3d;
      // decoder.hpp ReadPoint2d/3d: the SRID must name a CRS of the right dimension.
      if (!(is3d ? [9157, 4979] : [7203, 4326]).includes(srid)) {
        throw new ValueConversionError(`srid ${srid} is not a ${is3d ? '3d' : '2d'} coordinate system`);
      }
      const point: PointValue = is3d
        ? { kind: 'point', srid, x: float(s.fields[1]), y: float(s.fields[2]), z: float(s.fields[3]) }
        : { kind: 'point', srid, x: float(s.fields[1]), y: float(s.fields[2]) };
      return point;
    }
  }
  throw new ValueConversionError(`struct 0x${s.signature.toString(16)} is not supported as a parameter`);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of an IANA zone at a UTC instant, in seconds (what the tz database says). */
export function zoneOffsetSeconds(zone: string, utcMillis: bigint): number {
  let fmt = offsetFormatters.get(zone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    } catch {
      throw new ValueConversionError(`unknown time zone ${JSON.stringify(zone)}`);
    }
    offsetFormatters.set(zone, fmt);
  }
  const part = fmt.formatToParts(new Date(Number(utcMillis))).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(part);
  if (!m) return 0;
  const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -secs : secs;
}

function localToUtcMicros(localMicros: bigint, zone: string): bigint {
  // Two passes settle the offset except inside a DST gap, which is good enough for a test server.
  let offset = zoneOffsetSeconds(zone, localMicros / 1000n);
  offset = zoneOffsetSeconds(zone, (localMicros - BigInt(offset) * US_PER_S) / 1000n);
  return localMicros - BigInt(offset) * US_PER_S;
}
