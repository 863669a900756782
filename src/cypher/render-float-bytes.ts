// formatG(x, 17) (printf "%.17g", what DUMP prints for a double) written as ASCII bytes, without a
// string: convert prints millions of doubles, and toPrecision(17) plus trimming was its largest cost.
// The 17 significant digits come from an exact product instead of a decimal conversion: for 1e-4 <= x
// < 1e17, x * 10^k with k = 16 - floor(log10 x) in [0, 20] has an exact power of ten (10^k < 2^53 *
// 2^k), and Dekker's two-product splits it exactly into hi + lo, hi an integer in [1e16, 1e17) (above
// 2^53, so every double there is one). The digits are hi + lo rounded to an integer: hi plus lo
// rounded, an exact tie (|lo| ending in .5) being the only case where printf's round-half-even needs
// care; that and every other range go back to formatG (the caller's fallback).

const SPLIT = 134217729; // 2^27 + 1
const POW10: number[] = Array.from({ length: 21 }, (_, k) => 10 ** k);

/** 10^-4 .. 10^16 as doubles (the negative ones rounded: decade's answer is corrected afterwards). */
const BOUNDS: number[] = Array.from({ length: 21 }, (_, i) => Number(`1e${i - 4}`));

/**
 * floor(log10 a) for 1e-4 <= a < 1e17, off by at most one next to a power of ten (then corrected on
 * the product). A binary search over BOUNDS: Math.log10 cost more than the rest of writeG17.
 */
function decade(a: number): number {
  let lo = 0;
  let hi = 20;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a >= BOUNDS[mid]!) lo = mid;
    else hi = mid - 1;
  }
  return lo - 4;
}

/** hi and lo of the last product (module state instead of an object per call). */
let prodHi = 0;
let prodLo = 0;

/** a * b exactly as prodHi + prodLo (Dekker; no overflow or underflow in the ranges used here). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  prodHi = p;
  prodLo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** The exact product hi + lo is below 10^16 (hi itself may have rounded up to it). */
const below = (): boolean => prodHi < 1e16 || (prodHi === 1e16 && prodLo < 0);
/** The exact product is 10^17 or more. */
const above = (): boolean => prodHi > 1e17 || (prodHi === 1e17 && prodLo >= 0);

const digits = new Uint8Array(17);

/**
 * Writes formatG(x, 17) (with `exact`: renderFloatExact(x), which adds ".0" to an integral value)
 * into buf at pos, which has room for 24 bytes, and returns the new position; -1 when x is outside
 * the fast path (nothing written then).
 */
export function writeG17(x: number, exact: boolean, buf: Uint8Array, pos: number): number {
  const neg = x < 0;
  const a = neg ? -x : x;
  if (!(a >= 1e-4 && a < 1e17)) return -1;
  let e = decade(a);
  let k = 16 - e;
  if (k < 0 || k > 20) return -1;
  twoProduct(a, POW10[k]!);
  if (below()) {
    if (++k > 20) return -1;
    e--;
    twoProduct(a, POW10[k]!);
  } else if (above()) {
    if (--k < 0) return -1;
    e++;
    twoProduct(a, POW10[k]!);
  }
  if (below() || above() || e < -4) return -1;
  const hi = prodHi;
  const lo = prodLo;
  const r = Math.round(lo);
  if (Math.abs(lo - Math.trunc(lo)) === 0.5) return -1; // an exact tie: formatG rounds it half to even
  // hi + r as two halves below 10^9 and 10^8 (hi / 1e8 is inexact; the remainder corrects it).
  let upper = Math.floor(hi / 1e8);
  let lower = hi - upper * 1e8 + r;
  while (lower < 0) { lower += 1e8; upper--; }
  while (lower >= 1e8) { lower -= 1e8; upper++; }
  if (upper >= 1e9) {
    // Rounded up to 10^17: one digit more, so the exponent grows and the digits are 1 and zeros.
    upper = 1e8;
    lower = 0;
    e++;
  }
  if (e >= 17) return -1;
  // Both halves fit an int32: digits by integer division.
  let lo32 = lower | 0;
  let up32 = upper | 0;
  for (let i = 16; i >= 9; i--) {
    const q = (lo32 / 10) | 0;
    digits[i] = 48 + lo32 - q * 10;
    lo32 = q;
  }
  for (let i = 8; i >= 0; i--) {
    const q = (up32 / 10) | 0;
    digits[i] = 48 + up32 - q * 10;
    up32 = q;
  }
  let last = 16;
  while (last > 0 && digits[last] === 48) last--;
  let p = pos;
  if (neg) buf[p++] = 45;
  if (e >= 0) {
    for (let i = 0; i <= e; i++) buf[p++] = digits[i]!;
    if (last > e) {
      buf[p++] = 46;
      for (let i = e + 1; i <= last; i++) buf[p++] = digits[i]!;
    } else if (exact) {
      buf[p++] = 46;
      buf[p++] = 48;
    }
    return p;
  }
  buf[p++] = 48;
  buf[p++] = 46;
  for (let i = e + 1; i < 0; i++) buf[p++] = 48;
  for (let i = 0; i <= last; i++) buf[p++] = digits[i]!;
  return p;
}
