// Issue 11 §4: a prune killed with a real SIGKILL at any step leaves a repository whose every listed
// backup verifies and that lists nothing as broken (no half-deleted backup still listed), and a re-run
// completes the prune. The CLI stops itself at a named step (MGBACKUP_PAUSE_AT_STEP, SIGSTOP); the
// test then SIGKILLs it.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { listAndVerify, localRepo, NO_FIXTURES, pausedAt } from './cli-helpers.js';
import { walStem } from './helpers.js';

const withFixtures = skipIf(test, NO_FIXTURES ? NO_FIXTURES_REASON : undefined);
const ID1 = '20260301T100000Z-00000001';
const ID3 = '20260303T100000Z-00000003';

/** [step to stop at, what the listing shows right after the kill] */
const STEPS: [string, string[]][] = [
  [`forgetting ${ID1}`, [ID1, '20260302T100000Z-00000002', ID3, '20260304T100000Z-00000004']],
  [`forgot ${ID1}`, ['20260302T100000Z-00000002', ID3, '20260304T100000Z-00000004']],
  [`unlisted ${ID3}`, ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
  [`deleting files of ${ID1}`, ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
  [`deleted files of ${ID3}`, ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
  [`pruned ${ID1}`, ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
  ['deleting WAL records', ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
  ['deleting WAL data', ['20260302T100000Z-00000002', '20260304T100000Z-00000004']],
];

for (const [step, listed] of STEPS) {
  withFixtures(`SIGKILL at "${step}": every listed backup verifies, none is broken; a re-run completes the prune`, async (t) => {
    const { repo, uuid } = await localRepo(4, { walFiles: 2 });
    const stop = step;
    const args = ['forget', '--repo', repo, '--keep-last', '1', '--keep-tag', 'release', '--prune'];
    const p = await pausedAt(args, stop);
    t.is(p.state, 'stopped', `the prune reached "${stop}"`);
    await p.kill();

    // The killed run's lock is stale now: the next command removes it and says so.
    const l = await runCli(['list', '--repo', repo]);
    t.is(l.code, 0, l.stderr);
    t.regex(l.stderr, /^mgbackup: warning: removed the stale repository lock of forget --prune \(pid \d+ on host .*, since .*, exclusive for retention\): process \d+ no longer exists\n/);
    t.deepEqual(await listAndVerify(repo), { ids: listed, problems: [] });
    const again = await runCli(args);
    t.is(again.code, 0, again.stderr);
    t.deepEqual(await listAndVerify(repo), { ids: ['20260302T100000Z-00000002', '20260304T100000Z-00000004'], problems: [] });
    t.deepEqual(fs.readdirSync(repo).filter((n) => /^\d/.test(n)), ['20260302T100000Z-00000002', '20260304T100000Z-00000004'], 'no folder left of a forgotten backup');
    t.deepEqual(fs.readdirSync(path.join(repo, 'forgetting')), [], 'no tombstone left');
    // Both archived files end before the oldest kept snapshot: the older goes, the newer anchors the chain.
    const stem = path.basename(walStem(uuid, 11, 1));
    t.deepEqual(fs.readdirSync(path.join(repo, 'archive', uuid)).sort(), [`${stem}.wal`, `${stem}.wal.json`], 'the archived WAL nobody needs is gone, debris included');
    t.deepEqual(fs.readdirSync(path.join(repo, 'locks')), [], 'no lock left');
  });
}
