// RemoteBackupStore.scan on the real S3 server (Swift's s3api): the backups come from one delimiter
// listing of the top-level folders, never from a walk through the WAL archive's objects, and the
// result is the same as the walk gives (the fallback of backends without listDirs): uploads in flight
// (`.staging/<id>.owner.json`) and forgotten backups (`forgetting/<id>.json`) are left out, a backup
// folder without a manifest is broken, archive/ and locks/ are not backups.
import test from 'ava';
import type { ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { BackupStore } from '../../src/store/backup-store.js';
import { freshBucket } from '../helpers/s3-server.js';
import { idAt, putBackup, putWal, UUID_A } from '../forget/helpers.js';

test('scan lists folders with a delimiter, skips staged and forgotten backups, reports a folder without manifest, and matches the walk', async (t) => {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const ids = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z'].map((iso, i) => idAt(iso, `abcd000${i}`));
  const [kept, staged, forgotten, noManifest] = ids as [string, string, string, string];
  for (const id of [kept, staged, forgotten]) await putBackup(b.backend, { id, createdAt: '2026-01-01T00:00:00.000Z' });
  await b.backend.put(`.staging/${staged}.owner.json`, Buffer.from('{}'));
  await b.backend.put(`forgetting/${forgotten}.json`, Buffer.from('{}'));
  await b.backend.put(`${noManifest}/snapshots/s`, Buffer.from('s'));
  for (let i = 0; i < 5; i++) await putWal(b.backend, UUID_A, 100 * i, 100 * i + 99, i);
  await b.backend.put('locks/some-holder.json', Buffer.from('{}'));

  // Every ListObjectsV2 the scan sends, as the server receives it.
  const lists: ListObjectsV2CommandInput[] = [];
  b.backend.client.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'ListObjectsV2Command') lists.push({ ...(args.input as ListObjectsV2CommandInput) });
    return next(args);
  }, { step: 'initialize', name: 'countLists' });

  const store = await BackupStore.open(b.backend, { create: false });
  t.teardown(() => store.close());
  const scanned = await store.scan();
  t.deepEqual(scanned.backups.map((x) => x.id), [kept]);
  t.deepEqual(scanned.broken.map((x) => [x.name, x.kind, x.problem]), [[noManifest, 'integrity', 'has no manifest.json']]);
  // One delimiter listing of the top level and one of each small folder: nothing walks archive/.
  t.deepEqual(lists.map((l) => [l.Prefix, l.Delimiter]).sort(), [['repo/', '/'], ['repo/.staging/', undefined], ['repo/forgetting/', undefined]]);

  // The walk (backends without listDirs) gives the same answer.
  Object.defineProperty(b.backend, 'listDirs', { value: undefined });
  lists.length = 0;
  t.deepEqual(await store.scan(), scanned);
  t.true(lists.some((l) => l.Prefix === 'repo/' && l.Delimiter === undefined), 'the fallback walks');
});
