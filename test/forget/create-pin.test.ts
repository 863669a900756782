// create --pin writes `pinned` into the manifest, and forget keeps such a backup whatever the policy.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { makeHarness, testClock } from '../create/harness.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';

test('create --pin: the manifest is pinned, and forget --prune keeps it while forgetting an unpinned one', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(3);
  const deps = { connect: async () => h.fake.client(), clock: testClock([]) };
  const ids: string[] = [];
  for (const extra of [['--pin'], [], []]) {
    const c = captureIo({});
    t.is(await main(['create', '--repo', h.repo, '--data-dir', h.data, '--json', ...extra], c, deps), 0, c.err());
    ids.push(JSON.parse(c.out()).id);
  }
  const manifest = (id: string) => JSON.parse(fs.readFileSync(path.join(h.repo, id, 'manifest.json'), 'utf8'));
  t.is(manifest(ids[0]!).pinned, true);
  t.false('pinned' in manifest(ids[1]!));
  const f = captureIo({});
  t.is(await main(['forget', '--repo', h.repo, '--keep-last', '1', '--prune', '--json'], f, deps), 0, f.err());
  const r = JSON.parse(f.out()) as { backups: { id: string; keep: boolean; reasons: string[] }[]; forgotten: string[] };
  t.true(r.backups.find((b) => b.id === ids[0])!.reasons.includes('pinned'));
  // The test clock gives all three the same second: the newest is the one with the greatest id.
  const newest = [...ids].sort().at(-1)!;
  const expected = ids.filter((id) => id !== ids[0] && id !== newest).sort();
  t.deepEqual([...r.forgotten].sort(), expected);
  t.deepEqual(fs.readdirSync(h.repo).filter((n) => /^\d{8}T/.test(n)).sort(), ids.filter((id) => !expected.includes(id)).sort());
});
