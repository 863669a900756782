// Property values as Memgraph stores them. Decoders produce these, the Cypher renderer prints them,
// the dump-statement parser reads them back, and the Bolt layer turns them into driver parameters.
// Integers are bigint and floats are number, so 3 and 3.0 stay distinct all the way through.

export type TemporalType = 'Date' | 'LocalTime' | 'LocalDateTime' | 'Duration';

/** Date: days since 1970-01-01; LocalTime: µs since midnight; LocalDateTime: µs since epoch (local);
 *  Duration: µs. Matches Memgraph's storage encoding (temporal.hpp). */
export interface TemporalValue {
  readonly kind: 'temporal';
  readonly type: TemporalType;
  readonly micros: bigint;
}

/** ZonedDateTime: UTC µs since epoch plus either an IANA zone name or a fixed offset in minutes. */
export interface ZonedDateTimeValue {
  readonly kind: 'zoned';
  readonly micros: bigint;
  readonly zone: { readonly name: string } | { readonly offsetMinutes: number };
}

/** srid 7203 (2d cartesian), 4326 (2d wgs84), 9157 (3d cartesian), 4979 (3d wgs84). */
export interface PointValue {
  readonly kind: 'point';
  readonly srid: number;
  readonly x: number;
  readonly y: number;
  readonly z?: number;
}

export interface EnumValue {
  readonly kind: 'enum';
  readonly type: string;
  readonly value: string;
}

export type Value =
  | null
  | boolean
  | bigint
  | number
  | string
  | Value[]
  | Map<string, Value>
  | TemporalValue
  | ZonedDateTimeValue
  | PointValue
  | EnumValue;

/** Property maps keep insertion order: Memgraph prints properties in property-id order. */
export type PropertyMap = Map<string, Value>;

export function isStructValue(v: Value): v is TemporalValue | ZonedDateTimeValue | PointValue | EnumValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map);
}
