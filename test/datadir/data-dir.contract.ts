// The one behaviour every DataDir implementation must show. Each implementation's test file calls
// dataDirContract with a factory; only this file states what "correct" means.
import type { ExecutionContext, TestFn } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DataDir } from '../../src/datadir/data-dir.js';
import { MgBackupError } from '../../src/errors/errors.js';

export interface ContractSetup {
  dir: DataDir;
  cleanup(): Promise<void>;
}

/** factory(memgraphLike): a data dir that is empty, or already has snapshots/ and wal/. */
export type ContractFactory = (memgraphLike: boolean) => Promise<ContractSetup>;

async function text(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function dataDirContract(test: TestFn, name: string, factory: ContractFactory): void {
  const withDir = (fn: (t: ExecutionContext, dir: DataDir, staging: string) => Promise<void>) => async (t: ExecutionContext) => {
    const s = await factory(true);
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-pins-'));
    try {
      await fn(t, s.dir, path.join(staging, 'pins'));
    } finally {
      await s.cleanup();
      fs.rmSync(staging, { recursive: true, force: true });
    }
  };

  test(`${name}: check accepts a Memgraph data directory and rejects another one`, async (t) => {
    await withDir(async (tt, dir) => {
      await tt.notThrowsAsync(dir.check());
    })(t);
    const empty = await factory(false);
    try {
      const err = await t.throwsAsync(empty.dir.check(), { instanceOf: MgBackupError });
      t.is(err!.kind, 'notFound');
      t.regex(err!.message, /is not a Memgraph data directory \(no snapshots\/, wal\/ or \.lock\)$/);
    } finally {
      await empty.cleanup();
    }
  });

  test(`${name}: write, list (sorted, typed, sized), stat, read whole and ranges`, withDir(async (t, dir) => {
    await dir.write('snapshots/b', Buffer.from('0123456789'));
    await dir.write('snapshots/a', Buffer.from('xyz'));
    await dir.mkdir('snapshots/.old');
    const list = await dir.list('snapshots');
    t.deepEqual(list.map((e) => [e.name, e.path, e.type]), [
      ['.old', 'snapshots/.old', 'dir'], ['a', 'snapshots/a', 'file'], ['b', 'snapshots/b', 'file'],
    ]);
    t.is(list[2]!.size, 10);
    t.deepEqual(await dir.list('nope'), []);
    t.is((await dir.stat('snapshots/b'))?.size, 10);
    t.is((await dir.stat('snapshots'))?.type, 'dir');
    t.is(await dir.stat('snapshots/zzz'), undefined);
    t.is(await text(await dir.read('snapshots/b')), '0123456789');
    t.is(await text(await dir.read('snapshots/b', { start: 2, end: 5 })), '234');
    t.is(await text(await dir.read('snapshots/b', { start: 8 })), '89');
    const err = await t.throwsAsync(async () => text(await dir.read('snapshots/zzz')), { instanceOf: MgBackupError });
    t.is(err!.kind, 'notFound');
  }));

  test(`${name}: pinned files survive deletion of the originals; release removes the pins`, withDir(async (t, dir, staging) => {
    await dir.write('wal/w1', Buffer.from('first-wal'));
    await dir.write('snapshots/s1', Buffer.from('snapshot-bytes'));
    const pins = await dir.pin(['snapshots/s1', 'wal/w1'], { stagingDir: staging, id: 'test1' });
    t.deepEqual(pins.files.map((f) => [f.path, f.size]), [['snapshots/s1', 14], ['wal/w1', 9]]);
    await dir.remove('snapshots/s1');
    await dir.remove('wal/w1');
    t.is(await dir.stat('snapshots/s1'), undefined);
    t.is(await text(await pins.files[0]!.open()), 'snapshot-bytes');
    t.is(await text(await pins.files[1]!.open({ start: 6 })), 'wal');
    await pins.release();
    await pins.release();
    t.false(fs.existsSync(staging));
    t.false((await dir.list('')).some((e) => e.name.startsWith('.mgbackup')));
  }));

  test(`${name}: pin of a missing file fails as notFound and leaves nothing behind`, withDir(async (t, dir, staging) => {
    await dir.write('snapshots/s1', Buffer.from('x'));
    const err = await t.throwsAsync(dir.pin(['snapshots/s1', 'snapshots/gone'], { stagingDir: staging, id: 't2' }), { instanceOf: MgBackupError });
    t.is(err!.kind, 'notFound');
    t.false(fs.existsSync(staging));
  }));

  test(`${name}: remove deletes files and trees; removing what is gone is fine`, withDir(async (t, dir) => {
    await dir.write('tmp/x/y', Buffer.from('1'));
    await dir.remove('tmp');
    t.is(await dir.stat('tmp'), undefined);
    await t.notThrowsAsync(dir.remove('tmp'));
  }));

  test(`${name}: server paths translate under the server data dir and are refused elsewhere`, withDir(async (t, dir) => {
    t.is(dir.fromServerPath('/var/lib/memgraph/snapshots/x'), 'snapshots/x');
    t.is(dir.fromServerPath('/var/lib/memgraph//databases/u1/snapshots/x'), 'databases/u1/snapshots/x');
    const err = t.throws(() => dir.fromServerPath('/srv/other/snapshots/x'), { instanceOf: MgBackupError });
    t.is(err!.message, 'server path "/srv/other/snapshots/x" is not under the server data directory "/var/lib/memgraph"');
    t.throws(() => dir.fromServerPath('/var/lib/memgraph/../etc/passwd'));
  }));
}
