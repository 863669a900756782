// The encrypting decorator: the storage contract over memory and local folders, and what it stores checked
// with the real `age` CLI (Debian package age): every object is a plain age file an operator can open.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { Clock } from '../../src/core/clock.js';
import { runForget } from '../../src/core/forget/forget.js';
import { scanRepoBackups } from '../../src/core/forget/repo-backups.js';
import { tombstoneKey } from '../../src/core/forget/tombstone.js';
import { CHUNK, PLAIN_BATCH, SEALED_CHUNK, x25519HeaderLength } from '../../src/crypto/age-format.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { readBackupSummaries, summaryKey, writeBackupSummary, type BackupSummary } from '../../src/repo/backup-summary.js';
import { EncryptedBackend } from '../../src/repo/encrypted-backend.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { idAt, keysOf, putBackup } from '../forget/helpers.js';
import { backendContract } from './backend.contract.js';

const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const other = await generateX25519Identity();
const keys = { recipients: [recipient], recipientCount: 1, identities: [identity] };

const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-enc-'));

backendContract(test, 'encrypted over memory', async () => ({
  backend: new EncryptedBackend(new MemoryBackend(), keys), cleanup: async () => {},
}));

backendContract(test, 'encrypted over local', async () => {
  const root = fresh();
  return { backend: new EncryptedBackend(new LocalBackend(root), keys), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

function local(t: ExecutionContext, k = keys): { root: string; inner: LocalBackend; b: EncryptedBackend } {
  const root = fresh();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const inner = new LocalBackend(root);
  return { root, inner, b: new EncryptedBackend(inner, k) };
}

async function bytesOf(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

test('the age CLI decrypts a stored object to the original bytes; nothing of it is stored in the clear', async (t) => {
  const { root, b } = local(t);
  const data = Buffer.concat([Buffer.from('MGsn-marker-text '), randomBytes(200_000)]);
  await b.put('20261203T000000Z-0a0b0c0d/snapshots/snap', data);
  const file = path.join(root, '20261203T000000Z-0a0b0c0d/snapshots/snap');
  const stored = fs.readFileSync(file);
  t.true(stored.subarray(0, 22).toString() === 'age-encryption.org/v1\n');
  t.is(stored.indexOf('MGsn-marker-text'), -1);
  const keyFile = path.join(root, '..', `${path.basename(root)}-key.txt`);
  fs.writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  t.teardown(() => fs.rmSync(keyFile, { force: true }));
  const r = spawnSync('age', ['-d', '-i', keyFile, file], { maxBuffer: 1 << 24 });
  t.is(r.status, 0, r.stderr.toString());
  t.true(r.stdout.equals(data));
});

test('the age CLI writes what the decorator reads, and our header length is the one assumed for sizes', async (t) => {
  const { root, b } = local(t);
  const data = randomBytes(140_000);
  fs.mkdirSync(path.join(root, 'x'), { recursive: true });
  fs.writeFileSync(path.join(root, 'x', 'plain'), data);
  const r = spawnSync('age', ['-r', recipient, '-o', path.join(root, 'x', 'obj'), path.join(root, 'x', 'plain')]);
  t.is(r.status, 0, r.stderr.toString());
  fs.rmSync(path.join(root, 'x', 'plain'));
  t.true(Buffer.from(await b.getBytes('x/obj')).equals(data));
  const head = fs.readFileSync(path.join(root, 'x', 'obj')).toString('latin1');
  t.is(head.indexOf('\n---') + 1 + '--- '.length + 44, x25519HeaderLength(1));
  t.is((await b.stat('x/obj'))?.size, data.length);
});

test('sizes around chunk boundaries: stat and list give the plaintext size, ranged gets cross chunks', async (t) => {
  const b = new EncryptedBackend(new MemoryBackend(), keys);
  for (const n of [0, 1, 65_535, 65_536, 65_537, 131_072, 131_073, 300_001]) {
    const data = randomBytes(n);
    await b.put(`s/${n}`, data);
    t.is((await b.stat(`s/${n}`))?.size, n, `stat ${n}`);
    for (const [start, end] of [[0, n], [1, n - 1], [65_530, 65_540], [65_536, 131_073], [n - 3, n + 10], [131_000, 300_000]]) {
      const got = await bytesOf(await b.get(`s/${n}`, { start, end }));
      t.true(got.equals(data.subarray(Math.max(0, start!), Math.max(0, end!))), `${n}: ${start}-${end}`);
    }
  }
  t.deepEqual((await (async () => { const o = []; for await (const i of b.list('s/')) o.push(i.size); return o; })()).sort((x, y) => x - y),
    [0, 1, 65_535, 65_536, 65_537, 131_072, 131_073, 300_001]);
});

test('the marker, lock records, key files and backup summaries stay in the clear; everything else is age', async (t) => {
  const { root, b } = local(t);
  const keysIn = ['mgbackup-repo.json', 'locks/a.json', 'mgbackup-key-0123abcd.age', '20261203T000000Z-0a0b0c0d/summary.json'];
  for (const k of keysIn) await b.put(k, Buffer.from('{"clear":true}'));
  t.true(await b.putIfAbsent('locks/b.json', Buffer.from('{"clear":true}')));
  for (const k of [...keysIn, 'locks/b.json']) t.is(fs.readFileSync(path.join(root, k), 'utf8'), '{"clear":true}', k);
  for (const k of ['20261203T000000Z-0a0b0c0d/manifest.json', 'archive/u/1.wal.json', 'forgetting/x.json', 'a/b/summary.json']) {
    await b.put(k, Buffer.from('{"clear":false}'));
    t.is(fs.readFileSync(path.join(root, k)).subarray(0, 21).toString(), 'age-encryption.org/v1', k);
  }
});

test('a wrong identity is exit kind authFailed (11) with the message, for whole and ranged gets', async (t) => {
  const { b: writer, inner } = local(t);
  await writer.put('a/obj', randomBytes(100_000));
  const reader = new EncryptedBackend(inner, { recipientCount: 1, identities: [other] });
  for (const read of [() => reader.getBytes('a/obj'), () => reader.get('a/obj', { start: 70_000, end: 70_010 })]) {
    const err = await t.throwsAsync(read(), { instanceOf: MgBackupError });
    t.is(err!.kind, 'authFailed');
    t.is(err!.message, `cannot decrypt repository object "a/obj" in "${inner.location}": none of the given keys opens it`);
  }
  const none = new EncryptedBackend(inner, { recipientCount: 1, identities: [] });
  const err = await t.throwsAsync(none.getBytes('a/obj'), { instanceOf: MgBackupError });
  t.is(err!.kind, 'authFailed');
  const ro = await t.throwsAsync(none.put('a/new', Buffer.from('x')), { instanceOf: MgBackupError });
  t.is(ro!.kind, 'refused');
});

test('a flipped byte in a stored object is integrity (14) naming the key, whole or ranged', async (t) => {
  const { root, b } = local(t);
  const data = randomBytes(200_000);
  await b.put('archive/u/00000000000000001200-00000000000000000007.wal', data);
  const file = path.join(root, 'archive/u/00000000000000001200-00000000000000000007.wal');
  const stored = fs.readFileSync(file);
  stored[x25519HeaderLength(1) + 16 + 65_552 + 100]! ^= 0x01; // inside the second chunk
  fs.writeFileSync(file, stored);
  for (const read of [() => b.getBytes('archive/u/00000000000000001200-00000000000000000007.wal'),
    async () => bytesOf(await b.get('archive/u/00000000000000001200-00000000000000000007.wal', { start: 70_000, end: 70_100 }))]) {
    const err = await t.throwsAsync(read(), { instanceOf: MgBackupError });
    t.is(err!.kind, 'integrity');
    t.true(err!.message.startsWith('repository object "archive/u/00000000000000001200-00000000000000000007.wal" in '), err!.message);
    t.true(err!.message.includes('chunk 1 does not authenticate'), err!.message);
  }
  // Chunks before the damage still read: a ranged get fetches only what it needs.
  t.true((await bytesOf(await b.get('archive/u/00000000000000001200-00000000000000000007.wal', { start: 10, end: 20 }))).equals(data.subarray(10, 20)));
});

test('a truncated object is integrity (14), also when cut at a chunk boundary', async (t) => {
  const { root, b } = local(t);
  await b.put('t/obj', randomBytes(200_000));
  const file = path.join(root, 't/obj');
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, x25519HeaderLength(1) + 16 + 2 * 65_552));
  const err = await t.throwsAsync(b.getBytes('t/obj'), { instanceOf: MgBackupError });
  t.is(err!.kind, 'integrity');
  const ranged = await t.throwsAsync(async () => bytesOf(await b.get('t/obj', { start: 65_536, end: 131_072 })), { instanceOf: MgBackupError });
  t.is(ranged!.kind, 'integrity');
});


test('a local object several batches long is read from its file: the age CLI agrees, damage and a missing tail are 14', async (t) => {
  const { root, b } = local(t);
  const keyFile = path.join(root, '..', `${path.basename(root)}-key.txt`);
  fs.writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  t.teardown(() => fs.rmSync(keyFile, { force: true }));
  for (const n of [PLAIN_BATCH - 1, PLAIN_BATCH, PLAIN_BATCH + 1, 2 * PLAIN_BATCH + CHUNK + 5]) {
    const data = randomBytes(n);
    await b.put(`big/${n}`, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    t.true(Buffer.from(await b.getBytes(`big/${n}`)).equals(data), `read back ${n}`);
    const r = spawnSync('age', ['-d', '-i', keyFile, path.join(root, 'big', String(n))], { maxBuffer: 1 << 26 });
    t.is(r.status, 0, r.stderr.toString());
    t.true(r.stdout.equals(data), `age CLI ${n}`);
    // Ranges across batch boundaries, with the payload's last chunk in them or not.
    for (const [start, end] of [[PLAIN_BATCH - 10, PLAIN_BATCH + 10], [15 * CHUNK + 1, 33 * CHUNK], [1, n], [n - 70_000, n]]) {
      const got = await bytesOf(await b.get(`big/${n}`, { start, end }));
      t.true(got.equals(data.subarray(start, end)), `${n}: ${start}-${end}`);
    }
  }
  const file = path.join(root, 'big', String(2 * PLAIN_BATCH + CHUNK + 5));
  const stored = fs.readFileSync(file);
  const payload = x25519HeaderLength(1) + 16;
  const flipped = Buffer.from(stored);
  flipped[payload + 20 * SEALED_CHUNK + 5]! ^= 0x01;
  for (const [name, bytes, message] of [
    ['flipped', flipped, 'chunk 20 does not authenticate'],
    ['last chunk missing', stored.subarray(0, payload + 32 * SEALED_CHUNK), 'chunk 31 does not authenticate'],
    ['cut in the header', stored.subarray(0, 50), 'is not a readable age-encrypted file'],
  ] as const) {
    fs.writeFileSync(file, bytes);
    const err = await t.throwsAsync(b.getBytes(`big/${2 * PLAIN_BATCH + CHUNK + 5}`), { instanceOf: MgBackupError }, name);
    t.is(err!.kind, 'integrity', name);
    t.true(err!.message.startsWith(`repository object "big/${2 * PLAIN_BATCH + CHUNK + 5}" in `) && err!.message.includes(message), `${name}: ${err!.message}`);
  }
  const missing = await t.throwsAsync(b.getBytes('big/none'), { instanceOf: MgBackupError });
  t.is(missing!.kind, 'notFound');
});

test('a local object whose header is longer than the first read (hundreds of recipients) still decrypts', async (t) => {
  const { root, b } = local(t);
  const many = [recipient];
  for (let i = 0; i < 700; i++) many.push(await identityToRecipient(await generateX25519Identity()));
  fs.writeFileSync(path.join(root, 'recipients.txt'), many.join('\n') + '\n');
  const data = randomBytes(PLAIN_BATCH + 3);
  fs.mkdirSync(path.join(root, 'x'));
  fs.writeFileSync(path.join(root, 'plain'), data);
  const r = spawnSync('age', ['-R', path.join(root, 'recipients.txt'), '-o', path.join(root, 'x', 'obj'), path.join(root, 'plain')]);
  t.is(r.status, 0, r.stderr.toString());
  t.true(fs.readFileSync(path.join(root, 'x', 'obj')).indexOf('\n--- ') > 64 * 1024, 'the header is longer than the first read');
  t.true(Buffer.from(await b.getBytes('x/obj')).equals(data));
});

test('forget and --prune run through the decorator: manifests and tombstones are read decrypted, nothing readable is left on disk', async (t) => {
  const { root, b } = local(t);
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const iso = `2026-03-0${i}T10:00:00.000Z`;
    ids.push(idAt(iso, `0000000${i}`));
    await putBackup(b, { id: ids.at(-1)!, createdAt: iso, ts: i * 100 });
  }
  const clock: Clock = { now: () => new Date('2026-03-10T12:00:00Z'), monotonicMs: () => 0, sleep: async () => {} };
  const forgot = await runForget({ policy: { last: 2 }, prune: false, dryRun: false }, { backend: b, clock, warn: () => {} });
  t.deepEqual(forgot.forgotten, ids.slice(0, 2));
  const tomb = path.join(root, tombstoneKey(ids[0]!));
  t.is(fs.readFileSync(tomb).subarray(0, 21).toString(), 'age-encryption.org/v1');
  t.deepEqual((await scanRepoBackups(b)).backups.map((x) => x.id), ids.slice(2));
  const pruned = await runForget({ policy: { last: 2 }, prune: true, dryRun: false }, { backend: b, clock, warn: () => {} });
  t.deepEqual(pruned.pruned?.backups.map((x) => x.id), ids.slice(0, 2));
  t.deepEqual([...new Set((await keysOf(b)).map((k) => k.split('/')[0]))], ids.slice(2));
  for (const id of ids.slice(2)) t.is(fs.readFileSync(path.join(root, id, 'manifest.json')).subarray(0, 21).toString(), 'age-encryption.org/v1');
});

test('backup summaries: written clear beside encrypted manifests, listed without a key, forgotten and unfinished backups left out', async (t) => {
  const { root, inner, b } = local(t);
  const ids: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const iso = `2026-03-0${i}T10:00:00.000Z`;
    ids.push(idAt(iso, `0000000${i}`));
    const m = await putBackup(b, { id: ids.at(-1)!, createdAt: iso, ts: i * 100 });
    await writeBackupSummary(b, m);
  }
  await b.put(summaryKey('20260309T000000Z-deadbeef'), Buffer.from('{}')); // an unfinished backup: no manifest
  const clock: Clock = { now: () => new Date('2026-03-10T12:00:00Z'), monotonicMs: () => 0, sleep: async () => {} };
  await runForget({ policy: { last: 2 }, prune: false, dryRun: false }, { backend: b, clock, warn: () => {} });
  const summary = JSON.parse(fs.readFileSync(path.join(root, summaryKey(ids[2]!)), 'utf8')) as BackupSummary;
  t.like(summary, { format: 'mgbackup-summary', id: ids[2], createdAt: '2026-03-03T10:00:00.000Z', pinned: false });
  const keyless = new EncryptedBackend(inner, { recipientCount: 1, identities: [] });
  t.deepEqual((await readBackupSummaries(keyless)).map((s) => s.id), ids.slice(1));
  t.is((await t.throwsAsync(keyless.getBytes(`${ids[2]}/manifest.json`), { instanceOf: MgBackupError }))!.kind, 'authFailed');
});
