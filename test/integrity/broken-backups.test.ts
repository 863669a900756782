// Issue 9 item 10 and the empty reference of item 21: a backup folder that cannot be used (truncated
// manifest, a manifest naming another id, unreadable for this user) is shown by `list` as broken (text
// and --json) and `verify` fails with 14 (16 when unreadable) instead of 12 "not found"; `""` matches
// nothing and is a usage error.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { BIN, runCli, type CliResult } from '../helpers/run-cli.js';

const NAME_DIFFERS = '20990101T000000Z-deadbeef';
const TRUNCATED = '20990102T000000Z-cafebabe';
const UNREADABLE = '20990103T000000Z-0badf00d';

interface Repo {
  root: string;
  repo: string;
  id: string;
  truncatedText: string;
}

let made: Repo | undefined;

// One real backup from the stand-in, then broken copies of it made the way damage happens.
test.before(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-broken-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const s = await StandIn.start({ dataDir: data });
  try {
    const client = await connectNeo4j({ uri: s.uri });
    await client.run('CREATE (:P {n: 1});');
    await client.close();
    const repo = path.join(root, 'repo');
    const c = await runCli(['create', '--uri', s.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data, '--json']);
    if (c.code !== 0) throw new Error(`create failed: ${c.stderr}`);
    const id = JSON.parse(c.stdout).id as string;
    const copy = (name: string, manifestId: string) => {
      fs.cpSync(path.join(repo, id), path.join(repo, name), { recursive: true });
      const mf = path.join(repo, name, 'manifest.json');
      fs.writeFileSync(mf, JSON.stringify({ ...JSON.parse(fs.readFileSync(mf, 'utf8')), id: manifestId }, null, 2) + '\n');
      return mf;
    };
    copy(NAME_DIFFERS, id);
    const mf = copy(TRUNCATED, TRUNCATED);
    const truncatedText = fs.readFileSync(mf, 'utf8').slice(0, 100);
    fs.writeFileSync(mf, truncatedText);
    made = { root, repo, id, truncatedText };
  } finally {
    await s.stop();
  }
});
test.after.always(() => {
  if (made) fs.rmSync(made.root, { recursive: true, force: true });
});

const jsonError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid JSON');
};

test.serial('list shows broken backups after the good ones, in text and --json, and exits 0 with a warning', async (t) => {
  const { repo, id, truncatedText } = made!;
  const truncatedProblem = `manifest ${JSON.stringify(path.join(repo, TRUNCATED, 'manifest.json'))} is invalid: not JSON (${jsonError(truncatedText)})`;
  const differsProblem = `its manifest.json is for backup ${JSON.stringify(id)}, not ${JSON.stringify(NAME_DIFFERS)}`;

  const j = await runCli(['list', '--repo', repo, '--json']);
  t.is(j.code, 0, j.stderr);
  const listing = JSON.parse(j.stdout);
  t.deepEqual(listing.backups.map((b: { id: string }) => b.id), [id]);
  t.deepEqual(listing.broken, [
    { id: NAME_DIFFERS, path: path.join(repo, NAME_DIFFERS), code: 14, kind: 'integrity', problem: differsProblem },
    { id: TRUNCATED, path: path.join(repo, TRUNCATED), code: 14, kind: 'integrity', problem: truncatedProblem },
  ]);
  t.is(j.stderr, `mgbackup: warning: 2 broken backup folder(s) in ${repo}; \`mgbackup verify ID\` says why, restore refuses them\n`);

  const l = await runCli(['list', '--repo', repo]);
  t.is(l.code, 0, l.stderr);
  // A section per storage: its name, the table (header and the one backup), the restore window.
  const tail = l.stdout.split('\n').slice(4).join('\n');
  t.is(tail, [
    '',
    'broken (2, not usable):',
    `${NAME_DIFFERS}  BROKEN: ${differsProblem}`,
    `${TRUNCATED}  BROKEN: ${truncatedProblem}`,
    '',
  ].join('\n'));
  t.true(l.stdout.split('\n')[2]!.startsWith(`${id}  `), l.stdout);
});

test.serial('verify of a broken backup is 14 naming it and why, by full or short id; restore refuses it the same way', async (t) => {
  const { repo, id, truncatedText } = made!;
  const hint = 'hint: do not restore from this backup; take a new one or use an older backup that verifies\n';
  const v1 = await runCli(['verify', '--repo', repo, NAME_DIFFERS]);
  t.is(v1.code, 14);
  t.is(v1.stdout, '');
  t.is(v1.stderr, `mgbackup: error: backup "${NAME_DIFFERS}" is broken: its manifest.json is for backup "${id}", not "${NAME_DIFFERS}"\n${hint}`);
  const v2 = await runCli(['verify', '--repo', repo, 'cafebabe']);
  t.is(v2.code, 14);
  t.is(v2.stderr, `mgbackup: error: backup "${TRUNCATED}" is broken: manifest "${path.join(repo, TRUNCATED, 'manifest.json')}" is invalid: not JSON (${jsonError(truncatedText)})\n${hint}`);
  const r = await runCli(['restore', '--repo', repo, NAME_DIFFERS, '--data-dir', path.join(made!.root, 'target')]);
  t.is(r.code, 14, r.stderr);
  t.is(r.stderr, v1.stderr);
  t.false(fs.existsSync(path.join(made!.root, 'target', 'snapshots')));
  const good = await runCli(['verify', '--repo', repo, id]);
  t.is(good.code, 0, good.stderr);
});

test.serial('the empty reference "" matches no backup: usage error 2 with a hint', async (t) => {
  const { repo } = made!;
  for (const ref of ['', ' ']) {
    const r = await runCli(['verify', '--repo', repo, ref]);
    t.is(r.code, 2, r.stderr);
    t.is(r.stdout, '');
    t.is(r.stderr, `mgbackup: error: empty backup reference ${JSON.stringify(ref)}\nhint: give a backup id, its short id, or "latest"; \`mgbackup list\` shows them\n`);
  }
});

// An unreadable backup needs a user other than its owner; root reads everything.
const setpriv = spawnSync('setpriv', ['--version']).error === undefined;
const asNobody = (args: string[]): Promise<CliResult> => new Promise((resolve) => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  resolve({ code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });
});
const canSwitch = setpriv && process.getuid?.() === 0;
if (!canSwitch) console.log(`skipping the unreadable-backup test: ${setpriv ? 'not running as root, cannot switch user' : 'setpriv is not installed'}`);
(canSwitch ? test.serial : test.skip)('a backup this user cannot read is listed as broken (16) and verify exits 16', async (t) => {
  const { root, repo, id } = made!;
  fs.cpSync(path.join(repo, id), path.join(repo, UNREADABLE), { recursive: true });
  const mf = path.join(repo, UNREADABLE, 'manifest.json');
  fs.writeFileSync(mf, JSON.stringify({ ...JSON.parse(fs.readFileSync(mf, 'utf8')), id: UNREADABLE }, null, 2) + '\n');
  t.teardown(() => fs.rmSync(path.join(repo, UNREADABLE), { recursive: true, force: true }));
  // Everything readable by nobody except the one backup, which stays root's and 0700.
  fs.chmodSync(root, 0o755);
  spawnSync('chown', ['-R', '65534:65534', repo]);
  spawnSync('chown', ['-R', '0:0', path.join(repo, UNREADABLE)]);
  fs.chmodSync(path.join(repo, UNREADABLE), 0o700);
  t.teardown(() => spawnSync('chown', ['-R', '0:0', repo]));

  const j = await asNobody(['list', '--repo', repo, '--json']);
  t.is(j.code, 0, j.stderr);
  const listing = JSON.parse(j.stdout);
  t.deepEqual(listing.backups.map((b: { id: string }) => b.id), [id]);
  const user = spawnSync('id', ['-nu', '65534'], { encoding: 'utf8' }).stdout.trim() || 'nobody';
  const problem = `cannot read ${JSON.stringify(mf)}: permission denied for user ${user} (uid 65534)`;
  t.deepEqual(listing.broken.find((b: { id: string }) => b.id === UNREADABLE), { id: UNREADABLE, path: path.join(repo, UNREADABLE), code: 16, kind: 'io', problem });

  const v = await asNobody(['verify', '--repo', repo, UNREADABLE]);
  t.is(v.code, 16);
  t.is(v.stderr, `mgbackup: error: backup "${UNREADABLE}" is broken: ${problem}\nhint: run mgbackup as the user that owns the repository, or fix the permissions of "${path.join(repo, UNREADABLE)}"\n`);
});
