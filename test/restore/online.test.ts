// Online restore against an in-process server double that keeps Memgraph's contract for the queries
// involved: SHOW VERSION, SHOW STORAGE INFO, and RECOVER SNAPSHOT "<server path>" FORCE, which reads
// the file at that path on "its" disk (the data directory, mapped from the server's path) and loads
// the counts from the snapshot header, or fails with Memgraph's text when the file is not there.
// On success it archives like Memgraph's storage side (inmemory/storage.cpp, RECOVER SNAPSHOT path):
// snapshots/.old and wal/.old are wiped, every other snapshot and every WAL is moved into them, and
// the recovered file is copied into snapshots/ under a fresh name. (An earlier version of this double
// left the directory untouched and asserted "nothing else changed", the opposite of Memgraph.)
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { GraphClient, Row } from '../../src/bolt/graph-client.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { readDurabilityHeader, bufferReadAt } from '../../src/datadir/durability-header.js';
import { runOnlineRestore, type OnlineOptions } from '../../src/core/restore/online.js';
import type { RestoreDeps } from '../../src/core/restore/restore.js';
import { silentReporter } from '../../src/core/reporter.js';
import { systemClock } from '../../src/core/clock.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const SERVER_ROOT = '/var/lib/memgraph';

class ServerDouble implements GraphClient {
  queries: string[] = [];
  vertices = 5n;
  edges = 3n;
  sawFileDuringRecover = false;
  constructor(readonly version: string, readonly localRoot: string) {}
  async run(query: string): Promise<Row[]> {
    this.queries.push(query);
    if (query === 'SHOW VERSION') return [{ version: this.version }];
    if (query.startsWith('SHOW STORAGE INFO')) {
      return [{ 'storage info': 'vertex_count', value: this.vertices }, { 'storage info': 'edge_count', value: this.edges }];
    }
    const m = /^RECOVER SNAPSHOT "((?:[^"\\]|\\.)*)" FORCE$/.exec(query);
    if (m) {
      const serverPath = m[1]!.replace(/\\(.)/g, '$1');
      const local = path.join(this.localRoot, path.relative(SERVER_ROOT, serverPath));
      let bytes: Buffer;
      try {
        bytes = await fsp.readFile(local);
      } catch {
        throw new MgBackupError('server', 'Failed to find the defined snapshot file.');
      }
      this.sawFileDuringRecover = true;
      const h = await readDurabilityHeader(bufferReadAt(bytes), serverPath);
      for (const dir of ['snapshots', 'wal']) {
        const d = path.join(this.localRoot, dir);
        await fsp.mkdir(d, { recursive: true });
        await fsp.rm(path.join(d, '.old'), { recursive: true, force: true });
        await fsp.mkdir(path.join(d, '.old'));
        for (const n of await fsp.readdir(d)) if (n !== '.old') await fsp.rename(path.join(d, n), path.join(d, '.old', n));
      }
      await fsp.writeFile(path.join(this.localRoot, 'snapshots', `29990101000000000000_timestamp_${h.durableTs}`), bytes);
      this.vertices = h.vertexCount!;
      this.edges = h.edgeCount!;
      return [];
    }
    throw new MgBackupError('server', `unexpected query ${query}`);
  }
  stream(): AsyncIterable<Row> {
    throw new Error('not used');
  }
  async transaction(): Promise<void> {
    throw new Error('online restore must not open transactions');
  }
  async close(): Promise<void> {}
}

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
const t = skip ? test.skip : test;
if (skip) console.log(`online restore tests skipped: ${NO_FIXTURES_REASON}`);

async function setup(version: string) {
  const work = await tempDir();
  const data = path.join(work, 'data');
  await writeOldDataDir(data);
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-0e0e0e0e', withWal: true });
  const server = new ServerDouble(version, data);
  const deps: RestoreDeps = {
    stdin: Readable.from([]), clock: { ...systemClock, now: () => new Date('2026-11-21T10:00:00Z') }, reporter: silentReporter,
    passwd: '', euid: process.geteuid?.(), connect: async () => server,
  };
  const opts: OnlineOptions = {
    source: { backup: dir }, dataDir: data, snapshotOnly: true, dryRun: false,
    connection: { uri: 'bolt://db:7687' }, serverDataDir: SERVER_ROOT,
  };
  return { data, server, deps, opts };
}

t('online: the snapshot is placed under the server path, RECOVER SNAPSHOT ... FORCE runs, counts before and after', async (tt) => {
  const { data, server, deps, opts } = await setup('3.12.0');
  const before = await fingerprint(data, { dirMtimes: false });
  const r = await runOnlineRestore(opts, deps);
  tt.is(r.serverPath, `${SERVER_ROOT}/.mgbackup-recover-20261121T100000Z/20260101120000000000_timestamp_147`);
  tt.true(server.queries.includes(`RECOVER SNAPSHOT "${r.serverPath}" FORCE`));
  tt.true(server.sawFileDuringRecover);
  tt.deepEqual(r.before, { vertices: 5, edges: 3 });
  tt.deepEqual(r.after, { vertices: 32, edges: 12 });
  tt.regex(r.warnings.join('\n'), /wal files are not applied online/);
  // RECOVER archived the server's files into .old (wiping what was there); mgbackup kept them first.
  tt.is(r.keptAside, '.mgbackup-pre-restore-20261121T100000Z');
  tt.deepEqual((await fsp.readdir(data)).filter((n) => n.startsWith('.mgbackup-recover')), [], 'the placed copy is removed');
  const kept = await fingerprint(path.join(data, r.keptAside!), { dirMtimes: false });
  const was = before.split('\n').filter((l) => /^(snapshots|wal)( |\/)/.test(l)).join('\n');
  tt.is(kept.split('\n').filter((l) => !l.startsWith('. ')).join('\n'), was, 'the kept files are the server\'s files before RECOVER, byte for byte');

  // A second online restore: RECOVER wipes .old again, so the first one's archive survives only in the new kept folder.
  const oldArchive = await fingerprint(path.join(data, 'snapshots', '.old'), { dirMtimes: false });
  const r2 = await runOnlineRestore(opts, deps);
  tt.is(r2.keptAside, '.mgbackup-pre-restore-20261121T100000Z-2');
  tt.is(await fingerprint(path.join(data, r2.keptAside!, 'snapshots', '.old'), { dirMtimes: false }), oldArchive);
});

t('online: --data-dir without the server\'s snapshots/ or wal/ is refused (17) before RECOVER', async (tt) => {
  const { server, deps, opts } = await setup('3.12.0');
  const empty = await tempDir();
  const err = await tt.throwsAsync(runOnlineRestore({ ...opts, dataDir: empty }, deps), { instanceOf: MgBackupError });
  tt.is(err!.kind, 'refused');
  tt.regex(err!.message, /holds no snapshots\/ or wal\/ of the server/);
  tt.false(server.queries.some((q) => q.startsWith('RECOVER')));
  tt.deepEqual(await fsp.readdir(empty), []);
});

t('online: a server older than 2.22 is refused before anything is placed', async (tt) => {
  const { data, server, deps, opts } = await setup('2.21.0');
  const before = await fingerprint(data);
  const err = await tt.throwsAsync(runOnlineRestore(opts, deps), { instanceOf: MgBackupError });
  tt.is(err!.kind, 'unsupportedVersion');
  tt.regex(err!.message, /memgraph 2\.21\.0 cannot restore online: RECOVER SNAPSHOT needs 2\.22 or newer/);
  tt.false(server.queries.some((q) => q.startsWith('RECOVER')));
  tt.is(await fingerprint(data), before);
});

t('online: SHOW VERSION drives the version guard (3.11 cannot read a v36 snapshot)', async (tt) => {
  const { data, server, deps, opts } = await setup('3.11.0');
  const before = await fingerprint(data);
  const err = await tt.throwsAsync(runOnlineRestore(opts, deps), { instanceOf: MgBackupError });
  tt.is(err!.kind, 'unsupportedVersion');
  tt.regex(err!.message, /memgraph 3\.11\.0 \(from SHOW VERSION\) reads at most version 35/);
  tt.false(server.queries.some((q) => q.startsWith('RECOVER')));
  tt.is(await fingerprint(data), before);
});

t('online --dry-run reports counts and the server path and writes nothing', async (tt) => {
  const { data, server, deps, opts } = await setup('3.12.0');
  const before = await fingerprint(data);
  const r = await runOnlineRestore({ ...opts, dryRun: true }, deps);
  tt.is(r.after, r.before);
  tt.false(server.queries.some((q) => q.startsWith('RECOVER')));
  tt.is(await fingerprint(data), before);
});
