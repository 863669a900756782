// The pure parts of restore: /proc/locks parsing and lock detection, the version guard, file selection
// by Memgraph's WAL-chain rules, tenant lookup in the registry bytes, and --owner parsing.
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { findLockHolder, parseProcLocks, splitDev } from '../../src/datadir/server-lock.js';
import { guardVersions, readabilityOf } from '../../src/core/restore/version-guard.js';
import { selectFiles } from '../../src/core/restore/plan.js';
import { chainFor, numberings } from '../../src/format/recovery-chain.js';
import { registryCandidates, resolveStorageRoot } from '../../src/core/restore/tenant.js';
import { chooseOwner, parseOwner } from '../../src/core/restore/owner.js';
import type { Manifest, ManifestFile } from '../../src/store/manifest.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { holdFcntlLock, python3Missing, tempDir } from './helpers.js';
import { skipIf } from '../helpers/skip.js';

test('parseProcLocks reads holders and skips waiters and junk', (t) => {
  const table = [
    '1: POSIX  ADVISORY  WRITE 9437 fe:00:2146413 0 EOF',
    '1: -> POSIX  ADVISORY  WRITE 9500 fe:00:2146413 0 EOF',
    '2: FLOCK  ADVISORY  READ 12 00:1a:77 0 EOF',
    '3: OFDLCK ADVISORY  WRITE -1 08:01:42 0 EOF',
    'garbage',
  ].join('\n');
  const locks = parseProcLocks(table);
  t.is(locks.length, 4);
  t.like(locks[0], { type: 'POSIX', access: 'WRITE', pid: 9437, major: 0xfe, minor: 0, inode: 2146413n, blocked: false });
  t.true(locks[1]!.blocked);
  t.like(locks[3], { type: 'OFDLCK', pid: -1, major: 8, minor: 1, inode: 42n });
});

test('splitDev follows the Linux dev_t encoding', (t) => {
  t.deepEqual(splitDev(0xfe00n), { major: 0xfe, minor: 0 });
  t.deepEqual(splitDev(0x801n), { major: 8, minor: 1 });
  // glibc's makedev for a large major and minor.
  const makedev = (ma: bigint, mi: bigint) => ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
  t.deepEqual(splitDev(makedev(0x123045n, 0x89067n)), { major: 0x123045, minor: 0x89067 });
});

skipIf(test, python3Missing())('findLockHolder sees a real fcntl lock on .lock, and only on that inode', async (t) => {
  const dir = await tempDir();
  await fsp.writeFile(path.join(dir, '.lock'), '');
  await fsp.writeFile(path.join(dir, 'other'), '');
  t.is(await findLockHolder(dir), undefined);
  const other = await holdFcntlLock(path.join(dir, 'other'));
  try {
    t.is(await findLockHolder(dir), undefined, 'a lock on another file is not the server');
  } finally {
    await other.release();
  }
  const h = await holdFcntlLock(path.join(dir, '.lock'));
  try {
    t.like(await findLockHolder(dir), { pid: h.pid, type: 'POSIX', deviceMatched: true });
  } finally {
    await h.release();
  }
  t.is(await findLockHolder(dir), undefined, 'released');
  t.is(await findLockHolder(path.join(dir, 'no-such')), undefined, 'no .lock: nobody holds it');
});

skipIf(test, python3Missing())('findLockHolder without the native probe reads /proc/locks and warns about PID namespaces', async (t) => {
  const dir = await tempDir();
  await fsp.writeFile(path.join(dir, '.lock'), '');
  const warnings: string[] = [];
  const h = await holdFcntlLock(path.join(dir, '.lock'));
  try {
    const found = await findLockHolder(dir, { native: null, warn: (m) => warnings.push(m) });
    t.like(found, { pid: h.pid, type: 'POSIX', deviceMatched: true });
    t.is(found?.method, undefined, 'found through /proc/locks');
  } finally {
    await h.release();
  }
  t.deepEqual(warnings, ['the fcntl lock probe is not available (disabled); read /proc/locks instead, which does not list a server in another PID namespace (container)']);
});

test('readabilityOf maps a release to the newest durability version it reads', (t) => {
  t.like(readabilityOf('3.12.0'), { maxVersion: 36, beyondTable: false });
  t.like(readabilityOf('3.11.2'), { maxVersion: 35 });
  t.like(readabilityOf('2.22.1'), { maxVersion: 21 });
  t.like(readabilityOf('3.7.0'), { maxVersion: 31 });
  t.like(readabilityOf('2.19.1+12~abc'), { maxVersion: 19 });
  // Patch granularity (2.15.0 writes v16, 2.15.1 writes v17); 3.13 and 3.14 write v37.
  t.like(readabilityOf('2.15.0'), { maxVersion: 16 });
  t.like(readabilityOf('2.15.1'), { maxVersion: 17 });
  t.like(readabilityOf('3.13.0'), { maxVersion: 37, beyondTable: false });
  t.like(readabilityOf('3.14.0'), { maxVersion: 37, beyondTable: false });
  t.like(readabilityOf('3.15.0'), { maxVersion: 37, beyondTable: true });
  t.like(readabilityOf('1.6.0'), { maxVersion: undefined });
});

test('guardVersions refuses a newer file and only warns when the target is unknown', (t) => {
  const files = [{ path: 'snapshots/a', durabilityVersion: 36 }];
  t.deepEqual(guardVersions(files, { release: '3.12.0', from: 'flag' }), []);
  const err = t.throws(() => guardVersions(files, { release: '3.10.0', from: 'server' }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'unsupportedVersion');
  t.regex(err!.message, /reads at most version 34/);
  t.is(guardVersions(files, undefined).length, 1);
  t.deepEqual(guardVersions([{ path: 'x', durabilityVersion: 37 }], { release: '3.13.0', from: 'flag' }), []);
});

function mf(p: string, kind: 'snapshot' | 'wal', extra: Partial<ManifestFile> = {}): ManifestFile {
  return { path: p, kind, size: 1, sha256: '0'.repeat(64), durabilityVersion: 36, uuid: 'u1', pinnedBy: 'copy', ...extra };
}

function manifest(files: ManifestFile[]): Manifest {
  return { id: 'b', files } as unknown as Manifest;
}

test('selectFiles: newest snapshot by name, or --snapshot; WALs of its UUID in sequence order', (t) => {
  const m = manifest([
    mf('snapshots/20240101000000000000_timestamp_5', 'snapshot', { durableTs: '5' }),
    mf('snapshots/20240102000000000000_timestamp_9', 'snapshot', { durableTs: '9' }),
    mf('wal/20240102000000000002_from_7_to_12', 'wal', { seqNum: '1' }),
    mf('wal/20240101000000000001_from_1_to_6', 'wal', { seqNum: '0' }),
    mf('wal/20230101000000000001_from_1_to_3', 'wal', { seqNum: '0', uuid: 'other' }),
  ]);
  t.deepEqual(selectFiles(m, { snapshotOnly: true }).map((f) => f.path), ['snapshots/20240102000000000000_timestamp_9']);
  t.deepEqual(selectFiles(m, { snapshotOnly: false }).map((f) => f.path), [
    'snapshots/20240102000000000000_timestamp_9', 'wal/20240101000000000001_from_1_to_6', 'wal/20240102000000000002_from_7_to_12',
  ]);
  t.deepEqual(selectFiles(m, { snapshotOnly: true, snapshot: '20240101000000000000_timestamp_5' }).map((f) => f.path), ['snapshots/20240101000000000000_timestamp_5']);
  t.throws(() => selectFiles(m, { snapshotOnly: true, snapshot: 'nope' }), { message: /has no snapshot "nope"/ });
});

const w = (name: string, seq: number, span: [number, number] | undefined, uuid = 'u') => ({
  name, uuid, seqNum: BigInt(seq), span: () => (span ? { fromTs: BigInt(span[0]), toTs: BigInt(span[1]) } : undefined),
});
const names = (ws: { name: string }[]) => ws.map((x) => x.name);

test('chainFor: Memgraph\'s startup checks (durability.cpp:720-748)', (t) => {
  const snap = { uuid: 'u', durableTs: 10n };
  t.deepEqual(names(chainFor(snap, [w('20240101000000000001_from_4_to_20', 3, [4, 20])]).chain), ['20240101000000000001_from_4_to_20']);
  t.throws(() => chainFor(snap, [w('20240101000000000001_from_11_to_20', 3, [11, 20])]), {
    message: 'the wal files would make memgraph refuse to start: the first wal "20240101000000000001_from_11_to_20" (sequence number 3) starts at timestamp 11, after the snapshot\'s 10, and its predecessor is missing',
  });
  // A `_current` first file: its span comes from its deltas, not its name.
  t.throws(() => chainFor(snap, [w('20240101000000000001_current', 3, [11, 20])]), { message: /first wal "20240101000000000001_current" \(sequence number 3\) starts at timestamp 11/ });
  t.throws(() => chainFor(snap, [w('20240101000000000001_from_1_to_5', 0, [1, 5]), w('20240101000000000003_from_9_to_12', 2, [9, 12])]), { message: /sequence number 1 is missing/ });
  t.throws(() => chainFor(undefined, [w('20240101000000000003_from_9_to_12', 2, [9, 12])]), { message: /has sequence number 2, not 0, and there is no snapshot/ });
  // Equal numbers pass (a LOCK twin); another uuid and a file without a transaction are ignored.
  const r = chainFor(snap, [w('20240101000000000001_current', 0, [1, 5]), w('20240101000000000001_from_1_to_5', 0, [1, 5]), w('20240101000000000002_current', 1, undefined), w('20240101000000000009_from_1_to_3', 0, [1, 3], 'other')]);
  t.deepEqual(names(r.chain).sort(), ['20240101000000000001_current', '20240101000000000001_from_1_to_5']);
  t.deepEqual(names(r.ignored).sort(), ['20240101000000000002_current', '20240101000000000009_from_1_to_3']);
});

test('chainFor: a storage-mode switch (3.13) restarts numbering at 0 under the same uuid: no gap, no mixing', (t) => {
  // Old numbering 0..2 up to ts 30; analytical episode; switch-back snapshot at ts 50; new numbering 0..1.
  const old = [w('20260101000000000001_from_1_to_10', 0, [1, 10]), w('20260101000000000002_from_11_to_20', 1, [11, 20]), w('20260101000000000003_from_21_to_30', 2, [21, 30])];
  const fresh = [w('20260102000000000001_from_51_to_60', 0, [51, 60]), w('20260102000000000002_current', 1, [61, 70])];
  t.deepEqual(numberings([...fresh, ...old]).map(names), [names(old), names(fresh)]);
  const after = chainFor({ uuid: 'u', durableTs: 50n }, [...old, ...fresh]);
  t.deepEqual(names(after.chain), names(fresh));
  t.deepEqual(names(after.otherNumbering), names(old));
  // An older snapshot of the first numbering continues with that numbering only.
  const before = chainFor({ uuid: 'u', durableTs: 15n }, [...old, ...fresh]);
  t.deepEqual(names(before.chain), names(old));
  // A gap inside the chosen numbering is still a gap.
  t.throws(() => chainFor({ uuid: 'u', durableTs: 50n }, [...old, ...fresh, w('20260102000000000003_from_71_to_80', 3, [71, 80])]), { message: /sequence number 2 is missing/ });
});

test('registryCandidates finds the uuid after the exact key database:<name>', (t) => {
  const u1 = '11111111-2222-3333-4444-555555555555';
  const u2 = '66666666-7777-8888-9999-000000000000';
  const value = (u: string) => Buffer.from(`{"rel_dir":"databases/${u}","uuid":"${u}"}`);
  // Write-ahead log records: key length, key, value length (varint), value.
  const logRecord = (k: string, u: string) => Buffer.concat([Buffer.from([0x01, k.length]), Buffer.from(k), Buffer.from([value(u).length]), value(u)]);
  const log = Buffer.concat([logRecord('database:sales2', u2), logRecord('database:sales', u1)]);
  t.is(value(u1).length, 0x6a, 'the length byte reads as "j": it must not be taken for a longer name');
  t.deepEqual(registryCandidates([log], 'sales'), [u1]);
  t.deepEqual(registryCandidates([log], 'sales2'), [u2]);
  t.deepEqual(registryCandidates([log], 'hr'), []);
  // Table-file entries: the user key is followed by an 8-byte trailer, then the value.
  const sst = Buffer.concat([Buffer.from('database:sales'), Buffer.alloc(8, 1), value(u1)]);
  t.deepEqual(registryCandidates([sst], 'sales'), [u1]);
  t.deepEqual(registryCandidates([sst], 'sale'), []);
});

test('resolveStorageRoot: a registered tenant with its folder resolves; without the folder it is refused', async (t) => {
  const dir = await tempDir();
  const uuid = 'abcdefab-1234-4321-8888-0123456789ab';
  await fsp.mkdir(path.join(dir, 'databases', '.durability'), { recursive: true });
  const value = Buffer.from(`{"rel_dir":"databases/${uuid}","uuid":"${uuid}"}`);
  const record = Buffer.concat([Buffer.from([0x01, 14]), Buffer.from('database:sales'), Buffer.from([value.length]), value]);
  await fsp.writeFile(path.join(dir, 'databases', '.durability', '000003.log'), record);
  t.is(await resolveStorageRoot(dir, undefined), '');
  t.is(await resolveStorageRoot(dir, 'memgraph'), '');
  await t.throwsAsync(resolveStorageRoot(dir, 'sales'), { message: /tenant "sales" is not registered/ });
  await fsp.mkdir(path.join(dir, 'databases', uuid));
  t.is(await resolveStorageRoot(dir, 'sales'), `databases/${uuid}`);
});

test('parseOwner and chooseOwner', (t) => {
  const passwd = 'root:x:0:0::/root:/bin/bash\nmemgraph:x:998:997::/var/lib/memgraph:/bin/false\n';
  t.deepEqual(parseOwner('memgraph', passwd), { uid: 998, gid: 997 });
  t.deepEqual(parseOwner('memgraph', ''), { uid: 101, gid: 103 });
  t.deepEqual(parseOwner('101:103', ''), { uid: 101, gid: 103 });
  t.deepEqual(parseOwner('1000', ''), { uid: 1000, gid: 1000 });
  t.throws(() => parseOwner('nobody-here', passwd), { message: /bad --owner "nobody-here"/ });
  t.deepEqual(chooseOwner({ explicit: undefined, container: false, dataDirOwner: { uid: 101, gid: 5 }, euid: 0 }), { uid: 101, gid: 103 });
  t.deepEqual(chooseOwner({ explicit: undefined, container: true, dataDirOwner: undefined, euid: 0 }), { uid: 101, gid: 103 });
  t.is(chooseOwner({ explicit: undefined, container: false, dataDirOwner: { uid: 0, gid: 0 }, euid: 1000 }), undefined);
  t.throws(() => chooseOwner({ explicit: { uid: 5, gid: 5 }, container: false, dataDirOwner: undefined, euid: 1000 }), { message: /only root can give files away/ });
});
