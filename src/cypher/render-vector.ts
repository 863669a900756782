// Vertex properties held by a vector index, printed as DUMP prints them: the index keeps float32 (or
// f16) components and `os << float` prints 6 significant digits, which is lossy.
import type { SchemaItem } from '../graph/model.js';
import type { Value } from '../graph/value.js';
import { formatG } from './render-value.js';

export type VectorScalar = 'f32' | 'f16';
export interface VectorIndexed { labels: string[]; mode: 'or' | 'and'; property: string; scalar: VectorScalar }

export function vectorIndexed(schema: SchemaItem[]): VectorIndexed[] {
  const out: VectorIndexed[] = [];
  for (const item of schema) {
    if (item.kind !== 'vectorIndex') continue;
    out.push({
      labels: item.labels,
      mode: item.labelMode ?? 'or',
      property: item.property,
      scalar: item.config.scalarKind === 'f16' ? 'f16' : 'f32',
    });
  }
  return out;
}

export function vectorScalarFor(indexed: VectorIndexed[], labels: string[], property: string): VectorScalar | undefined {
  for (const ix of indexed) {
    if (ix.property !== property) continue;
    const match = ix.labels.length === 0
      || (ix.mode === 'and' ? ix.labels.every((l) => labels.includes(l)) : ix.labels.some((l) => labels.includes(l)));
    if (match) return ix.scalar;
  }
  return undefined;
}

/** Nearest IEEE half-precision value (round half to even), as a double. */
export function f16round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Infinity;
  let e = Math.max(Math.floor(Math.log2(a)), -14);
  if (2 ** e > a && e > -14) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  const quantum = 2 ** (e - 10);
  const scaled = a / quantum;
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 === 1) r -= 1;
  return sign * r * quantum;
}

/** The vector read back from the index is float; `os << float` prints 6 significant digits. */
export function renderVector(list: Value[], scalar: VectorScalar): string {
  const items = list.map((item) => {
    const n = typeof item === 'bigint' ? Number(item) : typeof item === 'number' ? item : NaN;
    const rounded = scalar === 'f16' ? f16round(Math.fround(n)) : Math.fround(n);
    return formatG(rounded, 6);
  });
  return `[${items.join(', ')}]`;
}
