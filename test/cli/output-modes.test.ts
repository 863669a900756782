// Issue 12 item 7, from the built binary (stderr is a pipe here, as in cron): --quiet prints nothing
// but the payload; without --verbose/--progress nothing is narrated; --verbose lines carry ISO
// timestamps; --progress shows the steps without them; --log-file gets every line, timestamped, 0600,
// appended, also under --quiet.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { seededStandIn } from './seeded-standin.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

test('--quiet: create, verify, restore --dry-run and unlock print nothing on success; list still prints its table', async (t) => {
  const s = await seededStandIn(t, 'mgb-quiet-');
  const create = await runCli([...s.create, '--quiet']);
  t.is(create.code, 0, create.stderr);
  t.is(create.stdout, '');
  t.is(create.stderr, '');
  const verify = await runCli(['verify', '--quiet', '--repo', s.repo, 'latest']);
  t.is(verify.code, 0, verify.stderr);
  t.is(verify.stdout, '');
  t.is(verify.stderr, '');
  const target = path.join(s.root, 'target');
  fs.mkdirSync(target);
  // Without --quiet this prints its plan on stdout and a warning (unknown target version) on stderr.
  const loud = await runCli(['restore', 'latest', '--dry-run', '--repo', s.repo, '--data-dir', target]);
  t.is(loud.code, 0, loud.stderr);
  t.not(loud.stdout, '');
  t.regex(loud.stderr, /^mgbackup: warning: the target server version is unknown/);
  const restore = await runCli(['restore', 'latest', '--dry-run', '--quiet', '--repo', s.repo, '--data-dir', target]);
  t.is(restore.code, 0, restore.stderr);
  t.is(restore.stdout, '');
  t.is(restore.stderr, '');
  const unlock = await runCli(['unlock', '--quiet', '--uri', s.standin.uri, '--data-dir', s.data]);
  t.is(unlock.code, 0, unlock.stderr);
  t.is(unlock.stdout, '');
  t.is(unlock.stderr, '');
  const list = await runCli(['list', '--quiet', '--repo', s.repo]);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /^database memgraph, storage [0-9a-f-]{36}\nID +CREATED/);
  t.is(list.stderr, '');
  // A failure under --quiet is still reported.
  const bad = await runCli(['verify', '--quiet', '--repo', s.repo, 'nosuch']);
  t.is(bad.code, 12);
  t.regex(bad.stderr, /^mgbackup: error: no backup "nosuch"/);
});

test('off a terminal: no narration by default; --progress shows the steps; --verbose timestamps every stderr line', async (t) => {
  const s = await seededStandIn(t, 'mgb-verbose-');
  const create = await runCli([...s.create, '--json']);
  t.is(create.code, 0, create.stderr);
  t.is(create.stderr, '');
  const plain = await runCli(['verify', '--repo', s.repo, 'latest']);
  t.is(plain.stderr, '');
  const id = JSON.parse(create.stdout).id as string;
  const progress = await runCli(['verify', '--progress', '--repo', s.repo, 'latest']);
  t.is(progress.code, 0, progress.stderr);
  t.is(progress.stderr, `verifying ${id} ...\nverified ${id}: 2 files\n`);
  const verbose = await runCli(['verify', '--verbose', '--repo', s.repo, 'latest']);
  t.is(verbose.code, 0, verbose.stderr);
  t.is(verbose.stdout, plain.stdout, 'stdout is unchanged by --verbose');
  const lines = verbose.stderr.trimEnd().split('\n');
  t.deepEqual(lines.map((l) => l.replace(ISO, '<time> ')), [`<time> verifying ${id} ...`, `<time> verified ${id}: 2 files`]);
  const failed = await runCli(['verify', '--verbose', '--repo', s.repo, 'nosuch']);
  t.is(failed.code, 12);
  for (const l of failed.stderr.trimEnd().split('\n')) t.regex(l, ISO);
  // --json errors stay one parseable object, never prefixed.
  const json = await runCli(['verify', '--verbose', '--json', '--repo', s.repo, 'nosuch']);
  t.like(JSON.parse(json.stderr), { type: 'error', code: 12 });
});

test('--log-file: every line timestamped, also under --quiet, appended, file mode 0600', async (t) => {
  const s = await seededStandIn(t, 'mgb-log-');
  const log = path.join(s.root, 'mgbackup.log');
  fs.writeFileSync(log, 'an older line\n', { mode: 0o644 });
  fs.chmodSync(log, 0o644);
  const create = await runCli([...s.create, '--quiet', '--log-file', log]);
  t.is(create.code, 0, create.stderr);
  t.is(create.stdout, '');
  t.is(create.stderr, '');
  t.is(fs.statSync(log).mode & 0o777, 0o600);
  const first = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
  t.is(first[0], 'an older line');
  t.true(first.length > 2, first.join('\n'));
  for (const l of first.slice(1)) t.regex(l, ISO);
  t.true(first.some((l) => / creating snapshot \.\.\.$/.test(l)), first.join('\n'));
  const bad = await runCli(['verify', '--repo', s.repo, 'nosuch', '--log-file', log]);
  t.is(bad.code, 12);
  const after = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
  t.deepEqual(after.slice(0, first.length), first, 'appended, nothing rewritten');
  t.deepEqual(after.slice(first.length).map((l) => l.replace(ISO, '<time> ')), [
    `<time> mgbackup: error: no backup "nosuch" in repository "${s.repo}"`,
    '<time> hint: run `mgbackup list` to see the backups that exist',
  ]);
  const nowhere = await runCli(['list', '--repo', s.repo, '--log-file', path.join(s.root, 'no', 'such', 'dir.log')]);
  t.is(nowhere.code, 12);
  t.is(nowhere.stderr, `mgbackup: error: cannot open --log-file "${path.join(s.root, 'no', 'such', 'dir.log')}": ENOENT\nhint: give a file in an existing folder that this user can write\n`);
});
