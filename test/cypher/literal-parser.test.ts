import test from 'ava';
import { CypherSyntaxError, parseLiteral } from '../../src/cypher/literal-parser.js';
import { renderValue } from '../../src/cypher/render-value.js';
import type { Value } from '../../src/graph/value.js';

test('scalars: ints stay bigint, anything with a point or exponent is a float', (t) => {
  t.is(parseLiteral('Null'), null);
  t.is(parseLiteral('null'), null);
  t.is(parseLiteral('TRUE'), true);
  t.is(parseLiteral('false'), false);
  t.is(parseLiteral('3'), 3n);
  t.is(parseLiteral('-42'), -42n);
  t.is(parseLiteral('9223372036854775807'), 9223372036854775807n);
  t.is(parseLiteral('0x1F'), 31n);
  t.is(parseLiteral('3.0'), 3);
  t.is(typeof parseLiteral('3.0'), 'number');
  t.is(parseLiteral('1e5'), 1e5);
  t.is(parseLiteral('.5'), 0.5);
  t.is(parseLiteral('1e+20'), 1e20);
  t.is(parseLiteral('0.10000000000000001'), 0.1);
  t.is(parseLiteral('-1.341'), -1.341);
  t.true(Object.is(parseLiteral('-0.0'), -0));
  t.is(parseLiteral('1.0/0.0'), Infinity);
  t.is(parseLiteral('-1.0/0.0'), -Infinity);
  t.true(Number.isNaN(parseLiteral('0.0/0.0')));
  t.is(parseLiteral('inf'), Infinity);
  t.is(parseLiteral('-inf'), -Infinity);
});

test('strings: every escape DUMP writes plus common hand-written ones', (t) => {
  t.is(parseLiteral('"a\\"b\\\'c\\\\d"'), 'a"b\'c\\d');
  t.is(parseLiteral('"\\b\\f\\n\\r\\t"'), '\b\f\n\r\t');
  t.is(parseLiteral("'single \"quoted\" \\' ok'"), 'single "quoted" \' ok');
  t.is(parseLiteral('"\\u00e9\\U0001F600"'), 'é😀');
  t.is(parseLiteral('"\\uD83D\\uDE00"'), '😀');
  t.is(parseLiteral('"raw ž ; , ` }"'), 'raw ž ; , ` }');
});

test('lists, maps, points, enums', (t) => {
  t.deepEqual(parseLiteral('["kaj", 2, Null, {`prop4`: -1.341}]'), ['kaj', 2n, null, new Map<string, Value>([['prop4', -1.341]])]);
  t.deepEqual(parseLiteral('{`we``ird`: 1, plain: [], `a`: {}}'), new Map<string, Value>([['we`ird', 1n], ['plain', []], ['a', new Map()]]));
  t.deepEqual(parseLiteral('POINT({ x:-73.93, y:40.73, srid: 4326 })'), { kind: 'point', srid: 4326, x: -73.93, y: 40.73 });
  t.deepEqual(parseLiteral('point({x: 0, y: 1, z: 2})'), { kind: 'point', srid: 9157, x: 0, y: 1, z: 2 });
  t.deepEqual(parseLiteral('point({longitude: 1.5, latitude: 2})'), { kind: 'point', srid: 4326, x: 1.5, y: 2 });
  t.deepEqual(parseLiteral('Status::ACTIVE'), { kind: 'enum', type: 'Status', value: 'ACTIVE' });
  t.deepEqual(parseLiteral('`My Enum`::`a b`'), { kind: 'enum', type: 'My Enum', value: 'a b' });
});

test('temporals', (t) => {
  t.deepEqual(parseLiteral('DATE("1994-12-07")'), { kind: 'temporal', type: 'Date', micros: 9106n });
  t.deepEqual(parseLiteral('date("19941207")'), { kind: 'temporal', type: 'Date', micros: 9106n });
  t.deepEqual(parseLiteral('LOCALTIME("14:10:44.099099")'), { kind: 'temporal', type: 'LocalTime', micros: 51_044_099_099n });
  t.deepEqual(parseLiteral('LOCALTIME("14:10")'), { kind: 'temporal', type: 'LocalTime', micros: 51_000_000_000n });
  t.deepEqual(parseLiteral('LOCALDATETIME("1970-01-02T00:00:01.5")'), { kind: 'temporal', type: 'LocalDateTime', micros: 86_401_500_000n });
  t.deepEqual(parseLiteral('DURATION("P3DT4H5M6.010011S")'), { kind: 'temporal', type: 'Duration', micros: 273_906_010_011n });
  t.deepEqual(parseLiteral('DURATION("P0DT0H0M-1.500000S")'), { kind: 'temporal', type: 'Duration', micros: -1_500_000n });
  t.deepEqual(parseLiteral('DURATION("PT1.5H")'), { kind: 'temporal', type: 'Duration', micros: 5_400_000_000n });
  const la = parseLiteral('DATETIME("1994-12-07T06:10:44.099099-08:00[America/Los_Angeles]")');
  t.deepEqual(la, { kind: 'zoned', micros: BigInt(Date.parse('1994-12-07T14:10:44.099Z')) * 1000n + 99n, zone: { name: 'America/Los_Angeles' } });
  t.deepEqual(parseLiteral('DATETIME("2021-07-01T17:30:00+05:30")'), { kind: 'zoned', micros: BigInt(Date.parse('2021-07-01T12:00:00Z')) * 1000n, zone: { offsetMinutes: 330 } });
  // A named zone without an offset takes the offset in force at that local time.
  t.deepEqual(parseLiteral('DATETIME("2021-07-01T14:00:00[Europe/Zagreb]")'), { kind: 'zoned', micros: BigInt(Date.parse('2021-07-01T12:00:00Z')) * 1000n, zone: { name: 'Europe/Zagreb' } });
  t.deepEqual(parseLiteral('DATETIME("2021-01-01T14:00:00[Europe/Zagreb]")'), { kind: 'zoned', micros: BigInt(Date.parse('2021-01-01T13:00:00Z')) * 1000n, zone: { name: 'Europe/Zagreb' } });
});

test('errors are typed and name the offset', (t) => {
  const cases: [string, number][] = [['[1, 2', 5], ['"abc', 0], ['{a 1}', 3], ['DATE("1994-13-01")', 5], ['foo(1)', 0], ['"\\q"', 1], ['1 2', 2], ['DATETIME("2020-01-01T00:00[No/Such_Zone]")', 9]];
  for (const [text, offset] of cases) {
    const err = t.throws(() => parseLiteral(text), { instanceOf: CypherSyntaxError }, text);
    t.is(err?.offset, offset, text);
    t.is(err?.kind, 'usage');
    t.regex(err?.message ?? '', new RegExp(`at offset ${offset}$`));
  }
});

/** Deterministic pseudo-random values (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth: number): Value {
  const pick = Math.floor(r() * (depth > 2 ? 9 : 11));
  const str = (): string => Array.from({ length: Math.floor(r() * 8) }, () => '"\'\\\b\f\n\r\t`;, {}[]aZž😀\u0001 '[Math.floor(r() * 22)] as string).join('');
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * BigInt(Math.floor(r() * 1000));
    case 3: {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setUint32(0, Math.floor(r() * 2 ** 32));
      buf.setUint32(4, Math.floor(r() * 2 ** 32));
      const x = buf.getFloat64(0);
      return Number.isFinite(x) ? x : r() * 1e6;
    }
    case 4: return Math.round(r() * 100) - 50 + 0.0; // integral floats: the `exact` case
    case 5: return str();
    case 6: return { kind: 'temporal', type: (['Date', 'LocalTime', 'LocalDateTime', 'Duration'] as const)[Math.floor(r() * 4)] as 'Date', micros: 0n } satisfies Value;
    case 7: return { kind: 'point', srid: 9157, x: r() * 100 - 50, y: Math.floor(r() * 10), z: r() };
    case 8: return { kind: 'enum', type: 'E', value: 'V' + Math.floor(r() * 3) };
    case 9: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const m = new Map<string, Value>();
      for (let i = Math.floor(r() * 4); i > 0; i--) m.set(str(), randomValue(r, depth + 1));
      return m;
    }
  }
}

function fixTemporal(v: Value, r: () => number): Value {
  if (Array.isArray(v)) return v.map((x) => fixTemporal(x, r));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, fixTemporal(x, r)]));
  if (v !== null && typeof v === 'object' && v.kind === 'temporal') {
    const micros = v.type === 'Date' ? BigInt(Math.floor(r() * 2_900_000)) - 719_162n
      : v.type === 'LocalTime' ? BigInt(Math.floor(r() * 86_400_000_000))
      : v.type === 'LocalDateTime' ? BigInt(Math.floor((r() - 0.5) * 2 ** 52))
      : BigInt(Math.floor((r() - 0.5) * 2 ** 50));
    return { ...v, micros };
  }
  return v;
}

/** Nested maps print with keys sorted, so compare maps as sets of entries. */
function normal(v: Value): unknown {
  if (Array.isArray(v)) return v.map(normal);
  if (v instanceof Map) return [...v].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, normal(x)]);
  return v;
}

test('render -> parse round trip keeps every value and its type (exact mode)', (t) => {
  const r = rng(7);
  for (let i = 0; i < 1500; i++) {
    const v = fixTemporal(randomValue(r, 0), r);
    const text = renderValue(v, { exact: true });
    t.deepEqual(normal(parseLiteral(text)), normal(v), text);
  }
  const zoned: Value = { kind: 'zoned', micros: 1_627_000_000_123_456n, zone: { name: 'Asia/Kolkata' } };
  t.deepEqual(parseLiteral(renderValue(zoned)), zoned);
  const fixed: Value = { kind: 'zoned', micros: -1_000_000_000_000_001n, zone: { offsetMinutes: -150 } };
  t.deepEqual(parseLiteral(renderValue(fixed)), fixed);
});

test('default (DUMP) mode loses only the float-ness of integral floats', (t) => {
  t.is(parseLiteral(renderValue(3)), 3n);
  t.is(parseLiteral(renderValue(0.1)), 0.1);
  t.is(parseLiteral(renderValue(1e300)), 1e300);
});
