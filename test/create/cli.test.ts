// The create/list/verify commands end to end through main(): flags, exit codes, exact stderr lines and
// stdout payloads. The server is the scripted fake (the stand-in takes over once it writes MGsn files).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeHarness, testClock } from './harness.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';

const io = (env: NodeJS.ProcessEnv = {}) => captureIo({ env });

const mask = (s: string) => s.replace(/\d{8}T\d{6}Z-[0-9a-f]{8}/g, '<ID>').replace(/\d{20}/g, '<P>').replace(/[0-9a-f]{12}…/g, '<H>…');

test('create --json, list, verify, then a flipped byte fails verify with exit 14 naming the file', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(3);
  const deps = { connect: async () => h.fake.client(), clock: testClock([]) };
  const c = io();
  const code = await main(['create', '--repo', h.repo, '--data-dir', h.data, '--json', '--label', 'env=ci', '--tag', 'a'], c, deps);
  t.is(c.err(), '');
  t.is(code, 0);
  const result = JSON.parse(c.out());
  t.is(result.type, 'backup');
  t.deepEqual(Object.keys(result).sort(), ['archived', 'bytes', 'compression', 'durations', 'files', 'id', 'leftovers', 'lockWindowMs', 'path', 'pinnedBy', 'storedBytes', 'type', 'warnings']);
  t.deepEqual(result.archived, []);
  t.is(result.path, path.join(h.repo, result.id));

  const l = io();
  t.is(await main(['list', '--repo', h.repo], l, deps), 0);
  const lines = l.out().trimEnd().split('\n');
  t.regex(lines[0]!, /^database memgraph, storage \S+$/);
  t.regex(lines[1]!, /^ID\s+CREATED \(UTC\)\s+AGE\s+DATABASE\s+MEMGRAPH\s+KIND\s+SIZE\s+VERTICES\s+EDGES\s+PINNED\s+TAGS\s+LABELS$/);
  t.regex(lines[2]!, new RegExp(`^${result.id}\\s+2026-03-04 05:06:07\\s+0s\\s+memgraph\\s+3\\.12\\.0\\s+snapshot\\+wal\\s+[\\d.]+ KiB\\s+3\\s+2\\s+-\\s+a\\s+env=ci$`));
  t.regex(lines[3]!, /^restore window: 2026-03-04T05:06:07\.000Z \(commit \d+\) \.\. 2026-03-04T05:06:07\.000Z \(commit \d+\)$/);
  const lj = io({ MGBACKUP_REPO: h.repo });
  t.is(await main(['list', '--json'], lj, deps), 0);
  t.deepEqual(JSON.parse(lj.out()).backups.map((b: { id: string }) => b.id), [result.id]);

  const v = io();
  t.is(await main(['verify', '--repo', h.repo, 'latest'], v, deps), 0);
  t.is(mask(v.out()), 'backup <ID>: ok (2 files, 4.4 KiB, sha256 and headers match the manifest)\n');

  const snap = path.join(result.path, result.files[0].path);
  fs.chmodSync(snap, 0o600);
  const buf = fs.readFileSync(snap);
  // Inside the stored (zstd-compressed, so small) file.
  buf[buf.length >> 1] ^= 1;
  fs.writeFileSync(snap, buf);
  const bad = io();
  t.is(await main(['verify', '--repo', h.repo, result.id], bad, deps), 14);
  t.is(bad.out(), '');
  t.is(mask(bad.err()), [
    'mgbackup: error: backup <ID>: "snapshots/<P>_timestamp_13" sha256 mismatch (manifest <H>…, file <H>…)',
    'hint: do not restore from this backup; take a new one or use an older backup that verifies',
    '',
  ].join('\n'));
});

test('someone else\'s lock: exit 13 with the exact message and hints; the lock stays', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.locked = true;
  const c = io();
  const code = await main(['create', '--repo', h.repo, '--data-dir', h.data], c, { connect: async () => h.fake.client(), clock: testClock([]) });
  t.is(code, 13);
  t.is(c.out(), '');
  t.is(c.err(), [
    'mgbackup: error: cannot start the backup: the data directory is locked by someone else',
    'hint: another backup or an operator holds LOCK DATA DIRECTORY; mgbackup never unlocks a lock it did not take',
    'hint: wait for it to finish, or pass --wait to poll until it is released',
    '',
  ].join('\n'));
  t.true(h.fake.locked);
});

test('usage errors: no repo, both or neither source, bad label, archive to a terminal', async (t) => {
  const run = async (args: string[], tty = false) => {
    const c = io();
    c.stdoutIsTTY = tty;
    const code = await main(args, c, { connect: async () => { throw new Error('must not connect'); } });
    return { code, err: c.err().split('\n')[0] };
  };
  t.deepEqual(await run(['create', '--data-dir', '/x']), { code: 2, err: 'mgbackup: error: no backup repository given' });
  t.deepEqual(await run(['create', '--repo', '/r']), { code: 2, err: 'mgbackup: error: give exactly one of --data-dir and --container' });
  t.deepEqual(await run(['create', '--repo', '/r', '--data-dir', '/x', '--container', 'c']), { code: 2, err: 'mgbackup: error: give exactly one of --data-dir and --container' });
  t.deepEqual(await run(['create', '--repo', '/r', '--data-dir', '/x', '--label', 'novalue']), { code: 2, err: 'mgbackup: error: label "novalue" is not KEY=VALUE' });
  t.deepEqual(await run(['create', '--repo', '/r', '--data-dir', '/x', '--archive', 'out.zip']), { code: 2, err: 'mgbackup: error: archive name "out.zip" must end in .tar, .tar.gz or .tar.zst (or be - for stdout)' });
  t.deepEqual(await run(['create', '--repo', '/r', '--data-dir', '/x', '--archive=-'], true), { code: 17, err: 'mgbackup: error: refusing to write an archive to a terminal' });
  t.deepEqual(await run(['verify', '--repo', '/nonexistent/repo', 'latest']), { code: 12, err: 'mgbackup: error: backup repository "/nonexistent/repo" does not exist' });
});

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
for (const ext of ['tar', 'tar.gz', 'tar.zst']) {
  const run = ext === 'tar.zst' && !hasZstd ? test.skip : test;
  if (ext === 'tar.zst' && !hasZstd) console.log('skipping the .tar.zst archive test: no zstd program on PATH');
  run(`--archive out.${ext} holds the published backup folder with its manifest`, async (t) => {
    const h = makeHarness();
    t.teardown(h.cleanup);
    h.fake.commit(1);
    const out = path.join(h.root, `out.${ext}`);
    const c = io();
    t.is(await main(['create', '--repo', h.repo, '--data-dir', h.data, '--json', '--archive', out], c, { connect: async () => h.fake.client(), clock: testClock([]) }), 0);
    const id = JSON.parse(c.out()).id as string;
    const flag = ext === 'tar' ? [] : ext === 'tar.gz' ? ['-z'] : ['--zstd'];
    const listing = spawnSync('tar', [...flag, '-tf', out], { encoding: 'utf8' });
    t.is(listing.status, 0, listing.stderr);
    t.true(listing.stdout.split('\n').includes(`${id}/manifest.json`));
    t.deepEqual(fs.readdirSync(h.root).filter((n) => n.includes('.partial-')), []);
  });
}
