// Benchmark (not a test): point-in-time restore of a large snapshot plus archived WAL against a plain
// restore of the same data, measured in the same run. The stand-in (in this process; it writes real
// Memgraph v36 snapshot and WAL files) is filled with 1 MiB string properties: --snapshot-mb before a
// base backup (so in its snapshot), then --wal-mb after it, archived by `watch --once` (finalized WAL
// files plus the open one's committed prefix). A second backup then holds the same data in its snapshot.
//   plain: `restore <second backup> --data-dir D` (verify every file, then stage).
//   pitr:  `restore --to-ts T --data-dir D`, T the last commit but one, so the chain is cut (timeline,
//          plan, cut, stage with the sha256 checked while copying).
// Each is run --runs times, alternating, into a fresh directory; the medians and their ratio are printed.
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/pitr-restore.js [--snapshot-mb 1024 --wal-mb 512 --runs 3]
//   MGBACKUP_BENCH_DIR: where the data directories and repository go (default the OS temp dir).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import type { GraphClient } from '../../src/bolt/graph-client.js';
import { StandIn } from '../../test/standin/standin.js';
import { runMain } from '../../test/helpers/capture-io.js';

const MiB = 1024 * 1024;
const ROWS_PER_QUERY = 4;
const VERTEX_FORM = 'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`Blob` {`__mg_id__`: r[0], `payload`: r[1]})';

/** Letters from a seeded stream: nothing a compressor or the page cache could make cheap. */
function payloadBase(): string {
  const seed = crypto.createHash('sha512').update('mgbackup-pitr-bench').digest();
  const out = Buffer.alloc(2 * MiB);
  for (let i = 0; i < out.length; i += 64) crypto.createHash('sha512').update(seed).update(String(i)).digest().copy(out, i);
  for (let i = 0; i < out.length; i++) out[i] = 97 + (out[i]! % 26);
  return out.toString('latin1');
}

async function load(client: GraphClient, base: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += ROWS_PER_QUERY) {
    const rows = [];
    for (let j = i; j < Math.min(to, i + ROWS_PER_QUERY); j++) {
      const at = (j * 7919) % MiB;
      rows.push([BigInt(j), base.slice(at, at + MiB)]);
    }
    await client.run(VERTEX_FORM, { rows });
  }
}

async function cli(argv: string[]): Promise<string> {
  const r = await runMain(argv);
  if (r.code !== 0) throw new Error(`mgbackup ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'snapshot-mb': { type: 'string', default: '256' }, 'wal-mb': { type: 'string', default: '128' }, runs: { type: 'string', default: '3' } } });
  const snapshotMb = Number(values['snapshot-mb']);
  const walMb = Number(values['wal-mb']);
  const runs = Number(values.runs);
  const root = fs.mkdtempSync(path.join(process.env.MGBACKUP_BENCH_DIR ?? os.tmpdir(), 'mgb-pitr-bench-'));
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const base = payloadBase();
  // WAL files of about 16 MiB: the WAL part is many finalized files plus the open one.
  const standin = await StandIn.start({ dataDir: data, engineOptions: { walFileSizeKib: 16 * 1024 } });
  try {
    const client = await connectNeo4j({ uri: standin.uri });
    const snapRows = snapshotMb;
    const walRows = walMb;
    await load(client, base, 0, snapRows);
    await cli(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet']);
    await load(client, base, snapRows, snapRows + walRows);
    await cli(['watch', '--once', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet']);
    const second = JSON.parse(await cli(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--json'])) as { id: string; bytes: number };
    await client.close();
    const listing = JSON.parse(await cli(['list', '--repo', repo, '--json'])) as { databases: { window: { latest: { ts: string } }; archive: { files: number; bytes: number } }[] };
    const tl = listing.databases[0]!;
    const targetTs = (BigInt(tl.window.latest.ts) - 1n).toString();
    process.stdout.write(`data: ${snapshotMb} MiB in the base snapshot, ${walMb} MiB after it in ${tl.archive.files} archived WAL file(s) `
      + `(${(tl.archive.bytes / MiB).toFixed(0)} MiB); plain backup ${(second.bytes / MiB).toFixed(0)} MiB; pitr target commit ${targetTs}\n`);

    const times: Record<'plain' | 'pitr', number[]> = { plain: [], pitr: [] };
    for (let i = 0; i < runs; i++) {
      for (const kind of ['plain', 'pitr'] as const) {
        const target = path.join(root, `restore-${kind}-${i}`);
        const args = kind === 'plain' ? ['restore', '--repo', repo, second.id] : ['restore', '--repo', repo, '--to-ts', targetTs];
        const t0 = performance.now();
        await cli([...args, '--data-dir', target, '--quiet']);
        times[kind].push(performance.now() - t0);
        fs.rmSync(target, { recursive: true, force: true });
      }
    }
    const plain = median(times.plain);
    const pitr = median(times.pitr);
    process.stdout.write(`plain restore:         median ${(plain / 1000).toFixed(2)} s  (${times.plain.map((x) => (x / 1000).toFixed(2)).join(', ')})\n`);
    process.stdout.write(`point-in-time restore: median ${(pitr / 1000).toFixed(2)} s  (${times.pitr.map((x) => (x / 1000).toFixed(2)).join(', ')})\n`);
    process.stdout.write(`ratio pitr / plain: ${(pitr / plain).toFixed(2)}\n`);
  } finally {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
