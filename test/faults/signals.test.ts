// Real signals to the built CLI at each step of create, against the stand-in as its own process.
// The stand-in holds the answer to the step's query for a moment (its query has run, the answer is in
// flight) and the test delivers the signal then; the copy step is caught by watching the staging
// folder fill. After each case: checkAfterFault (harness.ts).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ENTRIES, caseDirs, checkAfterFault, createArgs, leaseOf, limiter, seed, stagingEntries, startCli, startStandIn,
  waitForCopy, waitForQuery,
} from './harness.js';

const one = limiter(2);

interface Step {
  name: string;
  /** The query whose answer is held while the signal arrives, and which occurrence of it. */
  query?: { re: string; nth: number };
  /** Whether the server's lock is on at that point (LOCK ran, UNLOCK not yet). */
  locked: boolean;
}

const STEPS: Step[] = [
  { name: 'reading the server facts', query: { re: '^SHOW STORAGE INFO', nth: 1 }, locked: false },
  { name: 'the status check under the lease', query: { re: '^DATA DIRECTORY LOCK STATUS', nth: 2 }, locked: false },
  { name: 'CREATE SNAPSHOT', query: { re: '^CREATE SNAPSHOT', nth: 1 }, locked: false },
  { name: 'LOCK DATA DIRECTORY', query: { re: '^LOCK DATA DIRECTORY', nth: 1 }, locked: true },
  { name: 'UNLOCK DATA DIRECTORY', query: { re: '^UNLOCK DATA DIRECTORY', nth: 1 }, locked: false },
  { name: 'the copy', locked: false },
];

let bigData: string | undefined;
test.before(async () => {
  // One data directory with ~10 MiB of snapshot and as much WAL, copied per copy-step case, so that the copy
  // lasts long enough to be caught (and then stopped with SIGSTOP, so nothing depends on timing).
  const dirs = { root: '', data: fs.mkdtempSync('/tmp/mgb-fault-big-'), repo: '', stepLog: '/dev/null' };
  const fakeT = { teardown: () => {} } as never;
  const s = await startStandIn(fakeT, dirs);
  await seed(s.uri, 10);
  s.child.kill('SIGTERM');
  await s.exited;
  bigData = dirs.data;
});
test.after.always(() => {
  if (bigData) fs.rmSync(bigData, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
  for (const step of STEPS) {
    test(`${signal} during ${step.name}`, (t) => one(async () => {
      const dirs = caseDirs(t);
      if (!step.query) fs.cpSync(bigData!, dirs.data, { recursive: true });
      const s = await startStandIn(t, dirs, step.query ? { on: step.query.re, nth: step.query.nth, ms: 1500 } : undefined);
      if (step.query) await seed(s.uri);
      const run = startCli(createArgs(s.uri, dirs));
      if (step.query) {
        await waitForQuery(dirs, new RegExp(step.query.re), step.query.nth);
      } else {
        const id = await waitForCopy(dirs);
        // Hold the process mid-copy, check that it really is mid-copy, then deliver the signal.
        run.child.kill('SIGSTOP');
        // The pins are hardlinks to the server's files: as private as a backup (issue 9, item 21).
        t.is(fs.statSync(path.join(dirs.repo, '.staging', id, '.pins')).mode & 0o777, 0o700);
        t.deepEqual(fs.readdirSync(dirs.repo).filter((n) => !n.startsWith('.') && !REPO_ENTRIES.includes(n)), [], 'stopped before publishing');
        t.is(stagingEntries(dirs).length, 2, 'the staging folder and its owner record exist');
      }
      run.child.kill(signal);
      if (!step.query) run.child.kill('SIGCONT');
      const r = await run.result;
      if (signal === 'SIGKILL') {
        t.is(r.signal, 'SIGKILL');
        const lease = leaseOf(dirs);
        // What SIGKILL leaves: the lease (claimed, or locking once LOCK was sent), owner-tagged debris.
        if (step.locked) t.is(lease?.state, 'locking');
        await checkAfterFault(t, s.uri, dirs, { killedPid: run.child.pid! });
      } else {
        t.is(r.code, 130, r.stderr);
        t.is(r.stdout, '');
        t.regex(r.stderr, new RegExp(`^mgbackup: error: interrupted by ${signal}$`, 'm'));
        await checkAfterFault(t, s.uri, dirs);
      }
    }));
  }
}
