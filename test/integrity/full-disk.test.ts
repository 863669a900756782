// Issue 9 items 5 and 6: every command that writes a file, on a REAL full disk (a small tmpfs), exits 16
// with a clear message, leaves no temp file behind and publishes nothing. Outputs are larger than the
// write stream's 1 MiB buffer, so the writer has to wait for 'drain' while the disk fails: the case that
// used to hang (dump) or end the process with exit 13 and nothing said (convert).
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { encodeSnapshot } from '../format/encoder.js';
import type { Graph } from '../../src/graph/model.js';
import { syntheticDump } from '../dump/fake-client.js';
import { cli, tempDir } from '../load/standin-helper.js';
import { StandIn } from '../standin/standin.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { TMPFS_REFUSED, fullDisk, leftovers } from './tmpfs.js';

if (TMPFS_REFUSED) console.log(`skipping the full-disk tests: ${TMPFS_REFUSED}`);
const diskTest = TMPFS_REFUSED ? test.skip : test;

/** A snapshot whose dump is about 3 MB. */
function bigSnapshot(dir: string): string {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  for (let i = 0n; i < 30_000n; i++) {
    g.vertices.set(i, { gid: i, labels: ['Person'], props: new Map([['name', `person number ${i} with a long enough name`]]) });
  }
  const file = path.join(dir, 'big_snapshot');
  fs.writeFileSync(file, encodeSnapshot(g, { uuid: '00000000-0000-0000-0000-000000000001', startTimestamp: 5n }));
  return file;
}

const noSpace = (file: string, flag: string, rest = 'nothing was written there') => [
  `mgbackup: error: cannot write ${JSON.stringify(file)}: no space left on the device`,
  `hint: free space on that filesystem, or choose another ${flag}; ${rest}`,
  '',
].join('\n');

for (const ext of ['cypherl', 'cypherl.gz']) {
  diskTest(`convert -o FILE.${ext} on a full disk: exit 16, the message, no temp file`, async (t) => {
    const src = bigSnapshot(tempDir(t));
    const disk = fullDisk(t);
    const out = path.join(disk, `db.${ext}`);
    const r = await runCli(['convert', src, '-o', out], { timeoutMs: 60_000 });
    t.is(r.signal, null, 'the command must end by itself');
    t.is(r.code, 16, r.stderr);
    t.is(r.stdout, '');
    t.is(r.stderr, noSpace(out, '-o/--output'));
    t.deepEqual(leftovers(disk), []);
  });
}

// One loaded stand-in for the dump tests (loading is the slow part); about 0.8 MB of dump.
let shared: { s: StandIn; dir: string } | undefined;
test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-fulldump-'));
  const s = await StandIn.start({ dataDir: path.join(dir, 'data') });
  fs.writeFileSync(path.join(dir, 'db.cypherl'), syntheticDump(8_000, 0).map((l) => l + '\n').join(''));
  const loaded = await cli(['load', 'db.cypherl', '--uri', s.uri], { cwd: dir });
  if (loaded.code !== 0) throw new Error(`seeding the stand-in failed: ${loaded.io.stderrText()}`);
  shared = { s, dir };
});
test.after.always(async () => {
  await shared?.s.stop();
  if (shared) fs.rmSync(shared.dir, { recursive: true, force: true });
});

for (const ext of ['cypherl', 'cypherl.gz']) {
  diskTest(`dump -o FILE.${ext} on a full disk: exit 16 instead of hanging, no temp file`, async (t) => {
    const { s } = shared!;
    const disk = fullDisk(t);
    const out = path.join(disk, `db.${ext}`);
    const r = await runCli(['dump', '--uri', s.uri, '-o', out], { timeoutMs: 60_000 });
    t.is(r.signal, null, 'dump hung on the full disk and was killed');
    t.is(r.code, 16, r.stderr);
    t.is(r.stdout, '');
    t.is(r.stderr, noSpace(out, '-o/--output'));
    t.deepEqual(leftovers(disk), []);
  });
}

test('dump -o and convert -o files are 0600: they hold all the data', async (t) => {
  const { s } = shared!;
  const dir = tempDir(t);
  const dumped = path.join(dir, 'db.cypherl');
  const r = await runCli(['dump', '--uri', s.uri, '-o', dumped]);
  t.is(r.code, 0, r.stderr);
  t.is(fs.statSync(dumped).mode & 0o777, 0o600);
  const converted = path.join(dir, 'conv.cypherl.gz');
  const c = await runCli(['convert', bigSnapshot(dir), '-o', converted]);
  t.is(c.code, 0, c.stderr);
  t.is(fs.statSync(converted).mode & 0o777, 0o600);
});

diskTest('create --archive on a full disk: exit 16, the backup stays published and the message says so', async (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const s = await StandIn.start({ dataDir: data });
  t.teardown(() => s.stop());
  const client = await connectNeo4j({ uri: s.uri });
  for (let i = 0; i < 5; i++) await client.run(`CREATE (:P {n: ${i}});`);
  await client.close();
  const repo = path.join(root, 'repo');
  const disk = fullDisk(t, { freeBytes: 0 });
  const archive = path.join(disk, 'b.tar.gz');
  const r = await runCli(['create', '--uri', s.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data, '--archive', archive]);
  t.is(r.code, 16, r.stderr);
  const ids = fs.readdirSync(repo).filter((n) => /^\d{8}T/.test(n)); // backups only: the marker and locks/ are format 2's
  t.is(ids.length, 1, 'the complete backup is kept');
  const id = ids[0]!;
  const lastLines = r.stderr.split('\n').slice(-4).join('\n');
  t.is(lastLines, [
    `mgbackup: error: cannot write archive ${JSON.stringify(archive)}: no space left on device; backup ${id} itself is complete and stays in the repository`,
    'hint: free space on that filesystem or choose another --archive',
    `hint: to export it later: tar -C ${JSON.stringify(repo)} -cf ARCHIVE.tar ${id}`,
    '',
  ].join('\n'));
  t.deepEqual(leftovers(disk), []);
  const v = await runCli(['verify', '--repo', repo, id]);
  t.is(v.code, 0, v.stderr);
});

diskTest('restore onto a full disk: exit 16 whose hints do not send the operator to --repo', async (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const s = await StandIn.start({ dataDir: data });
  t.teardown(() => s.stop());
  const client = await connectNeo4j({ uri: s.uri });
  for (let i = 0; i < 20; i++) await client.run(`CREATE (:P {n: ${i}, s: "${'x'.repeat(300)}"});`);
  await client.close();
  const repo = path.join(root, 'repo');
  const c = await runCli(['create', '--uri', s.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data]);
  t.is(c.code, 0, c.stderr);
  const disk = fullDisk(t, { freeBytes: 0 });
  const r = await runCli(['restore', '--repo', repo, 'latest', '--data-dir', path.join(disk, 'mg')]);
  t.is(r.code, 16, r.stderr);
  t.regex(r.stderr, /no space left on (the )?device/);
  t.false(r.stderr.includes('--repo'), r.stderr);
});

diskTest('load --continue-on-error with its failures file on a full disk: exit 16 naming the file and --failures-file', async (t) => {
  const { s } = shared!;
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'bad.cypherl'), `CREATE (:Fresh {n: 1});\nTHIS IS NOT CYPHER ${'x'.repeat(9000)};\n`);
  const disk = fullDisk(t, { freeBytes: 0 });
  const failures = path.join(disk, 'failures.cypherl');
  const r = await runCli(['load', 'bad.cypherl', '--uri', s.uri, '--allow-non-empty', '--continue-on-error', '--failures-file', failures], { cwd: dir });
  t.is(r.code, 16, r.stderr);
  t.true(r.stderr.endsWith([
    `mgbackup: error: cannot write ${JSON.stringify(failures)}: no space left on the device`,
    'hint: free space on that filesystem, or choose another --failures-file',
    '',
  ].join('\n')), r.stderr);
});
