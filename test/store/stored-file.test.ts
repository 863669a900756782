// The stored form of repository files (src/store/stored-file.ts) and of archived WAL (wal-archive.ts):
// what is stored is checked against the zstd CLI (an independent decoder), the record keeps the plain
// size and sha256, and damaged or truncated frames are integrity errors naming the file.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { archiveWal } from '../../src/repo/wal-archive.js';
import { copyStored, forwardReadAt, openPlainFile, plainView, repoCompressionFrom, writePlainCopy } from '../../src/store/stored-file.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Half random, half repeated text: compressible, not trivially. */
const sample = (n: number) => Buffer.concat([randomBytes(n / 2), Buffer.from('MATCH (n) RETURN n; '.repeat(n / 40))]);

function tmp(t: import('ava').ExecutionContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-stored-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('copyStored: zstd the zstd CLI decompresses to the input; both hashes taken in one pass; gzip and none too', async (t) => {
  const dir = tmp(t);
  const input = sample(3 << 20);
  const z = await copyStored(Readable.from([input]), path.join(dir, 'z'), { codec: 'zstd' });
  t.deepEqual(z.plain, { size: input.length, sha256: sha(input) });
  const stored = fs.readFileSync(path.join(dir, 'z'));
  t.deepEqual(z.stored, { compression: 'zstd', size: stored.length, sha256: sha(stored) });
  t.true(stored.length < input.length);
  t.is(sha(execFileSync('zstd', ['-d', '-c', path.join(dir, 'z')], { maxBuffer: 1 << 26 })), sha(input));
  const g = await copyStored(Readable.from([input]), path.join(dir, 'g'), { codec: 'gzip', level: 1 });
  t.is(sha(execFileSync('gzip', ['-d', '-c', path.join(dir, 'g')], { maxBuffer: 1 << 26 })), sha(input));
  t.is(g.stored?.compression, 'gzip');
  const n = await copyStored(Readable.from([input]), path.join(dir, 'n'), { codec: 'none' });
  t.is(n.stored, undefined);
  t.deepEqual(fs.readFileSync(path.join(dir, 'n')), input);

  // Back to plain: checked against the plain sha256; a flipped byte in the frame is 14 naming the file.
  await writePlainCopy(fs.createReadStream(path.join(dir, 'z')), z.stored, path.join(dir, 'back'), z.plain, 'snapshots/x');
  t.deepEqual(fs.readFileSync(path.join(dir, 'back')), input);
  const bad = Buffer.from(stored);
  bad[bad.length >> 1]! ^= 0x55;
  fs.writeFileSync(path.join(dir, 'bad'), bad);
  const e = await t.throwsAsync(writePlainCopy(fs.createReadStream(path.join(dir, 'bad')), z.stored, path.join(dir, 'back2'), z.plain, 'snapshots/x'), { instanceOf: MgBackupError });
  t.is(e!.kind, 'integrity');
  t.true(e!.message.startsWith('backup file "snapshots/x" '), e!.message);
  fs.writeFileSync(path.join(dir, 'cut'), stored.subarray(0, stored.length - 100));
  const cut = await t.throwsAsync(writePlainCopy(fs.createReadStream(path.join(dir, 'cut')), z.stored, path.join(dir, 'back3'), z.plain, 'snapshots/x'), { instanceOf: MgBackupError });
  t.is(cut!.kind, 'integrity');
});

test('forwardReadAt reads ranges of the plain content, also backwards (reopening); plainView decompresses only compressed files', async (t) => {
  const dir = tmp(t);
  const input = sample(1 << 20);
  const z = await copyStored(Readable.from([input]), path.join(dir, 'a'), { codec: 'zstd' });
  const r = forwardReadAt(() => openPlainFile(path.join(dir, 'a'), z.stored));
  t.deepEqual(await r.readAt(0, 13), input.subarray(0, 13));
  t.deepEqual(await r.readAt(700_000, 256), input.subarray(700_000, 700_256));
  t.deepEqual(await r.readAt(10, 5), input.subarray(10, 15));
  t.deepEqual(await r.readAt(input.length - 3, 10), input.subarray(input.length - 3));
  r.close();
  fs.writeFileSync(path.join(dir, 'b'), input);
  const entries: { path: string; size: number; sha256: string; stored?: typeof z.stored }[] = [{ path: 'a', ...z.plain, stored: z.stored! }, { path: 'b', size: input.length, sha256: sha(input) }];
  const v = (await plainView(dir, entries))!;
  t.teardown(() => v.close());
  t.deepEqual(v.files.map((f) => f.stored), [undefined, undefined]);
  t.deepEqual(fs.readFileSync(path.join(v.dir, 'a')), input);
  t.true(fs.lstatSync(path.join(v.dir, 'b')).isSymbolicLink());
  t.is(await plainView(dir, [{ path: 'b', size: input.length, sha256: sha(input) }]), undefined);
});

test('archiveWal with compression: the record keeps the plain size and sha256 and adds the stored form; the same file again writes nothing', async (t) => {
  const b = new MemoryBackend('/r');
  const wal = sample(64 << 10);
  const src = {
    name: '20261202104100123456_from_1200_to_1350', uuid: 'u-1', epoch: 'e', seq: 7n, fromTs: 1200n, toTs: 1350n,
    durabilityVersion: 37, finalized: true, size: wal.length, open: async () => Readable.from([wal]),
  };
  const out = await archiveWal(b, src, { now: new Date('2026-12-02T10:41:07Z'), compression: { codec: 'zstd' } });
  t.is(out.action, 'stored');
  t.is(out.record.size, wal.length);
  t.is(out.record.sha256, sha(wal));
  const stored = Buffer.from(await b.getBytes(out.record.dataKey));
  t.deepEqual(out.record.stored, { compression: 'zstd', size: stored.length, sha256: sha(stored) });
  t.is(out.bytes, stored.length);
  t.is(sha(execFileSync('zstd', ['-d', '-c'], { input: stored, maxBuffer: 1 << 26 })), sha(wal));
  const again = await archiveWal(b, src, { now: new Date(), compression: { codec: 'zstd' }, hash: async () => sha(wal) });
  t.is(again.action, 'unchanged');
});

test('--repo-compression and --repo-compression-level: checked, quoted as typed', (t) => {
  t.deepEqual(repoCompressionFrom(undefined, undefined), { codec: 'zstd' });
  t.deepEqual(repoCompressionFrom('gzip', '9'), { codec: 'gzip', level: 9 });
  t.is(t.throws(() => repoCompressionFrom('lz4', undefined))!.message, '--repo-compression "lz4" is not zstd, gzip or none');
  t.is(t.throws(() => repoCompressionFrom('zstd', '25'))!.message, '--repo-compression-level "25" is not valid for zstd');
  t.is(t.throws(() => repoCompressionFrom('none', '3'))!.message, '--repo-compression-level "3" needs compression: --repo-compression is none');
});
