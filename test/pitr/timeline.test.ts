// The timestamp map's rule (docs/repository-format.md): --to-time T restores the greatest commit seen
// durable at or before T, never one seen only after it; the time named for a commit is the earliest
// observation of it or of a later commit.
import test from 'ava';
import { commitAtTime, durableBy, type Timeline } from '../../src/core/restore/timeline.js';

const tl = {
  uuid: 'u', databases: ['memgraph'], bases: [], wals: [], holes: [], window: undefined,
  observed: [
    { ts: 10n, at: '2026-12-02T10:00:00.000Z' },
    { ts: 15n, at: '2026-12-02T10:01:00.000Z' },
    { ts: 20n, at: '2026-12-02T10:02:00.000Z' },
  ],
} as Timeline;

test('commitAtTime: the greatest ts seen at or before T, boundary included, never a later one', (t) => {
  t.is(commitAtTime(tl, new Date('2026-12-02T09:59:59.999Z')), undefined);
  t.is(commitAtTime(tl, new Date('2026-12-02T10:00:00.000Z'))?.ts, 10n);
  t.is(commitAtTime(tl, new Date('2026-12-02T10:01:59.999Z'))?.ts, 15n);
  t.is(commitAtTime(tl, new Date('2026-12-02T10:02:00.000Z'))?.ts, 20n);
  t.is(commitAtTime(tl, new Date('2027-01-01T00:00:00.000Z'))?.ts, 20n);
});

test('durableBy: the earliest observation of the commit or of a later one', (t) => {
  t.is(durableBy(tl, 10n), '2026-12-02T10:00:00.000Z');
  t.is(durableBy(tl, 12n), '2026-12-02T10:01:00.000Z');
  t.is(durableBy(tl, 20n), '2026-12-02T10:02:00.000Z');
  t.is(durableBy(tl, 21n), undefined);
});
