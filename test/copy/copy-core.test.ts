// runCopyCore on the in-memory backend: what is written, in which order, and what is not written again
// (puts counted), the WAL archive's prefix rules, and the refusals, each by its exact message.
import test from 'ava';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { runCopyCore, type CopyResult } from '../../src/core/copy/copy.js';
import { silentReporter } from '../../src/core/reporter.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { listAll, type RepoBackend } from '../../src/repo/repo-backend.js';
import { archiveWal, type WalSource } from '../../src/repo/wal-archive.js';
import { serializeManifest, type Manifest } from '../../src/store/manifest.js';
import { serializeTombstone } from '../../src/core/forget/tombstone.js';

const UUID = '5b0e6c6e-0000-4000-8000-000000000001';
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const now = new Date('2026-12-03T07:00:00.000Z');

/** Counts puts and remembers their order. */
class Counting extends MemoryBackend {
  puts: string[] = [];
  override async put(key: string, body: Readable | Uint8Array, opts = {}) {
    const r = await super.put(key, body, opts);
    this.puts.push(key);
    return r;
  }
}

function wal(seq: number, fromTs: number, toTs: number, bytes: Buffer, finalized = true): WalSource {
  return {
    name: finalized ? `w${seq}_from_${fromTs}_to_${toTs}` : `w${seq}_current`, uuid: UUID, epoch: 'e', seq: BigInt(seq),
    fromTs: BigInt(fromTs), toTs: BigInt(toTs), durabilityVersion: 37, finalized, size: bytes.length, open: async () => Readable.from([bytes]),
  };
}

async function addBackup(repo: RepoBackend, id: string, snapshot: Buffer, archived: { key: string; sha256: string; size: number }[] = [], pinned = false) {
  const path = 'snapshots/s1';
  const m: Manifest = {
    format: 'mgbackup-backup', formatVersion: 2, id, createdAt: now.toISOString(), mgbackupVersion: '0.2.0',
    memgraph: { version: '3.7.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid: UUID },
    counts: { vertices: 1, edges: 0 }, snapshotOnly: false, source: 'test',
    files: [{ path, kind: 'snapshot', size: snapshot.length, sha256: sha(snapshot), durabilityVersion: 37, uuid: UUID, durableTs: '5', pinnedBy: 'copy' }],
    timings: { totalMs: 1, snapshotMs: 1, lockWindowMs: 1, copyMs: 1 }, labels: {}, tags: [], warnings: [],
    ...(archived.length > 0 ? { archived } : {}), ...(pinned ? { pinned: true } : {}),
  };
  await repo.put(`${id}/${path}`, snapshot);
  await repo.put(`${id}/manifest.json`, Buffer.from(serializeManifest(m)));
  return m;
}

const A = '20261203T060000Z-0000000a';
const B = '20261203T061000Z-0000000b';
const copy = (from: RepoBackend, to: RepoBackend, refs: string[], all = false) =>
  runCopyCore({ refs, all }, { from, to, reporter: silentReporter });

test('data first, record after its data, manifest last; a second run puts nothing', async (t) => {
  const from = new MemoryBackend('r1');
  const w = await archiveWal(from, wal(1, 10, 20, Buffer.from('wal one')), { now });
  await archiveWal(from, wal(2, 21, 30, Buffer.from('wal two')), { now });
  const ref = { key: w.record.dataKey, sha256: w.record.sha256, size: w.record.size };
  await addBackup(from, A, Buffer.from('snapshot A'), [ref], true);
  await addBackup(from, B, Buffer.from('snapshot B'));
  const to = new Counting('r2');
  const first = await copy(from, to, ['latest', A]);
  t.deepEqual(first.backups.map((b) => [b.id, b.action, b.copied]), [[B, 'copied', 1], [A, 'copied', 2]]);
  const stem = w.record.dataKey.slice(0, -'.wal'.length);
  t.deepEqual(to.puts, [`${B}/snapshots/s1`, `${B}/manifest.json`, `${stem}.wal`, `${stem}.wal.json`, `${A}/snapshots/s1`, `${A}/manifest.json`]);
  // The manifest byte for byte: the pin is kept.
  t.deepEqual(await to.getBytes(`${A}/manifest.json`), await from.getBytes(`${A}/manifest.json`));
  to.puts = [];
  const all = await copy(from, to, [], true);
  t.deepEqual(all.backups.map((b) => b.action), ['present', 'present']);
  t.like(all, { archive: { copied: 1, skipped: 1 } }); // wal two is new, wal one was there
  to.puts = [];
  const again: CopyResult = await copy(from, to, [], true);
  t.deepEqual(to.puts, []);
  t.like(again, { total: { copied: 0, bytes: 0, skipped: 2 } });
});

test('a committed prefix replaces an older one in the target, and is not copied over the finalized file', async (t) => {
  const from = new MemoryBackend('r1');
  const to = new MemoryBackend('r2');
  await archiveWal(to, wal(3, 40, 45, Buffer.from('prefix-short'), false), { now });
  const longer = await archiveWal(from, wal(3, 40, 50, Buffer.from('prefix-longer-one'), false), { now });
  await copy(from, to, [], true);
  const keys = (await listAll(to, 'archive/')).map((o) => o.key);
  t.deepEqual(keys, [longer.record.dataKey.replace(/\.part-\d+$/, '.part.json'), longer.record.dataKey].sort());
  // The finalized file arrives in the target (say by watch there): the source's prefix is not copied.
  const fin = await archiveWal(to, wal(3, 40, 60, Buffer.from('the whole file')), { now });
  await archiveWal(from, wal(3, 40, 55, Buffer.from('prefix-longer-still'), false), { now });
  const r = await copy(from, to, [], true);
  t.like(r.archive, { copied: 0, skipped: 1 });
  t.deepEqual((await listAll(to, 'archive/')).map((o) => o.key), [fin.record.dataKey, `${fin.record.dataKey}.json`]);
});

test('refusals: a missing archived record, other bytes under one WAL key, another backup under the same id', async (t) => {
  const from = new MemoryBackend('r1');
  const to = new MemoryBackend('r2');
  const key = `archive/${UUID}/${'10'.padStart(20, '0')}-${'1'.padStart(20, '0')}.wal`;
  await addBackup(from, A, Buffer.from('snapshot A'), [{ key, sha256: sha(Buffer.from('x')), size: 1 }]);
  const e1 = await t.throwsAsync(copy(from, to, [A]), { instanceOf: MgBackupError });
  t.is(e1.message, `backup "${A}" in "r1" is damaged, not copied: "r1/${key}.json": it is missing`);
  t.is((e1 as MgBackupError).kind, 'integrity');
  t.deepEqual(await listAll(to, A), []);

  const f2 = new MemoryBackend('r1');
  const w = await archiveWal(f2, wal(1, 10, 20, Buffer.from('wal one')), { now });
  await archiveWal(to, wal(1, 10, 20, Buffer.from('wal 1!!')), { now });
  const e2 = await t.throwsAsync(copy(f2, to, [], true), { instanceOf: MgBackupError });
  t.is(e2.message, `archived WAL "${w.record.dataKey}" differs between "r1" (sha256 ${w.record.sha256}) and "r2" (sha256 ${sha(Buffer.from('wal 1!!'))})`);

  const f3 = new MemoryBackend('r1');
  const t3 = new MemoryBackend('r2');
  await addBackup(f3, B, Buffer.from('snapshot B'));
  await addBackup(t3, B, Buffer.from('other B'));
  const e3 = await t.throwsAsync(copy(f3, t3, [B]), { instanceOf: MgBackupError });
  t.is(e3.message, `backup "${B}" is in "r2" already, with other files than in "r1"`);
});

test('a backup forgotten in the target is not copied again; several damaged backups: one error naming them, the rest copied', async (t) => {
  const from = new MemoryBackend('r1');
  const to = new MemoryBackend('r2');
  const m = await addBackup(from, A, Buffer.from('snapshot A'));
  await to.put(`forgetting/${A}.json`, serializeTombstone({ format: 'mgbackup-forgotten', id: A, forgottenAt: now.toISOString(), by: 'forget', manifest: m }));
  const r = await copy(from, to, [A]);
  t.deepEqual(r.backups.map((b) => b.action), ['forgotten']);
  t.deepEqual(await listAll(to, A), []);

  const f2 = new MemoryBackend('r1');
  const t2 = new MemoryBackend('r2');
  const C = '20261203T062000Z-0000000c';
  for (const id of [A, B, C]) await addBackup(f2, id, Buffer.from(`snapshot ${id}`));
  for (const id of [A, C]) await f2.put(`${id}/snapshots/s1`, Buffer.from('damaged'));
  const e = await t.throwsAsync(copy(f2, t2, [], true), { instanceOf: MgBackupError });
  t.is(e.message, `2 backups in "r1" are damaged and were not copied: ${A}, ${C}`);
  t.deepEqual((await listAll(t2, '')).map((o) => o.key), [`${B}/manifest.json`, `${B}/snapshots/s1`]);
});
