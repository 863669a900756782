// runForget against the in-memory repository: what forget and --prune delete, in which order, what a
// dry run reports (exactly what a real run then does), how an interrupted run is finished, and which
// archived WAL stays (per storage, from the oldest kept base snapshot on).
import test from 'ava';
import { runForget, type ForgetRequest, type ForgetResult } from '../../src/core/forget/forget.js';
import { parseDuration } from '../../src/core/forget/policy.js';
import { scanRepoBackups } from '../../src/core/forget/repo-backups.js';
import { tombstoneKey } from '../../src/core/forget/tombstone.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import type { Clock } from '../../src/core/clock.js';
import { idAt, keysOf, putBackup, putPart, putWal, UUID_A, UUID_B, walStem } from './helpers.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const clock: Clock = { now: () => NOW, monotonicMs: () => 0, sleep: async () => {} };

async function run(backend: MemoryBackend, req: Partial<ForgetRequest> & Pick<ForgetRequest, 'policy'>, steps?: string[]): Promise<{ r: ForgetResult; warnings: string[] }> {
  const warnings: string[] = [];
  const r = await runForget({ prune: false, dryRun: false, ...req }, {
    backend, clock, warn: (m) => warnings.push(m), ...(steps ? { onStep: (s) => steps.push(s) } : {}),
  });
  return { r, warnings };
}

/** Five daily backups of storage A at snapshot timestamps 100..500, the newest last. */
async function fiveDays(backend: MemoryBackend): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const iso = `2026-03-0${i}T10:00:00.000Z`;
    const id = idAt(iso, `0000000${i}`);
    await putBackup(backend, { id, createdAt: iso, ts: i * 100 });
    ids.push(id);
  }
  return ids;
}

test('no keep rule: a usage error, and nothing is read or written', async (t) => {
  const backend = new MemoryBackend();
  await fiveDays(backend);
  const before = await keysOf(backend);
  const e = await t.throwsAsync(run(backend, { policy: { last: 0 } }));
  t.is(e?.message, 'forget needs at least one keep option');
  t.deepEqual(await keysOf(backend), before);
});

test('forget without --prune: the tombstone first, then the manifest; files stay for a prune', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  const steps: string[] = [];
  const { r } = await run(backend, { policy: { last: 2 } }, steps);
  t.deepEqual(r.forgotten, ids.slice(0, 3));
  t.deepEqual(r.backups.map((b) => `${b.id} ${b.keep ? b.reasons.join(',') : '-'}`), [
    `${ids[4]} last`, `${ids[3]} last`, `${ids[2]} -`, `${ids[1]} -`, `${ids[0]} -`,
  ]);
  t.deepEqual(steps.slice(0, 3), [`forgetting ${ids[0]}`, `forgot ${ids[0]}`, `unlisted ${ids[0]}`]);
  const keys = await keysOf(backend);
  for (const id of ids.slice(0, 3)) {
    t.false(keys.includes(`${id}/manifest.json`));
    t.true(keys.includes(tombstoneKey(id)));
    t.true(keys.some((k) => k.startsWith(`${id}/snapshots/`)), 'files wait for --prune');
  }
  const scan = await scanRepoBackups(backend);
  t.deepEqual(scan.backups.map((b) => b.id), ids.slice(3));
  t.deepEqual(scan.broken, [], 'a forgotten folder is not a broken backup');
  t.deepEqual(scan.forgotten.map((f) => f.tombstone.id), ids.slice(0, 3));
});

test('forget --prune deletes the forgotten folders and their tombstones, and only those', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  const { r } = await run(backend, { policy: { last: 2 }, prune: true });
  t.deepEqual(r.pruned?.backups.map((b) => b.id), ids.slice(0, 3));
  const keys = await keysOf(backend);
  t.deepEqual([...new Set(keys.map((k) => k.split('/')[0]))], ids.slice(3));
});

test('pinned backups are never forgotten', async (t) => {
  const backend = new MemoryBackend();
  const id = idAt('2026-01-01T00:00:00Z', 'aaaaaaaa');
  await putBackup(backend, { id, createdAt: '2026-01-01T00:00:00.000Z', pinned: true });
  const ids = await fiveDays(backend);
  const { r } = await run(backend, { policy: { last: 1 }, prune: true });
  t.deepEqual(r.backups.filter((b) => b.keep).map((b) => `${b.id} ${b.reasons}`), [`${ids[4]} last`, `${id} pinned`]);
  t.deepEqual((await scanRepoBackups(backend)).backups.map((b) => b.id), [id, ids[4]]);
});

test('the policy applies per database: one database\'s backups do not push out another\'s', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  const other = idAt('2026-02-01T00:00:00Z', 'bbbbbbbb');
  await putBackup(backend, { id: other, createdAt: '2026-02-01T00:00:00.000Z', database: 'tenant1', uuid: UUID_B });
  const { r } = await run(backend, { policy: { last: 1 } });
  t.deepEqual(r.backups.filter((b) => b.keep).map((b) => b.id), [ids[4], other]);
});

test('archived WAL: kept from the oldest kept base snapshot on, per storage; debris and superseded prefixes go', async (t) => {
  const backend = new MemoryBackend();
  await fiveDays(backend); // storage A, snapshots at 100..500; keep-last 2 keeps 400 and 500
  const a = [
    await putWal(backend, UUID_A, 1, 99, 0), await putWal(backend, UUID_A, 100, 250, 1), await putWal(backend, UUID_A, 251, 390, 2),
    await putWal(backend, UUID_A, 391, 420, 3), await putWal(backend, UUID_A, 421, 600, 4),
  ];
  const live = await putPart(backend, UUID_A, 601, 650, 5);
  // Debris: data without record; an older prefix of the live file; a part of a file finalized since.
  const orphan = await putWal(backend, UUID_A, 700, 710, 6, { record: false });
  await backend.put(`${live}.part-${String(620).padStart(20, '0')}`, Buffer.from('older prefix'));
  await backend.put(`${a[4]}.part-${String(500).padStart(20, '0')}`, Buffer.from('superseded'));
  // Storage B has no base backup at all (watch started before the first create): all kept.
  const b = [await putWal(backend, UUID_B, 1, 10, 0), await putWal(backend, UUID_B, 11, 20, 1)];

  const { r } = await run(backend, { policy: { last: 2 }, prune: true });
  const keys = await keysOf(backend, 'archive/');
  // 391..420 holds commits after the snapshot at 400: it stays, and so does everything after it.
  t.deepEqual(keys, [
    `${a[3]}.wal`, `${a[3]}.wal.json`, `${a[4]}.wal`, `${a[4]}.wal.json`,
    `${live}.part-${String(650).padStart(20, '0')}`, `${live}.part.json`,
    `${b[0]}.wal`, `${b[0]}.wal.json`, `${b[1]}.wal`, `${b[1]}.wal.json`,
  ]);
  t.deepEqual(r.pruned!.wal.deleted.map((x) => `${x.uuid} ${x.first}..${x.last} ${x.files}`), [
    `${UUID_A} ${a[0]!.split('/')[2]}..${a[2]!.split('/')[2]} 3`,
  ]);
  t.deepEqual(r.pruned!.wal.debris.map((d) => d.key).sort(), [
    `${a[4]}.part-${String(500).padStart(20, '0')}`, `${live}.part-${String(620).padStart(20, '0')}`, `${orphan}.wal`,
  ].sort());
  t.deepEqual(r.pruned!.wal.storages.map((s) => `${s.uuid} kept ${s.kept} deleted ${s.deleted}`), [
    `${UUID_A} kept 3 deleted 3`, `${UUID_B} kept 2 deleted 0`,
  ]);
  t.regex(r.pruned!.wal.storages[1]!.reason, /no base backup of this storage/);
});

test('archived WAL a kept manifest names is kept whatever the timestamps say', async (t) => {
  const backend = new MemoryBackend();
  const old = await putWal(backend, UUID_A, 1, 50, 0);
  const middle = await putWal(backend, UUID_A, 51, 70, 1);
  const newest = await putWal(backend, UUID_A, 71, 90, 2);
  await putBackup(backend, { id: idAt('2026-03-01T00:00:00Z', '00000001'), createdAt: '2026-03-01T00:00:00.000Z', ts: 95, archived: [`${old}.wal`] });
  await run(backend, { policy: { last: 1 }, prune: true });
  // The middle file ends before the snapshot and nobody names it; the newest, though before the snapshot
  // too, anchors the chain that watch continues (Memgraph wants a first file starting at or before it).
  t.deepEqual(await keysOf(backend, 'archive/'), [`${old}.wal`, `${old}.wal.json`, `${newest}.wal`, `${newest}.wal.json`]);
  t.false((await keysOf(backend)).some((k) => k.startsWith(middle)));
});

test('a storage whose base backups were all forgotten loses its archive, except --keep-wal-within', async (t) => {
  let nowMs = Date.parse('2026-02-01T00:00:00Z');
  const backend = new MemoryBackend('memory:', () => nowMs);
  // The database moved to a new storage (B -> A): B's only backup is forgotten.
  await putBackup(backend, { id: idAt('2026-02-01T00:00:00Z', '00000001'), createdAt: '2026-02-01T00:00:00.000Z', uuid: UUID_B, ts: 5 });
  await putBackup(backend, { id: idAt('2026-03-07T00:00:00Z', '00000002'), createdAt: '2026-03-07T00:00:00.000Z', uuid: UUID_A, ts: 5 });
  await putBackup(backend, { id: idAt('2026-03-09T00:00:00Z', '00000003'), createdAt: '2026-03-09T00:00:00.000Z', uuid: UUID_A, ts: 7 });
  const early = await putWal(backend, UUID_B, 1, 10, 0);
  nowMs = Date.parse('2026-03-09T12:00:00Z'); // archived 24 h before NOW
  const late = await putWal(backend, UUID_B, 11, 20, 1);
  // Dry run first: it reports exactly what the real run then deletes.
  const req = { policy: { last: 1 }, prune: true, keepWalWithin: parseDuration('2d', 'x') };
  const dry = await run(backend, { ...req, dryRun: true });
  t.deepEqual(dry.r.backups.map((b) => `${b.keep} ${b.reasons.join(',')}`), ['true last', 'true base of the WAL window', 'false ']);
  const { r } = await run(backend, req);
  t.deepEqual(await keysOf(backend, 'archive/'), [`${late}.wal`, `${late}.wal.json`]);
  t.deepEqual(r.pruned!.wal.deleted.map((x) => x.first), [early.split('/')[2]]);
  t.deepEqual({ ...dry.r, dryRun: false }, r);
});

test('--keep-wal-within keeps the newest backup at or before the window start as its base', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend); // March 1..5, 10:00
  const { r } = await run(backend, { policy: { last: 1 }, prune: true, dryRun: true, keepWalWithin: parseDuration('7d', 'x') });
  // NOW is March 10 12:00; the window starts March 3 12:00: the March 3 10:00 backup is its base.
  t.deepEqual(r.backups.filter((b) => b.keep).map((b) => `${b.id} ${b.reasons.join(',')}`), [`${ids[4]} last`, `${ids[2]} base of the WAL window`]);
});

test('a dry run changes nothing and reports what the real run does', async (t) => {
  const backend = new MemoryBackend();
  await fiveDays(backend);
  await putWal(backend, UUID_A, 1, 99, 0);
  await putWal(backend, UUID_A, 100, 450, 1);
  await putWal(backend, UUID_A, 451, 600, 2);
  await putWal(backend, UUID_A, 700, 710, 3, { record: false });
  const before = await keysOf(backend);
  const dry = await run(backend, { policy: { daily: 2 }, prune: true, dryRun: true });
  t.deepEqual(await keysOf(backend), before);
  const real = await run(backend, { policy: { daily: 2 }, prune: true });
  t.deepEqual({ ...dry.r, dryRun: false }, real.r);
  t.is(real.r.pruned!.wal.deleted.reduce((n, x) => n + x.files, 0), 1);
  t.is(real.r.pruned!.wal.debris.length, 1);
});

test('an interrupted forget is finished by the next prune: tombstone with or without manifest, folder with or without files', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  const { serializeTombstone } = await import('../../src/core/forget/tombstone.js');
  const scan = await scanRepoBackups(backend);
  const tomb = (i: number) => serializeTombstone({ format: 'mgbackup-forgotten', id: ids[i]!, forgottenAt: NOW.toISOString(), by: 'forget', manifest: scan.backups[i]!.manifest });
  // 0: killed right after the tombstone (manifest still there); 1: after the manifest; 2: after every file.
  await backend.put(tombstoneKey(ids[0]!), tomb(0));
  await backend.put(tombstoneKey(ids[1]!), tomb(1));
  await backend.delete(`${ids[1]}/manifest.json`);
  await backend.put(tombstoneKey(ids[2]!), tomb(2));
  for (const k of await keysOf(backend, `${ids[2]}/`)) await backend.delete(k);
  t.deepEqual((await scanRepoBackups(backend)).backups.map((b) => b.id), ids.slice(3), 'tombstoned backups are not listed');
  const { r } = await run(backend, { policy: { last: 5 }, prune: true });
  t.deepEqual(r.forgotten, []);
  t.deepEqual(r.pruned!.backups.map((b) => b.id), ids.slice(0, 3));
  t.deepEqual([...new Set((await keysOf(backend)).map((k) => k.split('/')[0]))], ids.slice(3));
});

test('a backup folder without manifest or tombstone is reported and left alone', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  await backend.delete(`${ids[0]}/manifest.json`);
  const before = await keysOf(backend, `${ids[0]}/`);
  const { r, warnings } = await run(backend, { policy: { last: 1 }, prune: true });
  t.deepEqual(r.broken, [{ id: ids[0]!, problem: 'has no manifest.json' }]);
  t.deepEqual(warnings, [`backup folder ${ids[0]} has no manifest.json: forget leaves it alone`]);
  t.deepEqual(await keysOf(backend, `${ids[0]}/`), before);
});

test('walStem keys sort by first timestamp', (t) => {
  t.true(walStem(UUID_A, 9, 1) < walStem(UUID_A, 10, 0));
});

test('the archive as watch writes it (archiveWal): prune keeps what listArchive then chains from the kept base', async (t) => {
  const { archiveWal, listArchive } = await import('../../src/repo/wal-archive.js');
  const { Readable } = await import('node:stream');
  const backend = new MemoryBackend();
  const src = (seq: number, fromTs: number, toTs: number, finalized = true) => {
    const bytes = Buffer.from(`wal ${seq}`);
    return {
      name: finalized ? `x_from_${fromTs}_to_${toTs}` : 'x_current', uuid: UUID_A, epoch: 'e', seq: BigInt(seq), fromTs: BigInt(fromTs), toTs: BigInt(toTs),
      durabilityVersion: 37, finalized, size: bytes.length, open: async () => Readable.from([bytes]),
    };
  };
  for (const [seq, from, to] of [[0, 1, 90], [1, 91, 180], [2, 181, 260], [3, 261, 300]] as const) await archiveWal(backend, src(seq, from, to), { now: NOW });
  await archiveWal(backend, src(4, 301, 320, false), { now: NOW });
  await putBackup(backend, { id: idAt('2026-03-01T00:00:00Z', '00000001'), createdAt: '2026-03-01T00:00:00.000Z', ts: 100 });
  await putBackup(backend, { id: idAt('2026-03-02T00:00:00Z', '00000002'), createdAt: '2026-03-02T00:00:00.000Z', ts: 200 });
  const { r } = await run(backend, { policy: { last: 1 }, prune: true });
  t.deepEqual(r.pruned!.wal.problems, []);
  // The base at 200 needs the file holding 181..260 and everything after it.
  t.deepEqual((await listArchive(backend)).map((x) => `${x.seq} ${x.finalized}`), ['2 true', '3 true', '4 false']);
  t.deepEqual(r.pruned!.wal.deleted.map((x) => x.files), [2]);
});

test('a createdAt that does not parse falls back to the time in the backup id', async (t) => {
  const backend = new MemoryBackend();
  const ids = await fiveDays(backend);
  const odd = idAt('2026-03-09T00:00:00Z', 'aaaaaaaa');
  await putBackup(backend, { id: odd, createdAt: 'yesterday' });
  const { r } = await run(backend, { policy: { last: 1 }, dryRun: true });
  t.deepEqual(r.backups.filter((b) => b.keep).map((b) => b.id), [odd]);
  t.is(r.forgotten.length, ids.length);
});
