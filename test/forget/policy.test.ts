// The retention policy as a pure function: every rule, its bucket boundaries in UTC, combinations, the
// "oldest" rule, pins, and the reasons reported per backup.
import test from 'ava';
import { applyPolicy, hasKeepRule, isoWeek, parseDuration, subtractDuration, UNLIMITED, type PolicyBackup, type RetentionPolicy } from '../../src/core/forget/policy.js';

let n = 0;
const b = (iso: string, extra: Partial<PolicyBackup> = {}): PolicyBackup => ({ id: `b${String(n++).padStart(3, '0')}-${iso}`, time: new Date(iso), tags: [], pinned: false, ...extra });
/** "iso: reasons" for kept backups, newest first, so a failing test shows the whole decision. */
const kept = (backups: PolicyBackup[], p: RetentionPolicy) =>
  applyPolicy(backups, p).filter((d) => d.keep).map((d) => `${d.backup.time.toISOString()}: ${d.reasons.join(', ')}`);

test('keep-last keeps the N newest, whatever the input order', (t) => {
  const bs = [b('2026-01-03T00:00:00Z'), b('2026-01-01T00:00:00Z'), b('2026-01-04T00:00:00Z'), b('2026-01-02T00:00:00Z')];
  t.deepEqual(kept(bs, { last: 2 }), ['2026-01-04T00:00:00.000Z: last', '2026-01-03T00:00:00.000Z: last']);
  t.deepEqual(kept(bs, { last: 10 }).length, 4);
  t.deepEqual(kept(bs, { last: UNLIMITED }).length, 4);
});

test('keep-daily: the newest of each UTC day; 23:59:59.999 and 00:00:00 are different days', (t) => {
  const bs = [
    b('2026-03-01T23:59:59.999Z'), b('2026-03-02T00:00:00.000Z'), b('2026-03-02T12:00:00Z'), b('2026-03-03T01:00:00Z'), b('2026-03-03T00:30:00Z'),
  ];
  t.deepEqual(kept(bs, { daily: 3 }), [
    '2026-03-03T01:00:00.000Z: daily', '2026-03-02T12:00:00.000Z: daily', '2026-03-01T23:59:59.999Z: daily',
  ]);
  t.deepEqual(kept(bs, { daily: 2 }), ['2026-03-03T01:00:00.000Z: daily', '2026-03-02T12:00:00.000Z: daily']);
});

test('buckets are UTC: times given with an offset fall into their UTC day and hour', (t) => {
  // 2026-03-02T01:30+02:00 is 2026-03-01T23:30Z: the same UTC day as the 10:00Z backup on March 1st.
  const bs = [b('2026-03-02T01:30:00+02:00'), b('2026-03-01T10:00:00Z'), b('2026-03-02T00:10:00Z')];
  t.deepEqual(kept(bs, { daily: 2 }), ['2026-03-02T00:10:00.000Z: daily', '2026-03-01T23:30:00.000Z: daily']);
  t.deepEqual(kept(bs, { hourly: 5 }).map((s) => s.split(': ')[1]), ['hourly', 'hourly', 'hourly']);
});

test('keep-hourly: hour boundaries', (t) => {
  const bs = [b('2026-03-01T10:59:59Z'), b('2026-03-01T11:00:00Z'), b('2026-03-01T11:30:00Z'), b('2026-03-01T13:00:00Z')];
  t.deepEqual(kept(bs, { hourly: 2 }), ['2026-03-01T13:00:00.000Z: hourly', '2026-03-01T11:30:00.000Z: hourly']);
});

test('ISO weeks: Monday starts a week, and the days around new year belong to the week of their Thursday', (t) => {
  t.is(isoWeek(new Date('2026-03-01T23:59:59Z')), '2026-W09'); // a Sunday
  t.is(isoWeek(new Date('2026-03-02T00:00:00Z')), '2026-W10'); // the Monday after
  t.is(isoWeek(new Date('2021-01-03T12:00:00Z')), '2020-W53'); // Sunday Jan 3rd 2021 is in 2020's last week
  t.is(isoWeek(new Date('2024-12-30T00:00:00Z')), '2025-W01'); // Monday Dec 30th 2024 is in 2025's first week
  t.is(isoWeek(new Date('2026-01-01T00:00:00Z')), '2026-W01');
  const bs = [b('2026-03-01T23:59:59Z'), b('2026-03-02T00:00:00Z'), b('2026-02-24T00:00:00Z'), b('2026-02-23T00:00:00Z')];
  t.deepEqual(kept(bs, { weekly: 2 }), ['2026-03-02T00:00:00.000Z: weekly', '2026-03-01T23:59:59.000Z: weekly']);
});

test('keep-monthly and keep-yearly: month and year boundaries in UTC', (t) => {
  const bs = [b('2025-12-31T23:59:59Z'), b('2026-01-01T00:00:00Z'), b('2026-01-31T23:00:00Z'), b('2026-02-01T00:00:01Z')];
  t.deepEqual(kept(bs, { monthly: 2 }), ['2026-02-01T00:00:01.000Z: monthly', '2026-01-31T23:00:00.000Z: monthly']);
  t.deepEqual(kept(bs, { yearly: 2 }), ['2026-02-01T00:00:01.000Z: yearly', '2025-12-31T23:59:59.000Z: yearly']);
});

test('fewer buckets than asked: the oldest backup is kept as well, with its own reason', (t) => {
  const bs = [b('2026-03-03T10:00:00Z'), b('2026-03-03T09:00:00Z'), b('2026-03-02T10:00:00Z'), b('2026-03-02T08:00:00Z')];
  t.deepEqual(kept(bs, { daily: 7 }), [
    '2026-03-03T10:00:00.000Z: daily', '2026-03-02T10:00:00.000Z: daily', '2026-03-02T08:00:00.000Z: oldest daily',
  ]);
  // Enough buckets: no extra.
  t.deepEqual(kept(bs, { daily: 2 }), ['2026-03-03T10:00:00.000Z: daily', '2026-03-02T10:00:00.000Z: daily']);
  // Unlimited never adds the oldest for being short.
  t.deepEqual(kept(bs, { daily: UNLIMITED }).length, 2);
});

test('keep-within is measured from the newest backup, not from now; the boundary itself is not newer', (t) => {
  const bs = [b('2026-03-10T00:00:00Z'), b('2026-03-03T00:00:01Z'), b('2026-03-03T00:00:00Z'), b('2026-01-01T00:00:00Z')];
  t.deepEqual(kept(bs, { within: parseDuration('7d', '--keep-within') }), [
    '2026-03-10T00:00:00.000Z: within 7d', '2026-03-03T00:00:01.000Z: within 7d',
  ]);
});

test('keep-within with months and years follows the calendar', (t) => {
  t.is(subtractDuration(new Date('2026-03-31T12:00:00Z'), parseDuration('1m', 'x')).toISOString(), '2026-03-03T12:00:00.000Z');
  t.is(subtractDuration(new Date('2026-03-10T12:00:00Z'), parseDuration('1y2m3d4h', 'x')).toISOString(), '2025-01-07T08:00:00.000Z');
});

test('keep-tag keeps every backup with one of the tags', (t) => {
  const bs = [b('2026-03-03T00:00:00Z'), b('2026-03-02T00:00:00Z', { tags: ['release'] }), b('2026-03-01T00:00:00Z', { tags: ['x', 'audit'] })];
  t.deepEqual(kept(bs, { tags: ['release', 'audit'] }), ['2026-03-02T00:00:00.000Z: tag release', '2026-03-01T00:00:00.000Z: tag audit']);
});

test('pinned backups are kept even when no rule keeps them', (t) => {
  const bs = [b('2026-03-03T00:00:00Z'), b('2026-01-01T00:00:00Z', { pinned: true }), b('2025-01-01T00:00:00Z')];
  t.deepEqual(kept(bs, { last: 1 }), ['2026-03-03T00:00:00.000Z: last', '2026-01-01T00:00:00.000Z: pinned']);
});

test('rules combine: a backup kept by several rules lists every reason; the rest goes', (t) => {
  const bs = [
    b('2026-03-10T20:00:00Z'), b('2026-03-10T08:00:00Z'), b('2026-03-09T20:00:00Z'), b('2026-03-02T20:00:00Z'),
    b('2026-02-15T20:00:00Z', { tags: ['release'] }), b('2026-01-20T20:00:00Z'),
  ];
  const d = applyPolicy(bs, { last: 2, daily: 2, weekly: 2, monthly: 3, tags: ['release'] });
  t.deepEqual(d.map((x) => `${x.backup.time.toISOString().slice(0, 13)} ${x.keep ? x.reasons.join('+') : 'FORGET'}`), [
    '2026-03-10T20 last+daily+weekly+monthly',
    '2026-03-10T08 last',
    '2026-03-09T20 daily',
    '2026-03-02T20 weekly',
    '2026-02-15T20 monthly+tag release',
    '2026-01-20T20 monthly',
  ]);
  const none = applyPolicy(bs, { last: 1 });
  t.is(none.filter((x) => !x.keep).length, 5);
  t.deepEqual(none.filter((x) => !x.keep).map((x) => x.reasons), [[], [], [], [], []]);
});

test('equal times are ordered by id, so the decision does not depend on listing order', (t) => {
  const x = { id: '20260301T000000Z-aaaaaaaa', time: new Date('2026-03-01T00:00:00Z'), tags: [], pinned: false };
  const y = { ...x, id: '20260301T000000Z-bbbbbbbb' };
  t.deepEqual(applyPolicy([x, y], { last: 1 }).filter((d) => d.keep).map((d) => d.backup.id), [y.id]);
  t.deepEqual(applyPolicy([y, x], { last: 1 }).filter((d) => d.keep).map((d) => d.backup.id), [y.id]);
});

test('no backups: nothing to decide', (t) => {
  t.deepEqual(applyPolicy([], { last: 3, daily: 2, within: parseDuration('1d', 'x') }), []);
});

test('hasKeepRule: zero counts and nothing else are no rule at all', (t) => {
  t.false(hasKeepRule({}));
  t.false(hasKeepRule({ last: 0, daily: 0 }));
  t.false(hasKeepRule({ tags: [] }));
  t.true(hasKeepRule({ last: 1 }));
  t.true(hasKeepRule({ within: parseDuration('1h', 'x') }));
  t.true(hasKeepRule({ tags: ['a'] }));
});

test('parseDuration accepts restic\'s units and refuses anything else with a usage error', (t) => {
  t.like(parseDuration('1y5m7d2h', '--keep-within'), { years: 1, months: 5, days: 7, hours: 2 });
  t.like(parseDuration('36h', '--keep-within'), { years: 0, months: 0, days: 0, hours: 36 });
  for (const bad of ['', '7', 'd7', '7w', '1d1d', '7d ', '-1d', '1.5d']) {
    const e = t.throws(() => parseDuration(bad, '--keep-within'));
    t.is(e?.message, `--keep-within ${JSON.stringify(bad)} is not a duration`);
  }
});
