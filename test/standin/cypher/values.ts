// Test support only. What a Cypher expression evaluates to in the stand-in: a property value, or a
// reference to a vertex or an edge bound by MATCH/CREATE.
import type { Value } from '../../../src/graph/value.js';

export class NodeRef {
  constructor(readonly gid: bigint) {}
}

export class EdgeRef {
  constructor(readonly gid: bigint) {}
}

export type Datum = Value | NodeRef | EdgeRef;

export const isRef = (d: Datum): d is NodeRef | EdgeRef => d instanceof NodeRef || d instanceof EdgeRef;

/** Equality key: 1 and 1.0 are equal in Cypher; maps compare by sorted keys. */
export function valueKey(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return 'n' + v;
    case 'number': return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'n' + BigInt(v) : 'f' + v;
    case 'string': return 's' + JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + v.map(valueKey).join(',') + ']';
  if (v instanceof Map) return '{' + [...v.keys()].sort().map((k) => JSON.stringify(k) + ':' + valueKey(v.get(k)!)).join(',') + '}';
  switch (v.kind) {
    case 'temporal': return `t${v.type}:${v.micros}`;
    case 'zoned': return `z${v.micros}:${JSON.stringify(v.zone)}`;
    case 'point': return `p${v.srid}:${v.x}:${v.y}:${v.z ?? ''}`;
    case 'enum': return `e${v.type}::${v.value}`;
  }
}

export function typeName(d: Datum): string {
  if (d instanceof NodeRef) return 'Vertex';
  if (d instanceof EdgeRef) return 'Edge';
  if (d === null) return 'null';
  switch (typeof d) {
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'double';
    case 'string': return 'string';
  }
  if (Array.isArray(d)) return 'list';
  if (d instanceof Map) return 'map';
  return d.kind;
}
