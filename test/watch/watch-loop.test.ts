// The watch loop on its fakes (memory data directory, memory repository, a scripted server, a clock
// that advances only when slept on): the retry policy, the lag bound while pinning fails, and a clean
// stop. Real WAL bytes come from the stand-in's Memgraph codec (v37).
import test from 'ava';
import type { GraphClient, Row } from '../../src/bolt/graph-client.js';
import type { Clock } from '../../src/core/clock.js';
import type { ProcessProbe } from '../../src/core/backup/run-owner.js';
import { DataDirSharedFiles } from '../../src/core/backup/shared-files.js';
import type { WatchEvent } from '../../src/core/watch/events.js';
import type { FileChanges } from '../../src/core/watch/file-changes.js';
import { runWatch, type WatchDeps, type WatchRequest } from '../../src/core/watch/watch.js';
import { MemoryDataDir } from '../../src/datadir/memory-data-dir.js';
import { InterruptedError, MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { listAll } from '../../src/repo/repo-backend.js';
import { listArchive } from '../../src/repo/wal-archive.js';
import { memgraphCodecFor } from '../standin/engine/memgraph-codec.js';

const UUID = '0c6bd4a4-6fd1-4a55-9d07-6c1b3c6b7e01';
const codec = memgraphCodecFor(37);
const header = (seq: bigint) => Buffer.from(codec.encodeWalHeader({ uuid: UUID, epochId: 'epoch-1', seqNum: seq }));
const tx = (ts: bigint) => Buffer.from(codec.encodeWalTransaction({
  commitTs: ts, ops: [{ op: 'upsertVertex', vertex: { gid: ts, labels: ['P'], props: new Map() }, before: null }],
}));

/** A clock whose sleeps return at once and move time forward; records them. */
function fakeClock(): Clock & { slept: number[] } {
  let ms = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(Date.UTC(2026, 11, 3, 10, 0, 0) + ms),
    monotonicMs: () => ms,
    sleep: async (d, signal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(d);
      ms += d;
    },
  };
}

const probe: ProcessProbe = {
  self: () => ({ pid: 4242, host: 'test', bootId: 'boot', pidNamespace: 'ns', startTicks: '1' }),
  startTicksOf: (pid) => (pid === 4242 ? '1' : undefined),
};

/** LOCK DATA DIRECTORY as Memgraph answers it, one flag, with a log of queries. */
function scriptedServer(log: string[]): () => Promise<GraphClient> {
  let locked = false;
  return async () => ({
    run: async (q: string): Promise<Row[]> => {
      log.push(q);
      const s = (x: string) => [{ STATUS: x }];
      if (q === 'DATA DIRECTORY LOCK STATUS') return s(locked ? 'Data directory is locked.' : 'Data directory is unlocked.');
      if (q === 'LOCK DATA DIRECTORY') return (locked = true), s('Data directory is now locked.');
      if (q === 'UNLOCK DATA DIRECTORY') return (locked = false), s('Data directory is now unlocked.');
      throw new Error(`unexpected query ${q}`);
    },
    stream: () => { throw new Error('not used'); },
    transaction: async () => { throw new Error('not used'); },
    close: async () => {},
  });
}

const noChanges: FileChanges = { next: async () => [], close: async () => {} };

async function setup(opts: { once: boolean; maxLagMs?: number; connect?: () => Promise<GraphClient> }) {
  const dataDir = new MemoryDataDir();
  await dataDir.write('wal/20261203100000000000_from_1_to_2', Buffer.concat([header(0n), tx(1n), tx(2n)]));
  const current = Buffer.concat([header(1n), tx(3n), tx(4n)]);
  // The writer is inside transaction 4: a torn tail that must not be archived.
  await dataDir.write('wal/20261203100100000000_current', current.subarray(0, current.length - 7));
  const backend = new MemoryBackend();
  const events: WatchEvent[] = [];
  const clock = fakeClock();
  const ac = new AbortController();
  const queries: string[] = [];
  const req: WatchRequest = {
    database: 'memgraph', root: '', once: opts.once, maxLagMs: opts.maxLagMs ?? 4000, onGap: 'fail', rescanMs: 1000,
    retryForMs: 10_000, server: 'bolt://test', mgbackupVersion: 'test', leaseWaitMs: 1000,
  };
  const deps: WatchDeps = {
    backend, dataDir, shared: new DataDirSharedFiles(dataDir), probe, clock, signal: ac.signal,
    emit: (e) => events.push(e), warn: () => {}, info: () => {},
    connect: opts.connect ?? scriptedServer(queries), changes: async () => noChanges,
    staging: async (id) => ({ dir: `/nonexistent/${id}`, owner: async () => {}, remove: async () => {} }),
  };
  return { dataDir, backend, events, clock, ac, req, deps, queries, torn: tx(3n).length + header(1n).length };
}

test('one pass: the finalized file pinned under LOCK and archived whole, the open one up to its last complete transaction', async (t) => {
  const s = await setup({ once: true });
  const summary = await runWatch(s.req, s.deps);
  t.deepEqual(summary, { files: 1, prefixes: 1, bytes: summary.bytes });
  t.deepEqual(s.queries.filter((q) => q !== 'DATA DIRECTORY LOCK STATUS'), ['LOCK DATA DIRECTORY', 'UNLOCK DATA DIRECTORY']);
  const records = await listArchive(s.backend);
  t.deepEqual(records.map((r) => [r.seq, r.fromTs, r.toTs, r.dataKey.endsWith('.wal')]), [['0', '1', '2', true], ['1', '3', '3', false]]);
  t.is(records[1]!.size, s.torn);
  t.deepEqual(await listAll(s.backend, 'locks/'), []);
});

test('while pinning fails the prefix is still archived; --once gives up after 3 attempts with the error', async (t) => {
  const s = await setup({
    once: true,
    connect: async () => { throw new MgBackupError('cannotConnect', 'connection refused'); },
  });
  const err = await t.throwsAsync(runWatch(s.req, s.deps));
  t.is((err as MgBackupError).kind, 'cannotConnect');
  t.deepEqual(s.events.filter((e) => e.type === 'retry').map((e) => (e as { delayMs: number }).delayMs), [500, 1000]);
  const records = await listArchive(s.backend);
  t.deepEqual(records.map((r) => [r.seq, r.dataKey.endsWith('.wal')]), [['1', false]], 'the prefix, not the unpinned file');
  t.like(s.events.at(-1), { type: 'stop', reason: 'error: connection refused', prefixes: 1 });
  t.deepEqual(await listAll(s.backend, 'locks/'), []);
});

test('a data directory that stays away: backoff doubles up to half the max lag, and watch gives up after the retry period', async (t) => {
  const s = await setup({ once: false, maxLagMs: 4000 });
  s.dataDir.missing = true;
  const err = await t.throwsAsync(runWatch(s.req, s.deps));
  t.is((err as MgBackupError).kind, 'notFound');
  t.deepEqual(s.clock.slept, [500, 1000, 2000, 2000, 2000, 2000, 2000]);
  t.true(s.clock.monotonicMs() >= s.req.retryForMs);
});

test('a signal during the backoff stops it cleanly: interrupted, stop event, repository lock released', async (t) => {
  const s = await setup({ once: false });
  s.dataDir.missing = true;
  s.deps.emit = (e) => {
    s.events.push(e);
    if (e.type === 'retry' && e.attempt === 2) s.ac.abort(new InterruptedError('SIGTERM'));
  };
  const err = await t.throwsAsync(runWatch(s.req, s.deps));
  t.true(err instanceof InterruptedError);
  t.like(s.events.at(-1), { type: 'stop', reason: 'SIGTERM' });
  t.deepEqual(await listAll(s.backend, 'locks/'), []);
});

test('a server gone right after LOCK: the lock and the lease that pass left are released by the next pass of the same watch', async (t) => {
  let locked = false;
  let refuse = 0;
  const queries: string[] = [];
  const connect = async (): Promise<GraphClient> => {
    if (refuse > 0) {
      refuse--;
      throw new MgBackupError('cannotConnect', 'connection refused');
    }
    return {
      run: async (q: string): Promise<Row[]> => {
        queries.push(q);
        const s = (x: string) => [{ STATUS: x }];
        if (q === 'DATA DIRECTORY LOCK STATUS') return s(locked ? 'Data directory is locked.' : 'Data directory is unlocked.');
        if (q === 'LOCK DATA DIRECTORY') {
          const first = !queries.slice(0, -1).includes(q);
          locked = true;
          if (first) {
            refuse = 4; // every UNLOCK attempt of this pass finds the server unreachable
            throw new MgBackupError('cannotConnect', 'connection lost while running "LOCK DATA DIRECTORY"');
          }
          return s('Data directory is now locked.');
        }
        if (q === 'UNLOCK DATA DIRECTORY') return (locked = false), s('Data directory is now unlocked.');
        throw new Error(`unexpected query ${q}`);
      },
      stream: () => { throw new Error('not used'); },
      transaction: async () => { throw new Error('not used'); },
      close: async () => {},
    };
  };
  const s = await setup({ once: true, connect });
  const warnings: string[] = [];
  s.deps.warn = (m) => warnings.push(m);
  const summary = await runWatch(s.req, s.deps);
  t.is(summary.files, 1);
  t.false(locked);
  t.like(s.events.find((e) => e.type === 'retry'), { kind: 'busy' });
  t.true(warnings.some((w) => /^released the data-directory lock left by .*an earlier pass of this watch could not unlock/.test(w)), warnings.join('\n'));
  t.is(await s.dataDir.stat('.mgbackup-lease-memgraph.json'), undefined);
});
