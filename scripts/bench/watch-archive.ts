// Benchmark (not a test): `mgbackup watch`'s archiving against the stand-in, which writes real Memgraph WAL
// files and keeps real LOCK semantics. Two figures, each beside a baseline measured in the same run:
//  1. throughput: one `watch --once` pass (in-process runWatch: pin under LOCK, copy + sha256 + fsync
//     into the archive, records) over N finalized WAL files, against `cp` + `sha256sum` + `sync` of the
//     same files (sync because the archive fsyncs every object); ratio = baseline time / watch time.
//  2. lock window per archived file: a continuous watch while a client keeps committing, so that files
//     are finalized (and pinned) one or two at a time; median and p90 of each pass's LOCK..UNLOCK share.
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/watch-archive.js [--mb 256] [--wal-kib 4096]
//   MGBACKUP_BENCH_DIR: where the data directories and repositories go (default the OS temp dir).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import type { GraphClient } from '../../src/bolt/graph-client.js';
import { systemClock } from '../../src/core/clock.js';
import { LocalSharedFiles } from '../../src/core/backup/shared-files.js';
import type { WatchEvent } from '../../src/core/watch/events.js';
import { chokidarChanges } from '../../src/core/watch/file-changes.js';
import { runWatch, type WatchDeps, type WatchRequest } from '../../src/core/watch/watch.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { spawnStandIn } from '../../test/helpers/standin-process.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const VERTEX_FORM = 'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`Blob` {`__mg_id__`: r[0], `payload`: r[1]})';

function payload(i: number, bytes: number): string {
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += 64) crypto.createHash('sha512').update(`${i}:${at}`).digest().copy(out, at);
  for (let j = 0; j < bytes; j++) out[j] = 97 + (out[j]! % 26);
  return out.toString('latin1');
}

// Made before any timing: hashing inside the commit loop would block the event loop the in-process
// stand-in answers LOCK/UNLOCK on, and inflate the lock window being measured.
const payloads: string[] = [];

async function commitRows(c: GraphClient, from: number, to: number, bytes: number): Promise<void> {
  while (payloads.length < 16) payloads.push(payload(payloads.length, bytes));
  for (let i = from; i < to; i++) await c.run(VERTEX_FORM, { rows: [[BigInt(i), `${i}:${payloads[i % payloads.length]!}`]] });
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

function watchSetup(data: string, repo: string, uri: string, signal: AbortSignal, emit: (e: WatchEvent) => void) {
  const backend = new LocalBackend(repo);
  const req: WatchRequest = {
    database: 'memgraph', root: '', once: true, maxLagMs: 1000, onGap: 'warn', rescanMs: 200, retryForMs: 10_000,
    server: uri, mgbackupVersion: 'bench', leaseWaitMs: 10_000,
  };
  const deps: WatchDeps = {
    backend, dataDir: new LocalDataDir(data, data), shared: new LocalSharedFiles(data), probe: systemProcessProbe,
    clock: systemClock, signal, emit, warn: () => {}, info: () => {},
    connect: () => connectNeo4j({ uri }),
    changes: () => chokidarChanges(data),
    staging: async (id) => {
      const dir = path.join(repo, '.staging', id);
      return { dir, owner: async () => {}, remove: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  };
  return { req, deps };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mb: { type: 'string', default: '256' }, 'wal-kib': { type: 'string', default: '4096' } } });
  const totalMb = Number(values.mb);
  const walKib = Number(values['wal-kib']);
  const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-bench-watch-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  // The stand-in in its own process, as a server is: its work must not delay watch's LOCK/UNLOCK answers
  // through a shared event loop.
  const standinProc = await spawnStandIn(['--port', '0', '--data-dir', data, '--wal-file-size-kib', String(walKib)]);
  const standin = standinProc;
  try {
    const writer = await connectNeo4j({ uri: standin.uri });
    const rowBytes = 256 * KiB;
    const rows = Math.round((totalMb * MiB) / rowBytes);
    await commitRows(writer, 0, rows, rowBytes);
    const walDir = path.join(data, 'wal');
    const finals = fs.readdirSync(walDir).filter((n) => /_from_\d+_to_\d+$/.test(n)).map((n) => path.join(walDir, n));
    const bytes = finals.reduce((n, f) => n + fs.statSync(f).size, 0);
    run('sync', finals);
    run('cat', finals); // the page cache is warm for both sides

    // Three rounds, alternating: the baseline (cp + sha256sum + sync of the same files) and a watch --once
    // pass into a fresh repository; medians are compared.
    const cpRuns: number[] = [];
    const watchRuns: number[] = [];
    let archived = 0;
    for (let round = 0; round < 3; round++) {
      const cpDir = path.join(root, `cp${round}`);
      fs.mkdirSync(cpDir);
      const c0 = performance.now();
      run('cp', [...finals, cpDir]);
      const copies = fs.readdirSync(cpDir).map((f) => path.join(cpDir, f));
      run('sha256sum', copies);
      run('sync', copies);
      cpRuns.push(performance.now() - c0);
      fs.rmSync(cpDir, { recursive: true, force: true });

      const once: WatchEvent[] = [];
      const repo = path.join(root, round === 2 ? 'repo1' : `repo-${round}`);
      const s1 = watchSetup(data, repo, standin.uri, new AbortController().signal, (e) => once.push(e));
      const w0 = performance.now();
      await runWatch(s1.req, s1.deps);
      watchRuns.push(performance.now() - w0);
      archived = once.filter((e) => e.type === 'archived').length;
      if (round !== 2) fs.rmSync(repo, { recursive: true, force: true });
    }
    const cpMs = quantile(cpRuns, 0.5);
    const watchMs = quantile(watchRuns, 0.5);

    // Continuous watch while committing: files finalized (and pinned) one or two at a time.
    const ac = new AbortController();
    const live: WatchEvent[] = [];
    // The same repository: what the first pass archived is known, only new files are pinned.
    const s2 = watchSetup(data, path.join(root, 'repo1'), standin.uri, ac.signal, (e) => live.push(e));
    const loop = runWatch({ ...s2.req, once: false }, s2.deps).catch(() => {});
    while (!live.some((e) => e.type === 'start')) await new Promise((r) => setTimeout(r, 20));
    const liveRows = Math.max(8, Math.round(rows / 2));
    await commitRows(writer, rows, rows + liveRows, rowBytes);
    const expected = fs.readdirSync(walDir).filter((n) => /_from_\d+_to_\d+$/.test(n)).length - finals.length;
    const deadline = performance.now() + 120_000;
    while (live.filter((e) => e.type === 'archived').length < expected && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    ac.abort();
    await loop;
    await writer.close();
    const windows = live.flatMap((e) => (e.type === 'archived' && e.action === 'stored' ? [e.lockWindowMs] : []));

    console.log(`watch archive benchmark; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  ${finals.length} finalized WAL files (--storage-wal-file-size-kib ${walKib}), ${(bytes / MiB).toFixed(1)} MiB`);
    console.log(`  cp + sha256sum + sync  ${(cpMs / 1000).toFixed(2)} s  ${(bytes / MiB / (cpMs / 1000)).toFixed(0)} MiB/s`);
    console.log(`  watch --once           ${(watchMs / 1000).toFixed(2)} s  ${(bytes / MiB / (watchMs / 1000)).toFixed(0)} MiB/s  (${archived} files)`);
    console.log(`  throughput ratio watch / (cp + sha256sum + sync): ${(cpMs / watchMs).toFixed(2)}x (medians of 3; rounds: cp ${cpRuns.map((x) => (x / 1000).toFixed(2)).join(' ')} s, watch ${watchRuns.map((x) => (x / 1000).toFixed(2)).join(' ')} s)`);
    console.log(`  lock window per archived file, continuous watch (${windows.length} files): median ${quantile(windows, 0.5).toFixed(2)} ms, p90 ${quantile(windows, 0.9).toFixed(2)} ms, max ${Math.max(...windows).toFixed(2)} ms`);
  } finally {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
