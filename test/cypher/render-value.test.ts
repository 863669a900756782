import test from 'ava';
import { writeG17 } from '../../src/cypher/render-float-bytes.js';
import { formatG, formatShortest, renderFloatExact, renderName, renderValue } from '../../src/cypher/render-value.js';
import type { Value } from '../../src/graph/value.js';

const date = (y: number, m: number, d: number): bigint => BigInt(Date.UTC(y, m - 1, d) / 86_400_000);
const utcMicros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

test('scalars print as DUMP prints them', (t) => {
  t.is(renderValue(null), 'Null');
  t.is(renderValue(true), 'true');
  t.is(renderValue(false), 'false');
  t.is(renderValue(-42n), '-42');
  t.is(renderValue(9223372036854775807n), '9223372036854775807');
});

test('floats follow %.17g', (t) => {
  t.is(renderValue(3), '3');
  t.is(renderValue(0.1), '0.10000000000000001');
  t.is(renderValue(1e20), '1e+20');
  t.is(renderValue(-1.341), '-1.341');
  t.is(renderValue(1e16), '10000000000000000');
  t.is(renderValue(1e17), '1e+17');
  t.is(renderValue(0.0001), '0.0001');
  t.is(renderValue(0.00001), '1.0000000000000001e-05');
  t.is(renderValue(-0), '-0');
  t.is(renderValue(5e-324), '4.9406564584124654e-324');
  t.is(renderValue(Infinity), 'inf');
  t.is(renderValue(NaN), 'nan');
});

test('%.17g rounds the exact binary value half-to-even', (t) => {
  // 0.5 and 2.5 at precision 0 digits after the point: exact ties in binary.
  t.is(formatG(2.5, 1), '2');
  t.is(formatG(3.5, 1), '4');
  t.is(formatG(0.125, 2), '0.12');
  t.is(formatG(999999.5, 6), '1e+06');
  t.is(formatG(123456.5, 6), '123456');
});

test('exact mode keeps float-ness and spells non-finite values as expressions', (t) => {
  t.is(renderValue(3, { exact: true }), '3.0');
  t.is(renderValue(-0, { exact: true }), '-0.0');
  t.is(renderValue(1e20, { exact: true }), '1e20'); // Memgraph's lexer has no `e+`
  t.is(renderValue(2 ** -20, { exact: true }), '9.5367431640625e-07');
  t.is(renderValue(0.5, { exact: true }), '0.5');
  t.is(renderValue(Infinity, { exact: true }), '1.0/0.0');
  t.is(renderValue(-Infinity, { exact: true }), '-1.0/0.0');
  t.is(renderValue(NaN, { exact: true }), '0.0/0.0');
  t.is(renderValue([1, 2n], { exact: true }), '[1.0, 2]');
});

test('strings escape exactly what utils::Escape escapes', (t) => {
  t.is(renderValue('joj'), '"joj"');
  t.is(renderValue('a"b\'c\\d'), '"a\\"b\\\'c\\\\d"');
  t.is(renderValue('\b\f\n\r\t'), '"\\b\\f\\n\\r\\t"');
  t.is(renderValue('\u0001 ž 😀 ; , `'), '"\u0001 ž 😀 ; , `"');
});

test('names are back-quoted with backticks doubled', (t) => {
  t.is(renderName('label'), '`label`');
  t.is(renderName('we`ird'), '`we``ird`');
  t.is(renderName(''), '``');
});

test('lists and maps; nested map keys in byte order', (t) => {
  const v: Value = ['kaj', 2n, null, new Map<string, Value>([['prop4', -1.341]])];
  t.is(renderValue(v), '["kaj", 2, Null, {`prop4`: -1.341}]');
  const m = new Map<string, Value>([['b', 1n], ['a', new Map<string, Value>([['ž', 1n], ['z', 2n], ['Z', 3n]])]]);
  t.is(renderValue(m), '{`a`: {`Z`: 3, `z`: 2, `ž`: 1}, `b`: 1}');
  t.is(renderValue([]), '[]');
  t.is(renderValue(new Map()), '{}');
});

test('temporals', (t) => {
  t.is(renderValue({ kind: 'temporal', type: 'Date', micros: date(1994, 12, 7) }), 'DATE("1994-12-07")');
  t.is(renderValue({ kind: 'temporal', type: 'Date', micros: -719162n }), 'DATE("0001-01-01")');
  t.is(renderValue({ kind: 'temporal', type: 'LocalTime', micros: 51_044_099_099n }), 'LOCALTIME("14:10:44.099099")');
  t.is(renderValue({ kind: 'temporal', type: 'LocalTime', micros: 0n }), 'LOCALTIME("00:00:00.000000")');
  t.is(
    renderValue({ kind: 'temporal', type: 'LocalDateTime', micros: utcMicros('1994-12-07T14:10:44.099Z') + 99n }),
    'LOCALDATETIME("1994-12-07T14:10:44.099099")',
  );
  t.is(
    renderValue({ kind: 'temporal', type: 'LocalDateTime', micros: utcMicros('1969-12-31T23:59:59.500Z') }),
    'LOCALDATETIME("1969-12-31T23:59:59.500000")',
  );
  const dur = ((3n * 24n + 4n) * 3600n + 5n * 60n + 6n) * 1_000_000n + 10_011n;
  t.is(renderValue({ kind: 'temporal', type: 'Duration', micros: dur }), 'DURATION("P3DT4H5M6.010011S")');
  t.is(renderValue({ kind: 'temporal', type: 'Duration', micros: -1_500_000n }), 'DURATION("P0DT0H0M-1.500000S")');
  t.is(renderValue({ kind: 'temporal', type: 'Duration', micros: -500_000n }), 'DURATION("P0DT0H0M-0.500000S")');
  t.is(renderValue({ kind: 'temporal', type: 'Duration', micros: -90_000_000n }), 'DURATION("P0DT0H-1M-30.000000S")');
});

test('zoned date-times: named zones carry the offset in force and the name, fixed offsets only the offset', (t) => {
  const micros = utcMicros('1994-12-07T14:10:44.099Z') + 99n;
  t.is(
    renderValue({ kind: 'zoned', micros, zone: { name: 'America/Los_Angeles' } }),
    'DATETIME("1994-12-07T06:10:44.099099-08:00[America/Los_Angeles]")',
  );
  const summer = utcMicros('2021-07-01T12:00:00Z');
  t.is(renderValue({ kind: 'zoned', micros: summer, zone: { name: 'Europe/Zagreb' } }), 'DATETIME("2021-07-01T14:00:00.000000+02:00[Europe/Zagreb]")');
  t.is(renderValue({ kind: 'zoned', micros: summer, zone: { offsetMinutes: 330 } }), 'DATETIME("2021-07-01T17:30:00.000000+05:30")');
  t.is(renderValue({ kind: 'zoned', micros: summer, zone: { offsetMinutes: 0 } }), 'DATETIME("2021-07-01T12:00:00.000000+00:00")');
  t.is(renderValue({ kind: 'zoned', micros: summer, zone: { offsetMinutes: -90 } }), 'DATETIME("2021-07-01T10:30:00.000000-01:30")');
});

test('points use fmt shortest coordinates', (t) => {
  t.is(renderValue({ kind: 'point', srid: 4326, x: -73.93, y: 40.73 }), 'POINT({ x:-73.93, y:40.73, srid: 4326 })');
  t.is(renderValue({ kind: 'point', srid: 9157, x: 0, y: 1, z: 2 }), 'POINT({ x:0, y:1, z:2, srid: 9157 })');
  t.is(formatShortest(1e16), '1e+16');
  t.is(formatShortest(1e15), '1000000000000000');
  t.is(formatShortest(0.00001), '1e-05');
  t.is(formatShortest(0.1), '0.1');
});

test('enums print as Type::Value', (t) => {
  t.is(renderValue({ kind: 'enum', type: 'Status', value: 'ACTIVE' }), 'Status::ACTIVE');
});

test('an unknown zone name is a typed error', (t) => {
  t.throws(() => renderValue({ kind: 'zoned', micros: 0n, zone: { name: 'No/Such_Zone' } }), { message: /unknown time zone "No\/Such_Zone"/ });
});

/** printf's %.{p}g from the exact decimal expansion of x (BigInt), rounded half to even: an oracle. */
function printfG(x: number, p: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  const e2 = (biased === 0 ? 1 : biased) - 1075;
  const digits = e2 >= 0 ? (mant << BigInt(e2)).toString() : (mant * 5n ** BigInt(-e2)).toString();
  let exp10 = digits.length - 1 - (e2 >= 0 ? 0 : -e2);
  let kept = BigInt(digits.slice(0, p).padEnd(p, '0'));
  const rest = digits.slice(p);
  const half = rest === '' ? -1 : rest[0]! > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1))) ? 1 : rest[0] === '5' ? 0 : -1;
  if (half > 0 || (half === 0 && kept % 2n === 1n)) kept += 1n;
  let k = kept.toString();
  if (k.length > p) { k = k.slice(0, p); exp10++; }
  const strip = (s: string) => s.replace(/0+$/, '');
  if (exp10 < -4 || exp10 >= p) {
    const frac = strip(k.slice(1));
    return `${sign}${k[0]}${frac ? '.' + frac : ''}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
  }
  if (exp10 >= 0) {
    const frac = strip(k.slice(exp10 + 1));
    return `${sign}${k.slice(0, exp10 + 1)}${frac ? '.' + frac : ''}`;
  }
  return `${sign}0.${strip('0'.repeat(-exp10 - 1) + k)}`;
}

test('%g agrees with an exact-decimal oracle on random doubles at every magnitude', (t) => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const xs = [0.0001, 0.00001, 0.000099999999999999991, 9.5, 0.5, 1e16, 1e17, 2 ** 53 + 2, 123456.5, 0.125, 5e-324, 1e-7, 999999.5];
  for (let i = 0; i < 20_000; i++) {
    const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 50 - 25);
    xs.push(x, Math.round(x * 1000) / 1000, Math.round(x) / 8, Number(x.toPrecision(1 + Math.floor(rand() * 16))));
  }
  let checked = 0;
  for (const x of xs) {
    for (const p of [17, 16, 15, 6, 3, 1]) {
      const want = printfG(x, p);
      if (formatG(x, p) !== want) t.is(formatG(x, p), want, `formatG(${x}, ${p})`);
      checked++;
    }
  }
  t.is(checked, xs.length * 6);
  t.is(printfG(0.1, 17), '0.10000000000000001');
  t.is(printfG(2.5, 1), '2');
});

test('writeG17 writes the bytes of %.17g (and of exact mode) or declines, next to powers of ten and at ties too', (t) => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const xs = [1 / 3, 0.1, 1e16, 1e17, 99999999999999990, 1e16 - 2, 0.0001, 0.00009999999999999999, 123456.5, 2 ** 53 + 2, 7, 0.5, 1e-5, -0, 0, NaN, Infinity];
  for (let e = -5; e <= 17; e++) {
    for (let d = -3; d <= 3; d++) xs.push(Number(`1e${e}`) * (1 + d * Number.EPSILON), Number(`1e${e}`) + d);
  }
  for (let i = 0; i < 20_000; i++) {
    const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 24 - 6);
    xs.push(x, Math.round(x * 1000) / 1000, Math.round(x) / 8, Math.round(x) + 0.5, Number(x.toPrecision(1 + Math.floor(rand() * 17))));
  }
  const buf = new Uint8Array(32);
  let fast = 0;
  for (const x of xs) {
    for (const exact of [false, true]) {
      const end = writeG17(x, exact, buf, 3);
      if (end < 0) continue;
      fast++;
      const got = Buffer.from(buf.subarray(3, end)).toString('latin1');
      const want = exact ? renderFloatExact(x) : printfG(x, 17);
      if (got !== want) t.is(got, want, `writeG17(${x}, ${exact})`);
    }
  }
  // The fast path must carry the common values, or convert falls back to strings for all of them.
  t.true(fast > xs.length, `${fast} of ${2 * xs.length} written directly`);
  for (const x of [1 / 3, 0.1, 12.5, -2 / 7, 0.0001]) t.true(writeG17(x, false, buf, 0) > 0, `${x} takes the fast path`);
  for (const x of [0, NaN, -Infinity, 1e17, 1e-5]) t.is(writeG17(x, false, buf, 0), -1, `${x} declined`);
});
