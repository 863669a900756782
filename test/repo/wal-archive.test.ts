// The WAL archive's rules (docs/repository-format.md, "WAL archive") on both the memory fake and a real
// folder: keys, record-after-data, idempotence, prefix replacement, observations carried forward, chain
// order across a sequence restart, and gaps.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { EncryptedBackend } from '../../src/repo/encrypted-backend.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { listAll, type RepoBackend } from '../../src/repo/repo-backend.js';
import {
  archiveWal, describeGap, findGaps, listArchive, walStem, type WalRecord, type WalSource,
} from '../../src/repo/wal-archive.js';

const UUID = '5b0e6c6e-0000-4000-8000-000000000001';
const now = new Date('2026-12-02T10:41:07.000Z');

function src(seq: number, fromTs: number, toTs: number, bytes: Buffer, finalized = true, uuid = UUID): WalSource {
  return {
    name: finalized ? `2026120210${String(seq).padStart(10, '0')}_from_${fromTs}_to_${toTs}` : `2026120210${String(seq).padStart(10, '0')}_current`,
    uuid, epoch: 'e1', seq: BigInt(seq), fromTs: BigInt(fromTs), toTs: BigInt(toTs), durabilityVersion: 37, finalized,
    size: bytes.length, open: async () => Readable.from([bytes]),
  };
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const hashOf = async (s: WalSource) => {
  const h = crypto.createHash('sha256');
  for await (const c of await s.open()) h.update(c as Buffer);
  return h.digest('hex');
};

const identity = await generateX25519Identity();
const encryptionKeys = { recipients: [await identityToRecipient(identity)], recipientCount: 1, identities: [identity] };

const backends: [string, () => { backend: RepoBackend; cleanup: () => void }][] = [
  ['memory', () => ({ backend: new MemoryBackend(), cleanup: () => {} })],
  ['local', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-walarch-'));
    return { backend: new LocalBackend(root), cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
  }],
  // The same rules through the encrypting decorator (test/repo/encrypted-backend.test.ts checks what it stores).
  ['encrypted memory', () => ({ backend: new EncryptedBackend(new MemoryBackend(), encryptionKeys), cleanup: () => {} })],
  ['encrypted local', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-walarch-'));
    return { backend: new EncryptedBackend(new LocalBackend(root), encryptionKeys), cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
  }],
];

for (const [kind, make] of backends) {
  test(`${kind}: a finalized WAL is stored as data then record, under the documented keys, once`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const bytes = Buffer.from('MGwl-finalized-bytes');
    const first = await archiveWal(backend, src(7, 1200, 1350, bytes), { now, observed: [{ ts: '1350', at: now.toISOString() }], hash: hashOf });
    t.is(first.action, 'stored');
    t.is(first.bytes, bytes.length);
    const stem = `archive/${UUID}/00000000000000001200-00000000000000000007`;
    t.is(walStem(UUID, 1200n, 7n), stem);
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.wal`, `${stem}.wal.json`]);
    t.deepEqual(Buffer.from(await backend.getBytes(`${stem}.wal`)), bytes);
    const record = JSON.parse(Buffer.from(await backend.getBytes(`${stem}.wal.json`)).toString()) as WalRecord;
    t.like(record, {
      format: 'mgbackup-wal', uuid: UUID, epoch: 'e1', seq: '7', fromTs: '1200', toTs: '1350', durabilityVersion: 37,
      finalized: true, size: bytes.length, sha256: sha(bytes), dataKey: `${stem}.wal`, archivedAt: now.toISOString(),
    });
    t.deepEqual(record.observed, [{ ts: '1350', at: now.toISOString() }]);

    const again = await archiveWal(backend, src(7, 1200, 1350, bytes), { now: new Date(now.getTime() + 1000), hash: hashOf });
    t.is(again.action, 'unchanged');
    t.is(again.bytes, 0);
    t.is(JSON.parse(Buffer.from(await backend.getBytes(`${stem}.wal.json`)).toString()).archivedAt, now.toISOString());

    const other = Buffer.from('MGwl-finalized-bytez');
    const err = await t.throwsAsync(archiveWal(backend, src(7, 1200, 1350, other), { now, hash: hashOf }));
    t.is((err as { kind?: string }).kind, 'integrity');
    t.regex(err!.message, /differs from the archived/);
  });

  test(`${kind}: committed prefixes replace each other and their observations move into the finalized record`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const full = Buffer.from('HEADER|tx100|tx110|tx120|');
    const stem = walStem(UUID, 100n, 3n);
    const p1 = await archiveWal(backend, src(3, 100, 100, full.subarray(0, 12), false), { now, observed: [{ ts: '100', at: '2026-12-02T10:00:00.000Z' }] });
    t.is(p1.action, 'stored');
    t.is(p1.record.dataKey, `${stem}.part-00000000000000000100`);
    // The same or a shorter prefix writes nothing.
    t.is((await archiveWal(backend, src(3, 100, 100, full.subarray(0, 12), false), { now })).action, 'unchanged');
    const p2 = await archiveWal(backend, src(3, 100, 110, full.subarray(0, 18), false), { now, observed: [{ ts: '110', at: '2026-12-02T10:01:00.000Z' }] });
    t.is(p2.action, 'stored');
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.part-00000000000000000110`, `${stem}.part.json`]);
    t.deepEqual(Buffer.from(await backend.getBytes(p2.record.dataKey)), full.subarray(0, 18));
    t.deepEqual(p2.record.observed.map((o) => o.ts), ['100', '110']);
    t.deepEqual((await listArchive(backend)).map((r) => [r.seq, r.finalized, r.toTs]), [['3', false, '110']]);

    const fin = await archiveWal(backend, src(3, 100, 120, full), { now, observed: [{ ts: '120', at: '2026-12-02T10:02:00.000Z' }], hash: hashOf });
    t.is(fin.action, 'stored');
    t.deepEqual(fin.record.observed, [
      { ts: '100', at: '2026-12-02T10:00:00.000Z' }, { ts: '110', at: '2026-12-02T10:01:00.000Z' }, { ts: '120', at: '2026-12-02T10:02:00.000Z' },
    ]);
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.wal`, `${stem}.wal.json`]);
    // A late prefix of a file already archived whole is not stored.
    t.is((await archiveWal(backend, src(3, 100, 110, full.subarray(0, 18), false), { now })).action, 'superseded');
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.wal`, `${stem}.wal.json`]);
  });

  test(`${kind}: data without a record does not count, and the next archive run replaces it`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const stem = walStem(UUID, 500n, 1n);
    await backend.put(`${stem}.wal`, Buffer.from('half'));
    await backend.put(`${stem}.part-00000000000000000490`, Buffer.from('old prefix debris'));
    t.deepEqual(await listArchive(backend), []);
    const bytes = Buffer.from('the whole file');
    const r = await archiveWal(backend, src(1, 500, 600, bytes), { now, hash: hashOf });
    t.is(r.action, 'stored');
    t.deepEqual(Buffer.from(await backend.getBytes(`${stem}.wal`)), bytes);
    // The unrecorded prefix stays as debris (forget --prune's job) and is not part of the archive.
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.part-00000000000000000490`, `${stem}.wal`, `${stem}.wal.json`]);
    t.deepEqual((await listArchive(backend)).map((x) => x.dataKey), [`${stem}.wal`]);
  });

  test(`${kind}: chain order follows first commits across a sequence restart, which is not a gap`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const b = Buffer.from('x');
    // Run 1: seq 0..2; leaving analytical mode restarts at seq 0 with later commits (storage.cpp:3017-3031).
    for (const [seq, from, to] of [[2, 30, 39], [0, 10, 19], [1, 20, 29], [0, 50, 59], [1, 60, 69]] as const) {
      await archiveWal(backend, src(seq, from, to, b), { now });
    }
    await archiveWal(backend, src(0, 5, 6, b, true, '00000000-0000-4000-8000-00000000000a'), { now });
    const all = await listArchive(backend);
    t.deepEqual(all.map((r) => `${r.uuid.slice(-1)}:${r.seq}@${r.fromTs}`), ['a:0@5', '1:0@10', '1:1@20', '1:2@30', '1:0@50', '1:1@60']);
    t.deepEqual((await listArchive(backend, UUID)).map((r) => r.seq), ['0', '1', '2', '0', '1']);
    t.deepEqual(findGaps(await listArchive(backend, UUID)), []);
  });

  test(`${kind}: gaps name the missing sequence numbers; a prefix followed by a later file is a truncation`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const b = Buffer.from('x');
    for (const [seq, from, to] of [[0, 10, 19], [1, 20, 29], [4, 50, 59], [0, 70, 79]] as const) await archiveWal(backend, src(seq, from, to, b), { now });
    await archiveWal(backend, src(1, 80, 85, b, false), { now });
    await archiveWal(backend, src(3, 100, 110, b), { now });
    const gaps = findGaps(await listArchive(backend, UUID));
    t.deepEqual(gaps.map((g) => [g.before.seq, g.after.seq, g.missing.map(String), g.truncated]), [
      ['1', '4', ['2', '3'], false],
      ['1', '3', ['2'], true],
    ]);
    t.is(describeGap(gaps[0]!),
      `WAL sequence numbers 2, 3 missing in the archive of storage ${UUID}, between ${gaps[0]!.before.name} (seq 1) and ${gaps[0]!.after.name} (seq 4)`);
    t.regex(describeGap(gaps[1]!), /WAL sequence number 2 missing and WAL 1 \(.*_current\) archived only up to commit 85/);
  });

  test(`${kind}: a frozen \`_current\` (left by a crash) replaces its prefix as a whole file and ends no run early`, async (t) => {
    const { backend, cleanup } = make();
    t.teardown(cleanup);
    const b = Buffer.from('HEADER|tx10|tx11|');
    await archiveWal(backend, src(0, 10, 10, b.subarray(0, 12), false), { now, observed: [{ ts: '10', at: now.toISOString() }] });
    const frozen = await archiveWal(backend, { ...src(0, 10, 11, b, false), frozen: true }, { now, observed: [{ ts: '11', at: now.toISOString() }] });
    t.is(frozen.action, 'stored');
    const stem = walStem(UUID, 10n, 0n);
    t.like(frozen.record, { finalized: false, dataKey: `${stem}.wal`, toTs: '11' });
    t.deepEqual(frozen.record.observed.map((o) => o.ts), ['10', '11']);
    t.deepEqual((await listAll(backend, 'archive/')).map((o) => o.key), [`${stem}.wal`, `${stem}.wal.json`]);
    await archiveWal(backend, src(1, 20, 29, Buffer.from('y')), { now });
    t.deepEqual(findGaps(await listArchive(backend, UUID)), []);
  });
}

test('local: archived objects are 0600 files and puts leave no temp files behind', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-walarch-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const backend = new LocalBackend(root);
  await archiveWal(backend, src(0, 1, 2, Buffer.from('abc')), { now });
  const stem = walStem(UUID, 1n, 0n);
  for (const k of [`${stem}.wal`, `${stem}.wal.json`]) t.is(fs.statSync(backend.localPath(k)).mode & 0o777, 0o600, k);
  t.deepEqual(fs.readdirSync(path.join(root, '.tmp')), []);
});
