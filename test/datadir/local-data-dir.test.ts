import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { dataDirContract } from './data-dir.contract.js';

dataDirContract(test, 'local', async (memgraphLike) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-local-'));
  if (memgraphLike) {
    fs.mkdirSync(path.join(root, 'snapshots'));
    fs.mkdirSync(path.join(root, 'wal'));
  }
  return { dir: new LocalDataDir(root), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

test('local: a missing directory is notFound and names the path', async (t) => {
  const err = await t.throwsAsync(new LocalDataDir('/nonexistent/mg').check(), { instanceOf: MgBackupError });
  t.is(err!.message, 'data directory "/nonexistent/mg" does not exist');
  t.is(err!.kind, 'notFound');
});

test('local: pins are hardlinks (same inode) when the staging folder shares the filesystem', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-local-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'data', 'snapshots'), { recursive: true });
  fs.writeFileSync(path.join(root, 'data', 'snapshots', 's'), 'abc');
  const dir = new LocalDataDir(path.join(root, 'data'));
  const pins = await dir.pin(['snapshots/s'], { stagingDir: path.join(root, 'pins'), id: 'x' });
  t.is(pins.files[0]!.method, 'hardlink');
  t.is(fs.statSync(path.join(root, 'pins', 'snapshots', 's')).ino, fs.statSync(path.join(root, 'data', 'snapshots', 's')).ino);
  t.is(pins.where, 'backup store');
  await pins.release();
});
