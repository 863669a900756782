// Benchmark (not a test): the lock window (LOCK..UNLOCK) and total time of `mgbackup create` against
// the stand-in Bolt server, which writes real Memgraph v36 snapshot and WAL files and keeps real LOCK
// semantics, beside the naive procedure (LOCK, cp the same files, UNLOCK) and `cp` + `sha256sum` of the
// same files, all in the same run. Each size gets a fresh stand-in filled through the load fast path's
// parameterised UNWIND form with 1 MiB string properties: half before create's CREATE SNAPSHOT (it ends
// up in the snapshot), half just after it, before the LOCK (it ends up in WAL files the backup needs),
// so snapshot + WAL come to the requested size; the WAL file size is set so those WAL files are several
// finalized ones plus a `_current`. The benchmark's writes in that step are not counted as create's time.
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/create.js [--sizes 128,1024]
//   or  node dist/scripts/bench/create.js --copy-step MiB   (the copy step alone: see copyStep)
//   MGBACKUP_BENCH_DIR: where the data directories and stores go (default the OS temp dir).
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import type { GraphClient } from '../../src/bolt/graph-client.js';
import { readServerFacts } from '../../src/bolt/server-facts.js';
import { systemClock } from '../../src/core/clock.js';
import { silentReporter } from '../../src/core/reporter.js';
import { createBackup } from '../../src/core/backup/create.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { StandIn } from '../../test/standin/standin.js';

const MiB = 1024 * 1024;
const PROPERTY_BYTES = MiB;
const ROWS_PER_QUERY = 4;
// What `mgbackup load` sends for vertices (src/core/load/fast-path.ts), accepted by test/standin/engine/unwind-forms.ts.
const VERTEX_FORM = 'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`Blob` {`__mg_id__`: r[0], `payload`: r[1]})';

/** Letters from a seeded stream: no escapes to render, and no run a compressor could shrink much. */
function payloadBase(): string {
  const bytes = crypto.createHash('sha512').update('mgbackup-bench').digest();
  const out = Buffer.alloc(2 * PROPERTY_BYTES);
  for (let i = 0; i < out.length; i += 64) {
    crypto.createHash('sha512').update(bytes).update(String(i)).digest().copy(out, i);
  }
  for (let i = 0; i < out.length; i++) out[i] = 97 + (out[i]! % 26);
  return out.toString('latin1');
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

async function load(client: GraphClient, base: string, from: number, to: number): Promise<number> {
  const t0 = performance.now();
  for (let i = from; i < to; i += ROWS_PER_QUERY) {
    const rows = [];
    for (let j = i; j < Math.min(to, i + ROWS_PER_QUERY); j++) {
      const at = (j * 7919) % PROPERTY_BYTES;
      rows.push([BigInt(j), base.slice(at, at + PROPERTY_BYTES)]);
    }
    await client.run(VERTEX_FORM, { rows });
  }
  return performance.now() - t0;
}

async function scenario(totalMb: number, base: string) {
  const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-bench-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  // Half the data is in the graph before create's CREATE SNAPSHOT (so in the snapshot); the other half
  // is written right after it, before the LOCK, as a live database would be, so the WAL files that hold
  // it are ones the backup needs. The WAL file that straddles the snapshot comes too.
  const half = Math.max(ROWS_PER_QUERY, Math.round((totalMb * 0.485) / (PROPERTY_BYTES / MiB)));
  // About six finalized WAL files after the snapshot, each a few whole queries (rotation is after a commit).
  const walFileSizeKib = Math.max(ROWS_PER_QUERY * 1024, Math.floor((half * 1024) / 6.5));
  const standin = await StandIn.start({ dataDir: data, engineOptions: { walFileSizeKib } });
  try {
    const client = await connectNeo4j({ uri: standin.uri });
    const writer = await connectNeo4j({ uri: standin.uri });
    const preloadMs = await load(writer, base, 0, half);
    let writesMs = 0;

    const t0 = performance.now();
    const r = await createBackup(
      { snapshotOnly: false, wait: false, waitTimeoutMs: 1000, labels: {}, tags: [], mgbackupVersion: 'bench' },
      {
        client, reconnect: () => connectNeo4j({ uri: standin.uri }), readFacts: readServerFacts,
        dataDir: new LocalDataDir(data, data), store: await BackupStore.open(path.join(root, 'repo'), { create: true }),
        clock: systemClock, reporter: silentReporter, probe: systemProcessProbe,
        onStep: async (s) => {
          if (s !== 'snapshot') return;
          writesMs = await load(writer, base, half, 2 * half);
          // One small commit last, so the newest WAL is an open `_current` whatever the rotation did.
          const w0 = performance.now();
          await writer.run(VERTEX_FORM, { rows: [[BigInt(2 * half), 'tail']] });
          writesMs += performance.now() - w0;
        },
      },
    );
    // The benchmark's own writes inside the hook are not create's time.
    const createTotal = performance.now() - t0 - writesMs;
    await writer.close();
    const files = r.files.map((f) => path.join(data, f.path));
    const wals = r.files.filter((f) => f.kind !== 'snapshot').map((f) => path.basename(f.path));

    // Naive: LOCK, cp every file, UNLOCK (the documented manual procedure), timed as create times its
    // window: from LOCK's answer to UNLOCK's answer.
    const naiveDir = path.join(root, 'naive');
    fs.mkdirSync(naiveDir);
    await client.run('LOCK DATA DIRECTORY');
    const n0 = performance.now();
    run('cp', [...files, naiveDir]);
    await client.run('UNLOCK DATA DIRECTORY');
    const naiveLock = performance.now() - n0;
    await client.close();
    // Untimed: flush the naive copies so their write-back does not slow the next measurement.
    run('sync', fs.readdirSync(naiveDir).map((f) => path.join(naiveDir, f)));

    // cp + sha256sum of the same files, synced so that both sides pay for durable writes.
    const cpDir = path.join(root, 'cp');
    fs.mkdirSync(cpDir);
    const c0 = performance.now();
    run('cp', [...files, cpDir]);
    const cpOnly = performance.now() - c0;
    const copies = fs.readdirSync(cpDir).map((f) => path.join(cpDir, f));
    const h0 = performance.now();
    run('sha256sum', copies);
    const shaOnly = performance.now() - h0;
    // `sync FILE...` fsyncs each copy, as create fsyncs each file it writes (`sync -f` would flush the
    // whole filesystem, other processes' writes included).
    run('sync', copies);
    const cpSha = performance.now() - c0;
    return {
      totalMb, vertices: 2 * half, walFileSizeKib, loadMs: preloadMs + writesMs, bytes: r.bytes, files: r.files.length, wals, pinnedBy: r.pinnedBy,
      lockWindow: r.lockWindowMs, createTotal, snapshotMs: r.durations.snapshotMs,
      afterSnapshot: createTotal - r.durations.snapshotMs, naiveLock, cpSha, cpOnly, shaOnly,
    };
  } finally {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * --copy-step MiB: create's copy step alone (copy + sha256 + fsync of one file), each way in a fresh
 * child so CPU times are its own, against cp + sha256sum + sync of the same file, with user and system
 * CPU seconds: copyAndHash as create calls it (a file handle's read stream), and fs.copyFile
 * (copy_file_range) + a separate hash pass over the copy (hashFile), each in a child that loads only
 * checksum.ts (copy-way.ts), beside such a child's start-up alone.
 */
async function copyStep(mb: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-copy-bench-'));
  try {
    const src = path.join(dir, 'src.bin');
    const base = Buffer.from(payloadBase());
    const fd = fs.openSync(src, 'w');
    for (let i = 0; i < mb; i++) fs.writeSync(fd, base, (i * 7919) % MiB, MiB);
    fs.closeSync(fd);
    run('sync', [src]);
    run('cat', [src]); // page cache warm for every variant
    const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'copy-way.js');
    // startup: the child's start-up and module loading alone, which every node row includes.
    const ways = ['cp+sha256sum+sync', 'startup', 'copyAndHash', 'copyfile+hash', 'copyAndHash', 'copyfile+hash'] as const;
    console.log(`create's copy step on a ${mb} MiB file; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let base0: { user: number; sys: number } | undefined;
    for (const way of ways) {
      const dest = path.join(dir, `dest-${way}`);
      const t0 = performance.now();
      const r = spawnSync('bash', ['-c', way === 'cp+sha256sum+sync'
        ? 'cp "$1" "$2" && sha256sum "$2" > /dev/null && sync "$2" && times'
        : `"${process.execPath}" "${child}" ${way} "$1" "$2" && times`, 'bash', src, dest], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${way}: ${r.stderr}`);
      const ms = performance.now() - t0;
      const [user, sys] = [...r.stdout.trim().split('\n').at(-1)!.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      base0 ??= { user: user!, sys: sys! };
      console.log(`  ${way.padEnd(18)} wall ${(ms / 1000).toFixed(2)} s  user ${user!.toFixed(2)} s  sys ${sys!.toFixed(2)} s  ` +
        `sys/cp+sha256sum ${(sys! / base0.sys).toFixed(2)}x  cpu/cp+sha256sum ${((user! + sys!) / (base0.user + base0.sys)).toFixed(2)}x`);
      fs.rmSync(dest, { force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const stepAt = process.argv.indexOf('--copy-step');
if (stepAt >= 0) {
  await copyStep(Number(process.argv[stepAt + 1] ?? 512));
  process.exit(0);
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '128,1024' } }, strict: true });
const sizes = values.sizes.split(',').map(Number);
if (sizes.some((s) => !Number.isInteger(s) || s < 8)) throw new Error(`--sizes ${JSON.stringify(values.sizes)}: MiB values >= 8, comma separated`);
console.log(`mgbackup create vs naive LOCK+cp+UNLOCK vs cp+sha256sum, against the stand-in (real v36 files); ${os.cpus().length} cores`);
console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const base = payloadBase();
const rows = [];
for (const mb of sizes) {
  const r = await scenario(mb, base);
  rows.push(r);
  const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
  console.log(`\n${mb} MiB target: ${r.vertices} vertices x 1 MiB loaded in ${(r.loadMs / 1000).toFixed(1)} s; ` +
    `backed up ${mib(r.bytes)} in ${r.files} files (snapshot + ${r.wals.length} WAL, ${r.wals.filter((w) => w.includes('_current')).length} of them _current; ` +
    `--storage-wal-file-size-kib ${r.walFileSizeKib}); pinned by ${r.pinnedBy}`);
  console.log(`  lock window (LOCK..UNLOCK): mgbackup ${r.lockWindow.toFixed(1)} ms   naive LOCK+cp+UNLOCK ${r.naiveLock.toFixed(0)} ms   ` +
    `naive/mgbackup ${(r.naiveLock / r.lockWindow).toFixed(0)}x`);
  console.log(`  create total ${r.createTotal.toFixed(0)} ms = CREATE SNAPSHOT ${r.snapshotMs.toFixed(0)} ms + the rest ${r.afterSnapshot.toFixed(0)} ms ` +
    `(lock, copy, sha256, fsync, publish)`);
  console.log(`  cp+sha256sum+sync of the same files ${r.cpSha.toFixed(0)} ms (cp ${r.cpOnly.toFixed(0)}, sha256sum ${r.shaOnly.toFixed(0)}, ` +
    `sync ${(r.cpSha - r.cpOnly - r.shaOnly).toFixed(0)})   speed of create's rest vs cp+sha256sum ` +
    `${(r.cpSha / r.afterSnapshot).toFixed(2)}x (target >= 0.9); whole create incl. CREATE SNAPSHOT ${(r.cpSha / r.createTotal).toFixed(2)}x`);
}
const [first, last] = [rows[0]!, rows[rows.length - 1]!];
console.log(`\nlock window ${first.totalMb} -> ${last.totalMb} MiB: ${first.lockWindow.toFixed(1)} -> ${last.lockWindow.toFixed(1)} ms ` +
  `(target <= 50 ms at 1 GiB, not growing with size); naive ${first.naiveLock.toFixed(0)} -> ${last.naiveLock.toFixed(0)} ms`);
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
