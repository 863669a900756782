// chokidar against real file operations in a real directory, the way Memgraph makes them: a WAL created
// as `_current`, renamed to `_from_X_to_Y` when finalized, deleted by retention, a snapshot written; and
// what watch must not react to (.old/, lease files, pin folders).
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chokidarChanges, type FileChange, type FileChanges } from '../../src/core/watch/file-changes.js';

async function setup(t: import('ava').ExecutionContext) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-chokidar-'));
  fs.mkdirSync(path.join(root, 'wal'));
  fs.mkdirSync(path.join(root, 'snapshots'));
  const changes = await chokidarChanges(root);
  t.teardown(async () => {
    await changes.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { root, changes };
}

/** Collects changes until `done` holds (generous timeout: a loaded machine delays inotify delivery). */
async function until(changes: FileChanges, done: (seen: FileChange[]) => boolean, timeoutMs = 30_000): Promise<FileChange[]> {
  const seen: FileChange[] = [];
  const start = Date.now();
  while (!done(seen)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out; seen ${JSON.stringify(seen)}`);
    seen.push(...await changes.next(1000));
  }
  return seen;
}

const has = (kind: string, p: string) => (seen: FileChange[]) => seen.some((c) => c.kind === kind && c.path === p);

test('a WAL created, appended, renamed when finalized and deleted by retention gives add, change, unlink + add, unlink', async (t) => {
  const { root, changes } = await setup(t);
  const cur = path.join(root, 'wal', '20261203101500000000_current');
  const fin = path.join(root, 'wal', '20261203101500000000_from_1_to_9');
  fs.writeFileSync(cur, 'MGwl header');
  await until(changes, has('add', 'wal/20261203101500000000_current'));
  fs.appendFileSync(cur, ' tx1');
  await until(changes, has('change', 'wal/20261203101500000000_current'));
  fs.renameSync(cur, fin);
  const renamed = await until(changes, (s) => has('unlink', 'wal/20261203101500000000_current')(s) && has('add', 'wal/20261203101500000000_from_1_to_9')(s));
  t.true(renamed.every((c) => c.path.startsWith('wal/')));
  fs.rmSync(fin);
  await until(changes, has('unlink', 'wal/20261203101500000000_from_1_to_9'));
});

test('a new snapshot is an add under snapshots/; .old/, lease files and pin folders are ignored', async (t) => {
  const { root, changes } = await setup(t);
  fs.mkdirSync(path.join(root, 'wal', '.old'));
  fs.writeFileSync(path.join(root, 'wal', '.old', '20261203101500000000_from_1_to_9'), 'old');
  fs.writeFileSync(path.join(root, '.mgbackup-lease-memgraph.json'), '{}');
  fs.mkdirSync(path.join(root, '.mgbackup-pin-x'));
  fs.writeFileSync(path.join(root, '.mgbackup-pin-x', 'owner.json'), '{}');
  fs.writeFileSync(path.join(root, 'snapshots', '20261203101600000000_timestamp_9'), 'MGsn');
  const seen = await until(changes, has('add', 'snapshots/20261203101600000000_timestamp_9'));
  // Anything else would have been delivered no later than the snapshot written after it.
  t.deepEqual(seen.filter((c) => !c.path.startsWith('snapshots/')), []);
});

test('next() returns [] after its timeout when nothing happens', async (t) => {
  const { changes } = await setup(t);
  t.deepEqual(await changes.next(50), []);
});
