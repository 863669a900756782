// Issue 9 items 15, 16 and 21 through the built CLI: `restore -` reads an archive on stdin, a hostile
// tar entry ("../x") is refused with 14 and leaves no temp folder, and a target that is a file is a
// usage error about the target.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { exitCodeOf } from '../../src/errors/codes.js';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fixtureDir, tempDir, writeBackup } from './helpers.js';

const skip = fixtureDir() === undefined;
if (skip) console.log(`restore input tests skipped: ${NO_FIXTURES_REASON}`);
const ft = skip ? test.skip : test;
const ID = '20260101T120000Z-abcdef01';

ft('restore - reads a .tar.gz archive from stdin and restores it', async (t) => {
  const work = await tempDir();
  await writeBackup(work, { id: ID, withWal: true });
  const archive = path.join(work, 'b.tar.gz');
  await tar.c({ gzip: true, file: archive, cwd: work }, [ID]);
  const target = path.join(work, 'data');
  const r = await runCli(['restore', '-', '--data-dir', target, '--target-version', '3.12.0'], { input: await fsp.readFile(archive), env: { TMPDIR: work } });
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.regex(r.stdout, new RegExp(`^restored backup ${ID} \\(snapshot-and-wal\\) into ${target}\n`));
  t.deepEqual(await fsp.readdir(path.join(target, 'snapshots')), ['20260101120000000000_timestamp_147']);
  t.deepEqual(await fsp.readdir(path.join(target, 'wal')), ['20260101120000000000_current']);
  t.deepEqual((await fsp.readdir(work)).filter((n) => n.startsWith('mgbackup-restore-')), [], 'the unpack folder is removed');
});

test('a tar whose first entry is ../x: exit 14, nothing written outside, no temp folder left', async (t) => {
  const work = await tempDir();
  const tmp = path.join(work, 'tmp');
  await fsp.mkdir(tmp);
  // Written by python's tarfile: node-tar and GNU tar both refuse to create such an entry.
  const archive = path.join(work, 'evil.tar');
  const py = spawnSync('python3', ['-c', `
import tarfile, io, sys
t = tarfile.open(sys.argv[1], 'w')
def add(name, data):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
add('../x', b'hi')
for n in range(200): add('b/c%d/f' % n, b'hi')
t.close()`, archive]);
  if (py.status !== 0) {
    t.log(`python3 tarfile unavailable: ${py.stderr}`);
    t.fail('python3 is needed to write a hostile tar');
    return;
  }
  const target = path.join(work, 'data');
  const r = await runCli(['restore', archive, '--data-dir', target], { env: { TMPDIR: tmp } });
  t.is(r.code, exitCodeOf('integrity'), r.stderr);
  t.is(r.stderr, `mgbackup: error: archive "${archive}" holds an entry outside its folder: "../x"\n`
    + 'hint: mgbackup never writes such entries; this is not an archive made by "mgbackup create --archive": do not use it\n');
  t.deepEqual(await fsp.readdir(tmp), [], 'no mgbackup-restore-* folder is left behind');
  t.false(fs.existsSync(path.join(work, 'x')));
  t.false(fs.existsSync(target));
});

ft('a restore target that is a file: exit 2 naming the target, the file unchanged', async (t) => {
  const work = await tempDir();
  const { dir } = await writeBackup(work, { id: ID });
  const file = path.join(work, 'not-a-dir');
  await fsp.writeFile(file, 'mine');
  for (const target of [file, path.join(file, 'sub')]) {
    const r = await runCli(['restore', dir, '--data-dir', target]);
    t.is(r.code, exitCodeOf('usage'), r.stderr);
    t.is(r.stderr, `mgbackup: error: --data-dir "${target}" is not a directory\n`
      + 'hint: pass Memgraph\'s data directory (--data-directory), or a new or empty folder to create\n');
  }
  t.is(await fsp.readFile(file, 'utf8'), 'mine');
});
