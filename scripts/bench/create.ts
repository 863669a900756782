// Benchmark (not a test): the lock window and total time of `mgbackup create` against the naive
// procedure (copy while locked) and `cp` + `sha256sum` of the same files, measured in the same run.
// Server: the scripted fake from test/create (real file formats, real LOCK semantics); the stand-in
// takes its place once it writes MGsn/MGwl files. Size: MGBACKUP_BENCH_MB (default 1024).
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/create.js
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readServerFacts } from '../../src/bolt/server-facts.js';
import { systemClock } from '../../src/core/clock.js';
import { silentReporter } from '../../src/core/reporter.js';
import { createBackup } from '../../src/core/backup/create.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { FakeMemgraph } from '../../test/create/fake-memgraph.js';

const MiB = 1024 * 1024;

async function scenario(totalMb: number) {
  const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-bench-'));
  try {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const snapMb = Math.round(totalMb * 0.75);
    const fake = new FakeMemgraph({ dataDir: data, snapshotBodyBytes: snapMb * MiB });
    fake.commit(1);
    // The open WAL grows to the rest of the size (one append of incompressible bytes, in 64 MiB steps).
    const wal = fs.readdirSync(path.join(data, 'wal'))[0]!;
    const chunk = Buffer.alloc(64 * MiB);
    for (let left = (totalMb - snapMb) * MiB; left > 0; left -= chunk.length) {
      fs.appendFileSync(path.join(data, 'wal', wal), chunk.subarray(0, Math.min(left, chunk.length)).map((_, i) => (i * 2654435761) & 0xff));
    }
    const client = fake.client();
    const t0 = performance.now();
    const r = await createBackup(
      { snapshotOnly: false, wait: false, waitTimeoutMs: 1000, labels: {}, tags: [], mgbackupVersion: 'bench' },
      { client, reconnect: async () => fake.client(), readFacts: readServerFacts, dataDir: new LocalDataDir(data),
        store: await BackupStore.open(path.join(root, 'repo'), { create: true }), clock: systemClock, reporter: silentReporter },
    );
    const createTotal = performance.now() - t0;
    const createCopy = r.durations.copyMs + r.lockWindowMs;
    const files = r.files.map((f) => path.join(data, f.path));

    // Naive: LOCK, copy every file, UNLOCK (the documented manual procedure).
    const naiveDir = path.join(root, 'naive');
    fs.mkdirSync(naiveDir);
    await client.run('LOCK DATA DIRECTORY');
    const n0 = performance.now();
    for (const f of files) fs.copyFileSync(f, path.join(naiveDir, path.basename(f)));
    const naiveLock = performance.now() - n0;
    await client.run('UNLOCK DATA DIRECTORY');

    // cp + sha256sum of the same files, with a sync so that both sides pay for durable writes.
    const cpDir = path.join(root, 'cp');
    fs.mkdirSync(cpDir);
    const c0 = performance.now();
    const cp = spawnSync('cp', [...files, cpDir]);
    const sha = spawnSync('sha256sum', fs.readdirSync(cpDir).map((f) => path.join(cpDir, f)));
    spawnSync('sync', ['-f', cpDir]);
    const cpSha = performance.now() - c0;
    if (cp.status !== 0 || sha.status !== 0) throw new Error(`cp/sha256sum failed: ${cp.stderr}${sha.stderr}`);
    return { totalMb, bytes: r.bytes, lockWindow: r.lockWindowMs, createTotal, createCopy, snapshotMs: r.durations.snapshotMs, naiveLock, cpSha };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const big = Number(process.env.MGBACKUP_BENCH_MB ?? 1024);
const sizes = [Math.max(16, Math.round(big / 16)), big];
console.log(`mgbackup create benchmark on ${os.cpus().length} cores; sizes ${sizes.join(' and ')} MiB`);
const rows = [];
for (const mb of sizes) rows.push(await scenario(mb));
for (const r of rows) {
  console.log(`\n${r.totalMb} MiB (${(r.bytes / MiB).toFixed(0)} MiB backed up: snapshot + WAL)`);
  console.log(`  lock window (LOCK..UNLOCK):  mgbackup ${r.lockWindow.toFixed(1)} ms   naive copy-under-lock ${r.naiveLock.toFixed(1)} ms   ratio ${(r.naiveLock / r.lockWindow).toFixed(0)}x shorter`);
  console.log(`  copy+hash after CREATE SNAPSHOT: mgbackup ${r.createCopy.toFixed(0)} ms   cp+sha256sum ${r.cpSha.toFixed(0)} ms   speed ratio ${(r.cpSha / r.createCopy).toFixed(2)}x of cp+sha256sum (target >= 0.9)`);
  console.log(`  create end to end: ${r.createTotal.toFixed(0)} ms (of which the fake server's CREATE SNAPSHOT ${r.snapshotMs.toFixed(0)} ms)`);
}
const [small, large] = rows;
console.log(`\nlock window growth ${small!.totalMb} -> ${large!.totalMb} MiB: ${small!.lockWindow.toFixed(1)} -> ${large!.lockWindow.toFixed(1)} ms (target <= 50 ms, flat)`);
