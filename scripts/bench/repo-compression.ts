// Benchmark (not a test): what in-process compression of repository files costs and saves, through the
// built CLI end to end. A stand-in (real Memgraph snapshot format) is filled through the load fast
// path's UNWIND form with graph-like rows (an id, a JSON-ish text of names, numbers and a random token,
// so neither incompressible nor a run of one byte); then rounds alternate `create --repo-compression
// none` and `create` (zstd 3, the default) into two repositories, and `restore` of each into a new
// data directory. Reported per side: the best round's create and restore wall time, the bytes stored
// for the backup, and the ratios zstd / none measured in the same run.
//
// Run:  npm run build && node dist/scripts/bench/repo-compression.js [--mib 64] [--rounds 3]
//   MGBACKUP_BENCH_DIR: where data directories and repositories go (default the OS temp dir).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { StandIn } from '../../test/standin/standin.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' } } });
const targetBytes = Number(values.mib) * 1024 * 1024;
const rounds = Number(values.rounds);
const BIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));
const VERTEX_FORM = 'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`Blob` {`__mg_id__`: r[0], `payload`: r[1]})';
const CITIES = ['Berlin', 'Zagreb', 'Lisbon', 'Osaka', 'Lagos', 'Lima', 'Oslo', 'Perth'];

function row(i: number): string {
  const token = crypto.randomBytes(12).toString('hex');
  return JSON.stringify({
    user: `user-${i}`, city: CITIES[i % CITIES.length], score: (i * 7919) % 10007, active: i % 3 !== 0,
    joined: new Date(Date.UTC(2020, 0, 1) + (i % 1500) * 86_400_000).toISOString(), token,
    note: `order ${i % 97} shipped to ${CITIES[(i * 3) % CITIES.length]} with ${(i % 13) + 1} items`,
  });
}

/** The CLI as its own process (asynchronously: the stand-in answers from this process's event loop). */
async function cli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`mgbackup ${args.join(' ')} exited ${code}: ${stderr}`);
  return { ms, stdout };
}

function treeBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-bench-repo-compression-'));
const data = path.join(root, 'data');
fs.mkdirSync(data);
const standin = await StandIn.start({ dataDir: data });
try {
  const client = await connectNeo4j({ uri: standin.uri });
  let written = 0;
  let i = 0;
  const t0 = performance.now();
  while (written < targetBytes) {
    const rows: [bigint, string][] = [];
    for (let k = 0; k < 2000; k++, i++) {
      const p = row(i);
      written += p.length + 16;
      rows.push([BigInt(i), p]);
    }
    await client.run(VERTEX_FORM, { rows });
  }
  await client.close();
  console.error(`loaded ${i} vertices (~${(written / 1048576).toFixed(0)} MiB of properties) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const sides = { none: ['--repo-compression', 'none'], zstd: [] as string[] } as const;
  const best: Record<keyof typeof sides, { create: number; restore: number; stored: number; plain: number }> = {
    none: { create: Infinity, restore: Infinity, stored: 0, plain: 0 }, zstd: { create: Infinity, restore: Infinity, stored: 0, plain: 0 },
  };
  for (let r = 0; r < rounds; r++) {
    // Alternating sides, so a change in the machine's load hits both.
    for (const side of (r % 2 === 0 ? ['none', 'zstd'] : ['zstd', 'none']) as (keyof typeof sides)[]) {
      const repo = path.join(root, `repo-${side}-${r}`);
      const c = await cli(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--snapshot-only', '--json', ...sides[side]]);
      const out = JSON.parse(c.stdout) as { id: string; bytes: number; storedBytes: number };
      const target = path.join(root, `restored-${side}-${r}`);
      const rs = await cli(['restore', out.id, '--repo', repo, '--data-dir', target, '--snapshot-only', '--quiet']);
      const b = best[side];
      b.create = Math.min(b.create, c.ms);
      b.restore = Math.min(b.restore, rs.ms);
      b.plain = out.bytes;
      b.stored = treeBytes(path.join(repo, out.id));
      fs.rmSync(repo, { recursive: true, force: true });
      fs.rmSync(target, { recursive: true, force: true });
    }
  }
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  for (const side of ['none', 'zstd'] as const) {
    const b = best[side];
    console.log(`${side.padEnd(4)}  create ${(b.create / 1000).toFixed(2)} s  restore ${(b.restore / 1000).toFixed(2)} s  stored ${mib(b.stored)} of ${mib(b.plain)} snapshot`);
  }
  console.log(`zstd 3 / none (best of ${rounds}): create time ${(best.zstd.create / best.none.create).toFixed(2)}x, restore time ${(best.zstd.restore / best.none.restore).toFixed(2)}x, `
    + `stored size ${(best.zstd.stored / best.none.stored).toFixed(3)}x (ratio ${(best.none.stored / best.zstd.stored).toFixed(1)}:1)`);
} finally {
  await standin.stop();
  fs.rmSync(root, { recursive: true, force: true });
}
