// Byte writer for the test encoder: the exact mirror of src/format/reader.ts and property-value.ts.
import type { Value } from '../../src/graph/value.js';
import { Marker, TEMPORAL_TYPES } from '../../src/format/markers.js';
import { daysToMicros } from '../../src/format/property-value.js';

const utf8 = new TextEncoder();

export type EnumIds = (type: string, value: string) => [bigint, bigint];

export class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  raw(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(b: number): void {
    this.grow(1);
    this.buf[this.pos++] = b;
  }

  rawU64(v: bigint | number): void {
    this.grow(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, BigInt(v)), true);
    this.pos += 8;
  }

  patchU64(at: number, v: bigint | number): void {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
  }

  rawF64(v: number): void {
    this.grow(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  uint(v: bigint | number): void {
    this.byte(Marker.TYPE_INT);
    this.rawU64(v);
  }

  double(v: number): void {
    this.byte(Marker.TYPE_DOUBLE);
    this.rawF64(v);
  }

  bool(v: boolean): void {
    this.byte(Marker.TYPE_BOOL);
    this.byte(v ? Marker.VALUE_TRUE : Marker.VALUE_FALSE);
  }

  rawString(s: string): void {
    const b = utf8.encode(s);
    this.rawU64(b.length);
    this.raw(b);
  }

  string(s: string): void {
    this.byte(Marker.TYPE_STRING);
    this.rawString(s);
  }

  strings(xs: readonly string[]): void {
    this.uint(xs.length);
    for (const x of xs) this.string(x);
  }

  /** `17` + inner value, as Memgraph's Encoder::WritePropertyValue writes it. */
  value(v: Value, enumIds: EnumIds): void {
    this.byte(Marker.TYPE_PROPERTY_VALUE);
    if (v === null) return this.byte(Marker.TYPE_NULL);
    switch (typeof v) {
      case 'boolean':
        this.byte(Marker.TYPE_BOOL);
        return this.byte(v ? Marker.VALUE_TRUE : Marker.VALUE_FALSE);
      case 'bigint':
        this.byte(Marker.TYPE_INT);
        return this.rawU64(v);
      case 'number':
        this.byte(Marker.TYPE_DOUBLE);
        return this.rawF64(v);
      case 'string':
        this.byte(Marker.TYPE_STRING);
        return this.rawString(v);
      default:
        break;
    }
    if (Array.isArray(v)) {
      this.byte(Marker.TYPE_LIST);
      this.rawU64(v.length);
      for (const x of v) this.value(x, enumIds);
      return;
    }
    if (v instanceof Map) {
      this.byte(Marker.TYPE_MAP);
      this.rawU64(v.size);
      for (const [k, x] of v) {
        this.string(k);
        this.value(x, enumIds);
      }
      return;
    }
    switch (v.kind) {
      case 'temporal':
        this.byte(Marker.TYPE_TEMPORAL_DATA);
        this.uint(TEMPORAL_TYPES.indexOf(v.type));
        return this.uint(v.type === 'Date' ? daysToMicros(v.micros) : v.micros);
      case 'zoned':
        this.byte(Marker.TYPE_ZONED_TEMPORAL_DATA);
        this.uint(0);
        this.uint(v.micros);
        if ('name' in v.zone) this.string(v.zone.name);
        else this.uint(v.zone.offsetMinutes);
        return;
      case 'point':
        this.byte(v.z === undefined ? Marker.TYPE_POINT_2D : Marker.TYPE_POINT_3D);
        this.uint(v.srid);
        this.double(v.x);
        this.double(v.y);
        if (v.z !== undefined) this.double(v.z);
        return;
      case 'enum': {
        const [t, x] = enumIds(v.type, v.value);
        this.byte(Marker.TYPE_ENUM);
        this.rawU64(t);
        return this.rawU64(x);
      }
    }
  }
}
