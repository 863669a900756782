// Benchmark (not a test): `mgbackup load` (fast path, default batch size) against replaying the same
// .cypherl one statement per auto-commit transaction with bare neo4j-driver, each into a fresh empty
// stand-in (own process). Prints the speed ratio, and the client's CPU time and peak RSS. Usage:
// node dist/scripts/bench/load.js [N=1000000 | N,N,...] [--batch-sizes 1000,5000,20000 to compare batch
// sizes; default: the CLI's default batch size] [--no-replay] [--bin OTHER/dist/src/bin.js].
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BATCH_SIZE } from '../../src/cli/commands/load.js';
import { BIN, load, measure, serve } from './dump.js';

function writeDump(file: string, n: number): number {
  const out = fs.openSync(file, 'w');
  let lines = 0;
  const put = (s: string) => { fs.writeSync(out, s); };
  let buf = '';
  const flush = () => { put(buf); buf = ''; };
  for (let i = 0; i < n; i++) {
    buf += `CREATE (:__mg_vertex__:\`Person\` {__mg_id__: ${i}, \`name\`: "person ${i}; \\"quoted\\"", \`age\`: ${i % 90}});\n`;
    lines++;
    if (buf.length > 1 << 20) flush();
  }
  buf += 'CREATE INDEX ON :__mg_vertex__(__mg_id__);\n';
  for (let i = 0; i < n; i++) {
    buf += `MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ${i % n} AND v.__mg_id__ = ${(i * 7 + 1) % n} CREATE (u)-[:\`KNOWS\` {\`since\`: ${2000 + (i % 20)}}]->(v);\n`;
    lines++;
    if (buf.length > 1 << 20) flush();
  }
  buf += 'DROP INDEX ON :__mg_vertex__(__mg_id__);\nMATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;\n';
  flush();
  fs.closeSync(out);
  return lines + 3;
}

async function replayMain(uri: string, file: string): Promise<void> {
  const neo4j = (await import('neo4j-driver')).default;
  const driver = neo4j.driver(uri, undefined, { useBigInt: true });
  // Streamed line by line; a fresh session every 10k statements because a driver session keeps every
  // Result it ran until it closes (2M of them ran this process out of heap). Sessions reuse the pooled
  // connection, so each statement is still one auto-commit round trip.
  const lines = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let session = driver.session();
  let inSession = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    await session.run(line);
    if (++inSession === 10_000) {
      await session.close();
      session = driver.session();
      inSession = 0;
    }
  }
  await session.close();
  await driver.close();
}

async function timeLoad(file: string, args: string[]): Promise<{ ms: number; cpuMs: number; rss: number; load: string }> {
  const server = await serve(0, false);
  try {
    const before = load();
    const r = await measure(args.map((a) => a.replace('{URI}', server.uri).replace('{FILE}', file)));
    if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
    return { ms: r.ms, cpuMs: r.cpuMs, rss: r.maxRssMb, load: `load average before ${before}, after ${load()}` };
  } finally {
    server.stop();
  }
}

async function benchMain(n: number, batchSizes: number[], replay: boolean, bin: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-bench-load-'));
  try {
    const file = path.join(dir, 'db.cypherl');
    const statements = writeDump(file, n);
    console.log(`load bench: ${n} vertices + ${n} edges (${statements} statements, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB)`);
    const fast: [number, { ms: number; rss: number; load: string }][] = [];
    for (const b of batchSizes) {
      const r = await timeLoad(file, [bin, 'load', '{FILE}', '--uri', '{URI}', '--batch-size', String(b)]);
      console.log(`  mgbackup load --batch-size ${b}: ${(r.ms / 1000).toFixed(2)} s, client CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.rss.toFixed(0)} MB (${r.load})`);
      fast.push([b, r]);
    }
    if (!replay) return;
    const bare = await timeLoad(file, [fileURLToPath(import.meta.url), '--replay', '{URI}', '{FILE}']);
    console.log(`  one statement per auto-commit (bare driver, all ${statements} statements): ${(bare.ms / 1000).toFixed(2)} s (${bare.load})`);
    for (const [b, r] of fast) {
      console.log(`  ratio --batch-size ${b}: ${(bare.ms / r.ms).toFixed(1)}x (target >= 10x)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Flags: N[,N...] sizes (each a separate run: peak RSS must not grow with N); --batch-sizes B,B;
// --no-replay skips the (slow) bare-driver baseline, for memory runs; --bin PATH loads with another
// build's dist/src/bin.js (a before/after comparison in the same run).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  if (args[0] === '--replay') await replayMain(args[1]!, args[2]!);
  else if (args[0] === '--write') console.log(`${writeDump(args[1]!, Number(args[2]))} statements`);
  else {
    const sizes = (args.find((a) => /^\d+(,\d+)*$/.test(a)) ?? '1000000').split(',').map(Number);
    const batchSizes = opt('--batch-sizes')?.split(',').map(Number) ?? [DEFAULT_BATCH_SIZE];
    const bins = opt('--bin') === undefined ? [BIN] : [BIN, path.resolve(opt('--bin')!)];
    for (const n of sizes) {
      for (const bin of bins) {
        if (bins.length > 1) console.log(`build: ${bin}`);
        await benchMain(n, batchSizes, !args.includes('--no-replay'), bin);
      }
    }
  }
}
