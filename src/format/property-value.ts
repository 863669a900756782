// Property values (`PV`, research doc §2.3) in both directions' shared vocabulary: the decoder here,
// the test encoder mirrors it. Enum ids are resolved through a caller-supplied function because their
// meaning depends on the enum registry at write time (snapshot list, then WAL ENUM_* deltas).
import type { EnumValue, Value } from '../graph/value.js';
import { Marker, TEMPORAL_TYPES } from './markers.js';
import type { Reader } from './reader.js';

export type EnumResolver = (typeId: bigint, valueId: bigint, offset: number) => EnumValue;

export interface ValueContext {
  readonly version: number;
  readonly resolveEnum: EnumResolver;
  /** Called for a v32+ vector property stored without its components (they live in the index entries). */
  onEmptyVector?: ((target: Value[], indexNames: string[]) => void) | undefined;
}

const MAX_DEPTH = 256;
const MICROS_PER_DAY = 86_400_000_000n;

/** Floor division: Memgraph's Date is midnight µs since epoch, the model stores days. */
export function microsToDays(us: bigint): bigint {
  const d = us / MICROS_PER_DAY;
  return us % MICROS_PER_DAY < 0n ? d - 1n : d;
}

export function daysToMicros(days: bigint): bigint {
  return days * MICROS_PER_DAY;
}

/** `17` + inner value. */
export function readValue(r: Reader, ctx: ValueContext, depth = 0): Value {
  r.expect(Marker.TYPE_PROPERTY_VALUE, 'property value');
  if (depth > MAX_DEPTH) r.fail('property value nested too deeply');
  const at = r.pos;
  const m = r.byte('property value type');
  switch (m) {
    case Marker.TYPE_NULL:
      return null;
    case Marker.TYPE_BOOL:
      return r.rawBool();
    case Marker.TYPE_INT:
      return r.rawI64();
    case Marker.TYPE_DOUBLE:
      return r.rawF64();
    case Marker.TYPE_STRING:
      return r.rawString();
    case Marker.TYPE_LIST: {
      const n = r.rawCount('list', 2);
      const list: Value[] = new Array(n);
      for (let i = 0; i < n; i++) list[i] = readValue(r, ctx, depth + 1);
      return list;
    }
    case Marker.TYPE_MAP: {
      const n = r.rawCount('map', 11);
      const map = new Map<string, Value>();
      for (let i = 0; i < n; i++) {
        const key = r.string('map key');
        map.set(key, readValue(r, ctx, depth + 1));
      }
      return map;
    }
    case Marker.TYPE_TEMPORAL_DATA: {
      const typeAt = r.pos;
      const type = r.uint('temporal type');
      const micros = r.int('temporal value');
      const name = type < 4n ? TEMPORAL_TYPES[Number(type)] : undefined;
      if (name === undefined) r.fail(`unknown temporal type ${type}`, typeAt);
      return { kind: 'temporal', type: name, micros: name === 'Date' ? microsToDays(micros) : micros };
    }
    case Marker.TYPE_ZONED_TEMPORAL_DATA: {
      const typeAt = r.pos;
      const type = r.uint('zoned temporal type');
      if (type !== 0n) r.fail(`unknown zoned temporal type ${type}`, typeAt);
      const micros = r.int('zoned datetime');
      if (r.peek() === Marker.TYPE_STRING) return { kind: 'zoned', micros, zone: { name: r.string('timezone') } };
      const offAt = r.pos;
      const off = r.int('timezone offset');
      if (off < -1440n || off > 1440n) r.fail(`timezone offset ${off} out of range`, offAt);
      return { kind: 'zoned', micros, zone: { offsetMinutes: Number(off) } };
    }
    case Marker.TYPE_ENUM: {
      const typeId = r.rawU64('enum type id');
      const valueId = r.rawU64('enum value id');
      return ctx.resolveEnum(typeId, valueId, at);
    }
    case Marker.TYPE_POINT_2D: {
      const srid = r.num('point srid');
      return { kind: 'point', srid, x: r.double('point x'), y: r.double('point y') };
    }
    case Marker.TYPE_POINT_3D: {
      let srid = r.num('point srid');
      if (srid === 9757 && ctx.version < 21) srid = 9157;
      return { kind: 'point', srid, x: r.double('point x'), y: r.double('point y'), z: r.double('point z') };
    }
    case Marker.TYPE_VECTOR_INDEX_ID: {
      const nNames = r.rawCount('vector index names', 9);
      const names: string[] = [];
      for (let i = 0; i < nNames; i++) names.push(r.string('vector index name'));
      const n = r.rawCount('vector', 9);
      const list: Value[] = new Array(n);
      for (let i = 0; i < n; i++) list[i] = r.double('vector component');
      if (n === 0) ctx.onEmptyVector?.(list, names);
      return list;
    }
    default:
      return r.fail(`unknown property value type 0x${m.toString(16)}`, at);
  }
}

/** Passes over a `17` + inner value without building it (second passes over a section). */
export function skipValue(r: Reader, depth = 0): void {
  // Fast path for the common scalars when their bytes are loaded: 17 12|13 u64, 17 14 u64 + bytes.
  const f = r.avail(10);
  if (f >= 0 && r.bytes[f] === Marker.TYPE_PROPERTY_VALUE) {
    const m = r.bytes[f + 1];
    if (m === Marker.TYPE_INT || m === Marker.TYPE_DOUBLE) {
      r.pos += 10;
      return;
    }
    if (m === Marker.TYPE_STRING && r.bytes.readUInt32LE(f + 6) === 0) {
      const len = r.bytes.readUInt32LE(f + 2);
      if (len <= r.end - r.pos - 10) {
        r.pos += 10 + len;
        return;
      }
    }
  }
  r.expect(Marker.TYPE_PROPERTY_VALUE, 'property value');
  if (depth > MAX_DEPTH) r.fail('property value nested too deeply');
  const at = r.pos;
  const m = r.byte('property value type');
  switch (m) {
    case Marker.TYPE_NULL: return;
    case Marker.TYPE_BOOL: r.rawBool(); return;
    case Marker.TYPE_INT: case Marker.TYPE_DOUBLE: r.skip(8, 'property value'); return;
    case Marker.TYPE_STRING: r.skip(r.rawCount('string'), 'string'); return;
    case Marker.TYPE_LIST:
      for (let i = 0, n = r.rawCount('list', 2); i < n; i++) skipValue(r, depth + 1);
      return;
    case Marker.TYPE_MAP:
      for (let i = 0, n = r.rawCount('map', 11); i < n; i++) {
        r.expect(Marker.TYPE_STRING, 'map key');
        r.skip(r.rawCount('map key'), 'map key');
        skipValue(r, depth + 1);
      }
      return;
    case Marker.TYPE_TEMPORAL_DATA: r.skipUint('temporal type'); r.skipUint('temporal value'); return;
    case Marker.TYPE_ZONED_TEMPORAL_DATA:
      r.skipUint('zoned temporal type');
      r.skipUint('zoned datetime');
      if (r.peek() === Marker.TYPE_STRING) r.string('timezone');
      else r.skipUint('timezone offset');
      return;
    case Marker.TYPE_ENUM: r.skip(16, 'enum value'); return;
    case Marker.TYPE_POINT_2D: case Marker.TYPE_POINT_3D:
      r.skipUint('point srid');
      for (let i = m === Marker.TYPE_POINT_2D ? 2 : 3; i > 0; i--) r.double('point coordinate');
      return;
    case Marker.TYPE_VECTOR_INDEX_ID:
      for (let i = 0, n = r.rawCount('vector index names', 9); i < n; i++) r.string('vector index name');
      for (let i = 0, n = r.rawCount('vector', 9); i < n; i++) r.double('vector component');
      return;
    default:
      r.fail(`unknown property value type 0x${m.toString(16)}`, at);
  }
}

/**
 * Validates a `17` + inner value as readValue would, without building it (verify --deep): strings are
 * only bounds-checked, enum ids still resolve, temporal kinds and zone offsets are still checked.
 */
export function checkValue(r: Reader, ctx: ValueContext, depth = 0): void {
  r.expect(Marker.TYPE_PROPERTY_VALUE, 'property value');
  if (depth > MAX_DEPTH) r.fail('property value nested too deeply');
  const at = r.pos;
  const m = r.byte('property value type');
  switch (m) {
    case Marker.TYPE_NULL: return;
    case Marker.TYPE_BOOL: r.rawBool(); return;
    case Marker.TYPE_INT: case Marker.TYPE_DOUBLE: r.skip(8, 'property value'); return;
    case Marker.TYPE_STRING: r.skip(r.rawCount('string'), 'string'); return;
    case Marker.TYPE_LIST:
      for (let i = 0, n = r.rawCount('list', 2); i < n; i++) checkValue(r, ctx, depth + 1);
      return;
    case Marker.TYPE_MAP:
      for (let i = 0, n = r.rawCount('map', 11); i < n; i++) {
        r.expect(Marker.TYPE_STRING, 'map key');
        r.skip(r.rawCount('map key'), 'map key');
        checkValue(r, ctx, depth + 1);
      }
      return;
    case Marker.TYPE_TEMPORAL_DATA: case Marker.TYPE_ZONED_TEMPORAL_DATA: case Marker.TYPE_ENUM: case Marker.TYPE_POINT_3D: {
      // Rare kinds: the full reader's checks, from the start of the value.
      r.seek(at - 1, 'property value');
      readValue(r, ctx, depth);
      return;
    }
    case Marker.TYPE_POINT_2D:
      r.num('point srid');
      r.double('point x');
      r.double('point y');
      return;
    case Marker.TYPE_VECTOR_INDEX_ID:
      for (let i = 0, n = r.rawCount('vector index names', 9); i < n; i++) r.string('vector index name');
      for (let i = 0, n = r.rawCount('vector', 9); i < n; i++) r.double('vector component');
      return;
    default:
      r.fail(`unknown property value type 0x${m.toString(16)}`, at);
  }
}
