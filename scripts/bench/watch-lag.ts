// Benchmark (not a test): the recovery point `mgbackup watch` keeps. A client commits continuously into
// the stand-in (its own process, real WAL files), a continuous watch archives them, and at random
// moments the archive is read as it is on disk, as if the machine died right then: how far behind the
// last acknowledged commit is the newest archived one (the time between their acknowledgements)? The
// issue's bound is --max-lag + 1 s. The baseline is --max-lag itself.
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/watch-lag.js [--max-lag 1] [--seconds 30] [--samples 12] [--rate 200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { systemClock } from '../../src/core/clock.js';
import { LocalSharedFiles } from '../../src/core/backup/shared-files.js';
import { chokidarChanges } from '../../src/core/watch/file-changes.js';
import { runWatch } from '../../src/core/watch/watch.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { listArchive } from '../../src/repo/wal-archive.js';
import { spawnStandIn } from '../../test/helpers/standin-process.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'max-lag': { type: 'string', default: '1' }, seconds: { type: 'string', default: '30' },
      samples: { type: 'string', default: '12' }, rate: { type: 'string', default: '200' },
    },
  });
  const maxLagMs = Number(values['max-lag']) * 1000;
  const seconds = Number(values.seconds);
  const samples = Number(values.samples);
  const rate = Number(values.rate);
  const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-bench-lag-'));
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const standinProc = await spawnStandIn(['--port', '0', '--data-dir', data, '--wal-file-size-kib', '256']);
  const { uri, child } = standinProc;
  const ac = new AbortController();
  const backend = new LocalBackend(repo);
  try {
    const watching = runWatch(
      { database: 'memgraph', root: '', once: false, maxLagMs, onGap: 'warn', rescanMs: 10_000, retryForMs: 60_000,
        server: uri, mgbackupVersion: 'bench', leaseWaitMs: 5000 },
      {
        backend, dataDir: new LocalDataDir(data, data), shared: new LocalSharedFiles(data), probe: systemProcessProbe,
        clock: systemClock, signal: ac.signal, emit: () => {}, warn: () => {}, info: () => {},
        connect: () => connectNeo4j({ uri }), changes: () => chokidarChanges(data),
        staging: async (id) => {
          const dir = path.join(repo, '.staging', id);
          return { dir, owner: async () => {}, remove: async () => fs.rmSync(dir, { recursive: true, force: true }) };
        },
      },
    ).catch((err: unknown) => (ac.signal.aborted ? undefined : Promise.reject(err)));

    // The client: commit i is the (i+1)-th transaction of a fresh server, so its commit timestamp is i+1.
    const acked: number[] = [];
    const client = await connectNeo4j({ uri });
    const t0 = performance.now();
    const writing = (async () => {
      for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
        await client.run(`CREATE (:P {n: ${i}})`);
        acked.push(performance.now());
        const ahead = (i + 1) * (1000 / rate) - (performance.now() - t0);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
    })();

    const moments = Array.from({ length: samples }, () => 3000 + Math.random() * (seconds * 1000 - 4000)).sort((a, b) => a - b);
    const lags: number[] = [];
    for (const m of moments) {
      const wait = t0 + m - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // The archive as it is now: what would be left if the machine died at this instant.
      const lastAcked = acked.length;
      const newest = Math.max(0, ...(await listArchive(backend)).map((r) => Number(r.toTs)));
      const lag = newest >= lastAcked ? 0 : acked[lastAcked - 1]! - (newest > 0 ? acked[newest - 1]! : t0);
      lags.push(lag);
    }
    await writing;
    await client.close();
    const rateDone = acked.length / ((acked.at(-1)! - t0) / 1000);
    ac.abort();
    await watching;

    const sorted = [...lags].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    console.log(`watch recovery-point benchmark; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  ${acked.length} commits in ${seconds} s (${rateDone.toFixed(0)} tx/s, asked ${rate}), --max-lag ${maxLagMs / 1000} s, ${samples} random moments`);
    console.log(`  newest archived commit behind the last acknowledged one: min ${(q(0) / 1000).toFixed(2)} s, median ${(q(0.5) / 1000).toFixed(2)} s, p90 ${(q(0.9) / 1000).toFixed(2)} s, max ${(q(1) / 1000).toFixed(2)} s`);
    console.log(`  bound --max-lag + 1 s = ${(maxLagMs / 1000 + 1).toFixed(2)} s: ${sorted.filter((l) => l <= maxLagMs + 1000).length} of ${samples} within; max / --max-lag = ${(q(1) / maxLagMs).toFixed(2)}x`);
    console.log(`  all: ${lags.map((l) => (l / 1000).toFixed(2)).join(' ')}`);
  } finally {
    ac.abort();
    child.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
