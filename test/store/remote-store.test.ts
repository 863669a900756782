// A backup in a remote repository (remote-store.ts), on the in-memory backend: the owner record goes
// first and the manifest last, so nothing is listed before its manifest exists; a staged upload is
// neither a backup nor broken; a file that changed under the upload is refused; abort leaves nothing;
// fetch gives the objects as local files, extras included.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import type { PutOptions, PutResult } from '../../src/repo/repo-backend.js';
import { listAll } from '../../src/repo/repo-backend.js';
import { BackupStore } from '../../src/store/backup-store.js';
import type { Manifest } from '../../src/store/manifest.js';

/** Records the order of puts. */
class RecordingBackend extends MemoryBackend {
  readonly puts: string[] = [];
  override async put(key: string, body: Readable | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    const r = await super.put(key, body, opts);
    this.puts.push(key);
    return r;
  }
}

/** Each test its own id: the local staging folder is per id (localStagingDir), and tests run at once. */
const newId = () => `20260101T120000Z-${randomBytes(4).toString('hex')}`;
const BODY = Buffer.from('snapshot bytes');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function manifest(id: string, sha256 = sha(BODY)): Manifest {
  return {
    format: 'mgbackup-backup', formatVersion: 2, id, createdAt: '2026-01-01T12:00:00.000Z', mgbackupVersion: '0.2.0',
    memgraph: { version: '3.13.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid: 'u' },
    counts: { vertices: 1, edges: 0 }, snapshotOnly: true, source: 'x',
    files: [{ path: 'snapshots/s', kind: 'snapshot', size: BODY.length, sha256, durabilityVersion: 36, uuid: 'u', durableTs: '7', pinnedBy: 'copy' }],
    timings: { totalMs: 1, snapshotMs: 1, lockWindowMs: 1, copyMs: 1 }, labels: {}, tags: [], warnings: [],
  } as Manifest;
}

async function staged(backend: MemoryBackend, ID: string) {
  const store = await BackupStore.open(backend, { create: false });
  const staging = await store.begin(ID, '{"format":"mgbackup-owner"}');
  fs.writeFileSync(await staging.destination('snapshots/s'), BODY);
  return { store, staging };
}

test('publish puts the owner record first, the manifest last, then drops the record; list sees the backup only then', async (t) => {
  const backend = new RecordingBackend('memory://r');
  const ID = newId();
  const { store, staging } = await staged(backend, ID);
  t.teardown(() => store.close());
  t.true(store.remote);
  t.deepEqual(await store.scan(), { backups: [], broken: [] });
  const where = await staging.publish(manifest(ID));
  t.is(where, `memory://r/${ID}`);
  t.deepEqual(backend.puts, [`.staging/${ID}.owner.json`, `${ID}/snapshots/s`, `${ID}/manifest.json`]);
  t.deepEqual((await listAll(backend, '')).map((o) => o.key), [`${ID}/manifest.json`, `${ID}/snapshots/s`]);
  const b = await store.resolve('latest');
  t.is(b.id, ID);
  t.is(b.dir, `memory://r/${ID}`);
  t.false(fs.existsSync(staging.dir), 'the local copy is gone');
});

test('a staged upload whose manifest never came is not listed and not broken; without its owner record it is broken', async (t) => {
  const backend = new MemoryBackend('memory://r');
  const store = await BackupStore.open(backend, { create: false });
  t.teardown(() => store.close());
  const ID = newId();
  await backend.put(`.staging/${ID}.owner.json`, Buffer.from('{}'));
  await backend.put(`${ID}/snapshots/s`, BODY);
  t.deepEqual(await store.scan(), { backups: [], broken: [] });
  await backend.delete(`.staging/${ID}.owner.json`);
  const { broken } = await store.scan();
  t.deepEqual(broken.map((b) => [b.name, b.kind, b.problem]), [[ID, 'integrity', 'has no manifest.json']]);
});

test('a file that does not match the hash taken while copying is refused and no manifest is put; abort removes the objects', async (t) => {
  const backend = new MemoryBackend('memory://r');
  const ID = newId();
  const { store, staging } = await staged(backend, ID);
  t.teardown(() => store.close());
  const e = await t.throwsAsync(staging.publish(manifest(ID, 'b'.repeat(64))), { instanceOf: MgBackupError });
  t.is(e.kind, 'integrity');
  t.regex(e.message, new RegExp(`^uploaded "${ID}/snapshots/s" has sha256 ${sha(BODY)} \\(14 bytes\\), the copy had b{64} \\(14 bytes\\)$`));
  t.false((await listAll(backend, '')).some((o) => o.key.endsWith('manifest.json')));
  await staging.abort();
  t.deepEqual(await listAll(backend, ''), []);
  t.false(fs.existsSync(staging.dir));
});

test('fetch downloads every object of the backup into the private folder; release drops it, close removes the folder', async (t) => {
  const backend = new MemoryBackend('memory://r');
  const ID = newId();
  const { store, staging } = await staged(backend, ID);
  await staging.publish(manifest(ID));
  await backend.put(`${ID}/extra`, Buffer.from('x'));
  const local = await store.fetch(await store.resolve(ID));
  t.true(local.dir.startsWith(store.root));
  t.deepEqual(fs.readFileSync(path.join(local.dir, 'snapshots', 's')), BODY);
  t.is(fs.readFileSync(path.join(local.dir, 'extra'), 'utf8'), 'x');
  t.is(fs.statSync(path.join(local.dir, 'snapshots', 's')).mode & 0o777, 0o600);
  await store.release(local);
  t.false(fs.existsSync(local.dir), 'release drops the copy');
  t.deepEqual(fs.readFileSync(path.join((await store.fetch(await store.resolve(ID))).dir, 'snapshots', 's')), BODY, 'a later fetch downloads again');
  await store.close();
  t.false(fs.existsSync(store.root));
});
