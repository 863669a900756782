// Issue 9 items 17 and 18 through the built binary against the stand-in: a repeated map key is refused
// as Memgraph refuses it (not loaded with the last value), a --resume-from past the end is a usage
// error, and a load killed with SIGKILL leaves its resume line for the next run's hint.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { syntheticDump } from '../dump/fake-client.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { canonicalOf, count, rawDump, standIn, tempDir } from './standin-helper.js';

test('a repeated key in a map literal is refused with the server\'s message, not loaded with the last value', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const bad = 'CREATE (:__mg_vertex__:`Person` {__mg_id__: 2, `name`: "first", `name`: "second"});';
  const lines = [
    'CREATE (:__mg_vertex__:`Person` {__mg_id__: 0, `name`: "a"});',
    'CREATE (:__mg_vertex__:`Person` {__mg_id__: 1, `name`: "b"});',
    bad,
    'CREATE (:__mg_vertex__:`Person` {__mg_id__: 3, `name`: "d"});',
  ];
  fs.writeFileSync(path.join(dir, 'db.cypherl'), lines.map((l) => l + '\n').join(''));
  const r = await runCli(['load', 'db.cypherl', '--uri', a.uri], { cwd: dir });
  t.is(r.code, 18);
  t.is(r.stdout, '');
  t.is(r.stderr, [
    `mgbackup: error: line 3: server rejected ${JSON.stringify(bad)}: Same key can't appear twice in a map literal.`,
    'hint: fix the statement, then continue with --resume-from 3 (everything before line 3 is committed)',
    'hint: or pass --continue-on-error to record failing statements in a file and go on',
    '',
  ].join('\n'));
  t.is(await count(a, 'vertices'), 2, 'the statements before it, in file order, and nothing after');
  t.false((await rawDump(a)).some((l) => l.includes('second')));
});

test('the same repeated key inside a nested map is refused too (fast path off and on)', async (t) => {
  const dir = tempDir(t);
  const bad = 'CREATE (:__mg_vertex__ {__mg_id__: 0, `m`: {x: 1, x: 2}});';
  fs.writeFileSync(path.join(dir, 'db.cypherl'), bad + '\n');
  for (const flag of ['--fast-path', '--no-fast-path']) {
    const a = await standIn(t);
    const r = await runCli(['load', 'db.cypherl', '--uri', a.uri, flag], { cwd: dir });
    t.is(r.code, 18, flag);
    t.true(r.stderr.startsWith(`mgbackup: error: line 1: server rejected ${JSON.stringify(bad)}: Same key can't appear twice in a map literal.\n`), r.stderr);
    t.is(await count(a, 'vertices'), 0);
  }
});

test('--resume-from past the end of the file is a usage error naming the value and the line count', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), syntheticDump(3, 4).map((l) => l + '\n').join(''));
  t.is(syntheticDump(3, 4).length, 10);
  const r = await runCli(['load', 'db.cypherl', '--uri', a.uri, '--resume-from', '999'], { cwd: dir });
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, 'mgbackup: error: --resume-from "999" is past the end of "db.cypherl", which has 10 lines\n' +
    'hint: nothing was loaded; give the line from the interrupted load\'s message (or its hint when you run the load without --resume-from)\n');
  t.is(await count(a, 'vertices'), 0);
});

test('a SIGKILLed load leaves its resume line; the next run\'s hint gives it and resuming completes the graph exactly', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const dump = syntheticDump(6000, 2000);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), dump.map((l) => l + '\n').join(''));
  const child = spawn(process.execPath, [BIN, 'load', 'db.cypherl', '--uri', a.uri, '--batch-size', '50'], {
    cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  let loaded = 0;
  while ((loaded = await count(a, 'vertices')) < 1000) {
    if (child.exitCode !== null) throw new Error(`load ended before it could be killed (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  // The server notices the dropped connection and rolls back what was open; wait until the count settles.
  await new Promise((r) => setTimeout(r, 300));
  const committed = await count(a, 'vertices');
  // At least the 1000 seen before the kill (a count taken during a commit may have seen a batch that the
  // kill then rolled back, so `loaded` itself is not a lower bound), and not everything.
  t.true(committed >= 1000 && committed < 6000, `partly loaded: ${committed} (seen before the kill: ${loaded})`);
  t.true(fs.existsSync(path.join(dir, 'db.cypherl.load-progress')));

  const again = await runCli(['load', 'db.cypherl', '--uri', a.uri], { cwd: dir });
  t.is(again.code, 17);
  const [message, hint1, hint2, end] = again.stderr.split('\n');
  t.is(message, `mgbackup: error: the target database is not empty (${committed} vertices, 0 edges)`);
  t.is(hint1, 'hint: load into an empty database, or pass --allow-non-empty to add to what is there');
  t.is(end, '');
  // Vertices are lines 1..6000 in file order, so the committed count says which batches are in.
  const exact = /^hint: an earlier load of this file stopped with everything before line (\d+) committed: continue with --resume-from (\d+) \(recorded in db\.cypherl\.load-progress\)$/.exec(hint2!);
  const unsure = /^hint: an earlier load of this file stopped while lines (\d+)-(\d+) were in one transaction that may or may not have committed: check the database, then continue with --resume-from (\d+) \(if that batch is absent\) or --resume-from (\d+) \(recorded in db\.cypherl\.load-progress\)$/.exec(hint2!);
  t.truthy(exact ?? unsure, hint2);
  let from: number;
  if (exact) {
    from = Number(exact[2]);
    t.is(from, committed + 1);
  } else {
    const first = Number(unsure![1]);
    const last = Number(unsure![2]);
    t.is(Number(unsure![3]), first);
    t.is(Number(unsure![4]), last + 1);
    t.true(committed === first - 1 || committed === last, `committed ${committed} vs in flight ${first}-${last}`);
    from = committed === first - 1 ? first : last + 1;
  }
  const resumed = await runCli(['load', 'db.cypherl', '--uri', a.uri, '--resume-from', String(from)], { cwd: dir });
  t.is(resumed.code, 0, resumed.stderr);
  t.deepEqual(await canonicalOf(a), canonicalDump(dump));
  t.false(fs.existsSync(path.join(dir, 'db.cypherl.load-progress')), 'a completed load removes its record');
});
