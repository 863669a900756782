// Value <-> PackStream through the real driver: what the engine receives for driver parameters, and
// what the driver decodes from values the engine returns, on Bolt 5.2 and on Bolt 4.4 (legacy DateTime).
import test from 'ava';
import neo4j from 'neo4j-driver';
import type { Value } from '../../src/graph/value.js';
import { StandIn } from './standin.js';
import { FakeEngine } from './protocol-fake-engine.js';

const { Date: NDate, LocalTime, LocalDateTime, Duration, DateTime, Point } = neo4j.types;
const DAY_US = 86_400_000_000n;
const utcMicros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

interface Case {
  name: string;
  param: unknown; // what the driver sends
  value: Value; // what the engine must receive, and returns
  shown: (x: any) => unknown; // how the driver's decoded result is compared
  expected: unknown;
}

const cases: Case[] = [
  { name: 'integer', param: 2n ** 62n, value: 2n ** 62n, shown: (x) => x, expected: 2n ** 62n },
  { name: 'float stays float', param: 3, value: 3, shown: (x) => [typeof x, x], expected: ['number', 3] },
  { name: 'string', param: 'žluť', value: 'žluť', shown: (x) => x, expected: 'žluť' },
  {
    name: 'nested list and map',
    param: [1n, 'a', { k: null, f: 1.5 }],
    value: [1n, 'a', new Map<string, Value>([['k', null], ['f', 1.5]])],
    shown: (x) => x,
    expected: [1n, 'a', { k: null, f: 1.5 }],
  },
  {
    name: 'Date',
    param: new NDate(2024, 2, 29),
    value: { kind: 'temporal', type: 'Date', micros: 19782n },
    shown: String,
    expected: '2024-02-29',
  },
  {
    name: 'LocalTime',
    param: new LocalTime(12, 34, 56, 789012000),
    value: { kind: 'temporal', type: 'LocalTime', micros: 45_296_789_012n },
    shown: String,
    expected: '12:34:56.789012000',
  },
  {
    name: 'LocalDateTime',
    param: new LocalDateTime(2024, 2, 29, 12, 34, 56, 789012000),
    value: { kind: 'temporal', type: 'LocalDateTime', micros: 19782n * DAY_US + 45_296_789_012n },
    shown: String,
    expected: '2024-02-29T12:34:56.789012000',
  },
  {
    name: 'Duration',
    param: new Duration(0, 1, 7384, 5000),
    value: { kind: 'temporal', type: 'Duration', micros: DAY_US + 7_384_000_005n },
    shown: (x) => [String(x.months), String(x.days), String(x.seconds), String(x.nanoseconds)],
    expected: ['0', '1', '7384', '5000'],
  },
  {
    name: 'DateTime with offset',
    param: new DateTime(2024, 2, 29, 12, 0, 0, 0, 7200),
    value: { kind: 'zoned', micros: utcMicros('2024-02-29T10:00:00Z'), zone: { offsetMinutes: 120 } },
    shown: String,
    expected: '2024-02-29T12:00:00+02:00',
  },
  {
    name: 'DateTime with zone id',
    param: new DateTime(2024, 7, 1, 12, 0, 0, 0, 7200, 'Europe/Zagreb'),
    value: { kind: 'zoned', micros: utcMicros('2024-07-01T10:00:00Z'), zone: { name: 'Europe/Zagreb' } },
    // (over Bolt 4 the legacy struct carries no offset, so the driver leaves it undefined)
    shown: (x) => [String(x.year), String(x.month), String(x.day), String(x.hour), String(x.minute), String(x.timeZoneId)],
    expected: ['2024', '7', '1', '12', '0', 'Europe/Zagreb'],
  },
  {
    name: 'Point 2d',
    param: new Point(7203, 1.5, -2),
    value: { kind: 'point', srid: 7203, x: 1.5, y: -2 },
    shown: (x) => [String(x.srid), x.x, x.y, x.z],
    expected: ['7203', 1.5, -2, undefined],
  },
  {
    name: 'Point 3d',
    param: new Point(4979, 15.9, 45.8, 120),
    value: { kind: 'point', srid: 4979, x: 15.9, y: 45.8, z: 120 },
    shown: (x) => [String(x.srid), x.x, x.y, x.z],
    expected: ['4979', 15.9, 45.8, 120],
  },
  {
    name: 'enum as the mg_enum map',
    param: { __type: 'mg_enum', __value: 'Status::Active' },
    value: { kind: 'enum', type: 'Status', value: 'Active' },
    shown: (x) => x,
    expected: { __type: 'mg_enum', __value: 'Status::Active' },
  },
];

for (const bolt of ['5.2', '4.4']) {
  test(`values both ways over Bolt ${bolt}`, async (t) => {
    const engine = new FakeEngine();
    const s = await StandIn.start({ dataDir: '/unused', engine, ...(bolt === '4.4' ? { maxBolt: '4.4' } : {}) });
    t.teardown(() => s.stop());
    const d = neo4j.driver(s.uri, neo4j.auth.basic('u', 'p'), { connectionAcquisitionTimeout: 5000, useBigInt: true });
    t.teardown(() => d.close());
    t.like((await d.getServerInfo()).protocolVersion, { major: Number(bolt[0]), minor: Number(bolt[2]) });
    for (const c of cases) {
      const res = await d.executeQuery('RETURN $x AS x', { x: c.param });
      t.deepEqual(engine.lastParams['x'], c.value, `${c.name}: engine received`);
      t.deepEqual(c.shown(res.records[0]!.get('x')), c.expected, `${c.name}: driver decoded`);
    }
  });
}
