// Benchmark (not a test): `mgbackup forget --prune` on a local repository of B backups and W archived
// WAL files (issue 11: 1,000 backups and 50,000 WAL files: "seconds, not minutes, with memory bounded").
//
// The repository is generated (hourly backups, W/B WAL files between two backups, each a data object
// plus its record), then the real CLI runs `forget --keep-last 10 --keep-hourly 24 --prune` under
// /usr/bin/time for its wall time and peak RSS. Baseline, same run: `rm -r` of an identical copy of the
// repository (the least any deletion of those files can cost on this filesystem). Two sizes, the
// second 10x the first, show what memory does with the counts: the live heap after each full garbage
// collection (from --trace-gc) is what the run holds (the archive is streamed; the backups' manifests
// and one archive folder's names are held); the peak RSS adds V8's young generation, which grows with
// the allocation rate of a longer run up to V8's fixed cap.
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/forget-prune.js [--backups 1000] [--wal 50000] [--dir /dev/shm]
// (--dir: where the repositories are generated; default the system temp folder)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeManifest, type Manifest } from '../../src/store/manifest.js';
import { numArg as arg } from './bench-args.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin.js');
const UUID = '5e269f59-6689-44d8-8d59-0e79e73915ab';
const pad = (n: number) => String(n).padStart(20, '0');

function writeRepo(root: string, backups: number, walFiles: number): void {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const perBackup = Math.max(1, Math.floor(walFiles / backups));
  const start = Date.parse('2026-01-01T00:00:00Z');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const archive = path.join(root, 'archive', UUID);
  fs.mkdirSync(archive, { recursive: true, mode: 0o700 });
  let wal = 0;
  for (let i = 0; i < backups; i++) {
    const at = new Date(start + i * 3_600_000).toISOString();
    const id = `${at.slice(0, 4)}${at.slice(5, 7)}${at.slice(8, 10)}T${at.slice(11, 13)}0000Z-${i.toString(16).padStart(8, '0')}`;
    const ts = (i + 1) * perBackup * 10;
    const snap = Buffer.from(`snapshot ${i}`);
    const dir = path.join(root, id);
    fs.mkdirSync(path.join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
    const name = `snapshots/20260101000000000000_timestamp_${ts}`;
    fs.writeFileSync(path.join(dir, name), snap, { mode: 0o600 });
    const m: Manifest = {
      format: 'mgbackup-backup', formatVersion: 1, id, createdAt: at, mgbackupVersion: 'bench',
      memgraph: { version: '3.12.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid: null },
      counts: { vertices: 0, edges: 0 }, snapshotOnly: true, source: 'bench',
      files: [{ path: name, kind: 'snapshot', size: snap.length, sha256: sha(snap), durabilityVersion: 37, uuid: UUID, durableTs: String(ts), pinnedBy: 'copy' }],
      timings: { totalMs: 0, snapshotMs: 0, lockWindowMs: 0, copyMs: 0 }, labels: {}, tags: [], warnings: [],
    };
    fs.writeFileSync(path.join(dir, 'manifest.json'), serializeManifest(m), { mode: 0o600 });
    // The WAL written after this backup's snapshot, up to the next one.
    for (let k = 0; k < perBackup && wal < walFiles; k++, wal++) {
      const from = ts + k * 10 + 1;
      const stem = path.join(archive, `${pad(from)}-${pad(wal)}`);
      const data = Buffer.from(`wal ${wal}`);
      fs.writeFileSync(`${stem}.wal`, data, { mode: 0o600 });
      fs.writeFileSync(`${stem}.wal.json`, JSON.stringify({
        format: 'mgbackup-wal', name: `w${wal}`, uuid: UUID, epoch: 'e', seq: String(wal), fromTs: String(from), toTs: String(from + 9),
        durabilityVersion: 37, finalized: true, size: data.length, sha256: sha(data), dataKey: `archive/${UUID}/${pad(from)}-${pad(wal)}.wal`,
        archivedAt: at, observed: [],
      }), { mode: 0o600 });
    }
  }
}

function timed(cmd: string, args: string[]): { seconds: number; maxRssKiB: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [seconds, rss] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: seconds!, maxRssKiB: rss!, stdout: r.stdout };
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

const backups = arg('backups', 1000);
const walFiles = arg('wal', 50_000);
const dirIndex = process.argv.indexOf('--dir');
const work = fs.mkdtempSync(path.join(dirIndex > 0 ? process.argv[dirIndex + 1]! : os.tmpdir(), 'mgb-bench-forget-'));
try {
  for (const [b, w] of [[Math.round(backups / 10), Math.round(walFiles / 10)], [backups, walFiles]] as const) {
    const repo = path.join(work, `repo-${b}`);
    const copy = path.join(work, `copy-${b}`);
    writeRepo(repo, b, w);
    writeRepo(copy, b, w);
    const files = countFiles(repo);
    spawnSync('sync');
    const base = timed('rm', ['-r', copy]);
    // --trace-gc (on stdout, beside the JSON line) gives the live heap after each full collection: what
    // the run really holds, apart from how far V8 let the young generation grow for its allocation rate.
    const prune = timed(process.execPath, ['--trace-gc', BIN, 'forget', '--repo', repo, '--keep-last', '10', '--keep-hourly', '24', '--prune', '--json']);
    const lines = prune.stdout.split('\n');
    const live = Math.max(0, ...lines.map((l) => /Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+)/.exec(l)).filter((m) => m !== null).map((m) => Number(m![1])));
    const r = JSON.parse(lines.find((l) => l.startsWith('{"type":"forget"'))!) as { pruned: { backups: unknown[]; wal: { deleted: { files: number }[] } } };
    const walDeleted = r.pruned.wal.deleted.reduce((n, x) => n + x.files, 0);
    console.log(`${b} backups, ${w} archived WAL files (${files} files): forget --prune deleted ${r.pruned.backups.length} backups and ${walDeleted} WAL files`
      + ` (${countFiles(repo)} files left) in ${prune.seconds.toFixed(2)} s, peak RSS ${(prune.maxRssKiB / 1024).toFixed(1)} MiB, live heap after full GC at most ${live.toFixed(1)} MB;`
      + ` baseline rm -r of all ${files} files ${base.seconds.toFixed(2)} s: ratio ${(prune.seconds / Math.max(base.seconds, 0.01)).toFixed(1)}x`);
    fs.rmSync(repo, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
