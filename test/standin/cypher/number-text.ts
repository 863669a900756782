// Test support only. Doubles printed as Memgraph prints them: `os << setprecision(17) << x`
// (DumpPreciseDouble, printf %.17g), `os << float` (%g, 6 digits: vector-index values) and fmt's "{}"
// (shortest round trip: point coordinates).

/** Significant digits of |x| rounded to `p` digits half-to-even on the exact binary value, and the
 *  decimal exponent of the first digit. toPrecision rounds ties away from zero, so a tie is detected on
 *  a longer exact expansion and redone. */
function digitsOf(x: number, p: number): { digits: string; exp: number } {
  const split = (s: string) => {
    const [mant, e] = s.split('e') as [string, string];
    return { digits: mant.replace('.', '').replace('-', ''), exp: Number(e) };
  };
  const long = split(Math.abs(x).toExponential(Math.min(100, p + 30)));
  const tail = long.digits.slice(p);
  if (/^50*$/.test(tail)) {
    const kept = long.digits.slice(0, p);
    if (Number(kept[kept.length - 1]) % 2 === 0) return { digits: kept, exp: long.exp };
  }
  return split(Math.abs(x).toExponential(p - 1));
}

function layout(sign: string, digits: string, exp: number, scientific: boolean): string {
  if (scientific) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`.replace(/\.?0+$/, '');
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1).replace(/0+$/, '');
  return `${sign}${int}${frac ? '.' + frac : ''}`;
}

/** printf("%.{p}g", x). */
export function gFormat(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const { digits, exp } = digitsOf(x, p);
  return layout(sign, digits, exp, exp < -4 || exp >= p);
}

/** fmt "{}" of a double: shortest round-trip digits; exponent form below 1e-4 or from 1e16. */
export function shortestFormat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const [mant, e] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(e);
  return layout(sign, mant.replace('.', ''), exp, exp < -4 || exp >= 16);
}

/** The nearest IEEE binary16 value (ties to even), as a double: an f16 vector index stores these. */
export function toHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(-14, Math.floor(Math.log2(a)));
  const step = 2 ** (e - 10);
  const q = a / step;
  let r = Math.floor(q);
  const diff = q - r;
  if (diff > 0.5 || (diff === 0.5 && r % 2 === 1)) r += 1;
  return Math.sign(x) * r * step;
}
