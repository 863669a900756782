// The server (the stand-in, its own process) SIGKILLed while mgbackup (the built CLI) waits for the
// answer to each query of create. A restarted server has no lock (it does not survive a restart, as
// in Memgraph); what mgbackup leaves is at most its lease, which the next create removes, saying so.
import test from 'ava';
import { caseDirs, checkAfterFault, createArgs, leaseOf, limiter, seed, startCli, startStandIn, waitForQuery } from './harness.js';

const one = limiter(2);

const STEPS = [
  { query: 'SHOW STORAGE INFO', nth: 1, lease: undefined, code: 10 },
  { query: 'DATA DIRECTORY LOCK STATUS', nth: 2, lease: 'claimed', code: 10 },
  { query: 'CREATE SNAPSHOT', nth: 1, lease: 'claimed', code: 10 },
  { query: 'LOCK DATA DIRECTORY', nth: 1, lease: 'locking', code: 13 },
  { query: 'UNLOCK DATA DIRECTORY', nth: 1, lease: 'locking', code: 13 },
] as const;

for (const step of STEPS) {
  test(`server killed while answering ${step.query}${step.nth > 1 ? ` (#${step.nth})` : ''}`, (t) => one(async () => {
    const dirs = caseDirs(t);
    const s = await startStandIn(t, dirs, { on: `^${step.query}`, nth: step.nth, ms: 5000 });
    await seed(s.uri);
    const run = startCli(createArgs(s.uri, dirs));
    await waitForQuery(dirs, new RegExp(`^${step.query}`), step.nth);
    s.child.kill('SIGKILL');
    const r = await run.result;
    t.is(r.code, step.code, r.stderr);
    if (step.code === 13) {
      t.regex(r.stderr, /^mgbackup: error: could not UNLOCK the data directory after taking the lock$/m);
      t.regex(r.stderr, /^hint: the lease stays in the data directory, so the next `mgbackup create` or `mgbackup unlock` releases the lock once this run has exited; a server restart also clears it$/m);
    }
    // The lease is left only where the lock may have been ours; a run that never sent LOCK drops it.
    const lease = leaseOf(dirs);
    if (step.lease === 'locking') t.is(lease?.state, 'locking');
    else t.is(lease, undefined);
    const restarted = await startStandIn(t, dirs);
    const next = await checkAfterFault(t, restarted.uri, dirs, { killedPid: run.child.pid! });
    if (step.lease === 'locking') {
      t.regex(next, new RegExp(`removed the data-directory lease of backup ${lease!.backupId} \\(pid ${run.child.pid} on host .*process ${run.child.pid} no longer exists; the server was not locked by it`));
    }
  }));
}
