// Benchmark (not a test): mgbackup's in-process zstd (node:zlib on every core, src/io/compression.ts)
// against the zstd program, `zstd -T0 -3`, on the same bytes in the same run. Issue 13 asks for at least
// 0.9x of its throughput. A third side is the single-stream compressor mgbackup had before (one
// node:zlib zstd stream, one frame, one core), for the speed-up and the ratio the blocks cost.
//
// Two inputs, written once to a temp file: "text", dump-like Cypher lines (compress ~4-8x), and
// "binary", half random bytes and half repeated records (like a snapshot with property blobs). Each side
// reads the file and its compressed output is counted, not stored. Rounds alternate the two sides so
// that a change in the machine's load hits both; the best round of each is compared (the machine is
// shared: the best round is the one least disturbed). The output of each side is checked to decompress
// to the input with the other's decompressor once.
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/compress.js [--size MiB=256] [--rounds 3] [--level 3]
//       [--block MiB] [--in-flight N]   (to try other tunings than createCompressor's defaults)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { createCompressor, type CompressTuning } from '../../src/io/compression.js';
import { numArg as arg } from './bench-args.js';

const sizeMiB = arg('size', 256);
const rounds = arg('rounds', 3);
const level = arg('level', 3);
const tuning: Partial<CompressTuning> = {
  ...(process.argv.includes('--block') ? { blockSize: arg('block', 4) * (1 << 20) } : {}),
  ...(process.argv.includes('--in-flight') ? { inFlight: arg('in-flight', 2) } : {}),
};

function writeInput(file: string, kind: 'text' | 'binary', bytes: number): void {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let i = 0;
  while (written < bytes) {
    let chunk: Buffer;
    if (kind === 'text') {
      const lines: string[] = [];
      for (let k = 0; k < 2000; k++, i++) {
        lines.push(`CREATE (:__mg_vertex__:\`Person\` {__mg_id__: ${i}, \`name\`: "${crypto.randomBytes(5).toString('hex')}", \`age\`: ${i % 97}, \`city\`: "City ${i % 300}"});`);
      }
      chunk = Buffer.from(lines.join('\n') + '\n');
    } else {
      const random = crypto.randomBytes(1 << 19);
      const record = Buffer.alloc(1 << 19);
      for (let k = 0; k < record.length; k += 64) record.write(`vertex ${i++} label Person prop 0x${(i % 4096).toString(16)};`, k);
      chunk = Buffer.concat([random, record]);
    }
    fs.writeSync(fd, chunk);
    written += chunk.length;
  }
  fs.closeSync(fd);
}

const counter = () => {
  let n = 0;
  const w = new Writable({ write(c: Buffer, _e, cb) { n += c.length; cb(); } });
  return { w, bytes: () => n };
};

/** The compressor before blocks: one zstd stream, so one frame on one core. */
const singleStream = () => zlib.createZstdCompress({
  params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
});

interface Run { ms: number; out: number; cpuMs: number }

async function inProcess(file: string, single = false): Promise<Run> {
  const started = performance.now();
  const cpu = process.cpuUsage(); // the whole process: the thread pool's compressing threads too
  const sink = counter();
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), single ? singleStream() : createCompressor('zstd', level, tuning)!, sink.w);
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, out: sink.bytes(), cpuMs: (used.user + used.system) / 1000 };
}

/** The zstd program, timed by bash's `time` for its CPU seconds (user + system, all its threads). */
function cli(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const script = `TIMEFORMAT='%3U %3S'; time zstd -T0 -${level} -q -c "$0"`;
    const child = spawn('bash', ['-c', script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.length; });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const times = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
      if (code !== 0 || !times) return reject(new Error(`zstd exited ${code}: ${err.trim()}`));
      resolve({ ms: performance.now() - started, out, cpuMs: (Number(times[1]) + Number(times[2])) * 1000 });
    });
  });
}

/** Each side's output, decompressed by the other side, equals the input (checked once, on a prefix). */
async function crossCheck(file: string): Promise<void> {
  const input = fs.readFileSync(file).subarray(0, 8 << 20);
  const sample = path.join(path.dirname(file), 'sample');
  fs.writeFileSync(sample, input);
  const z = createCompressor('zstd', level, tuning)!;
  const parts: Buffer[] = [];
  z.on('data', (d: Buffer) => parts.push(d));
  await pipeline(fs.createReadStream(sample), z);
  const byCli = spawnSync('zstd', ['-d', '-c', '-q'], { input: Buffer.concat(parts), maxBuffer: 64 << 20 });
  if (byCli.status !== 0 || !byCli.stdout.equals(input)) throw new Error('zstd -d did not give back the input');
  const theirs = spawnSync('zstd', ['-T0', `-${level}`, '-q', '-c', sample], { maxBuffer: 64 << 20 }).stdout;
  if (!zlib.zstdDecompressSync(theirs).equals(input)) throw new Error('node:zlib did not give back what zstd compressed');
}

async function main(): Promise<void> {
  const version = spawnSync('zstd', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error('the zstd program is needed as the baseline (apt-get install zstd)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-bench-zstd-'));
  try {
    console.log(`node ${process.version} (zlib zstd ${process.versions.zstd ?? '?'}), ${version.stdout.trim()}, ${os.availableParallelism()} cpus, level ${level}, ${sizeMiB} MiB per input, ${rounds} rounds`);
    for (const kind of ['text', 'binary'] as const) {
      const file = path.join(dir, kind);
      writeInput(file, kind, sizeMiB << 20);
      const size = fs.statSync(file).size;
      await crossCheck(file);
      const best = { ours: Infinity, single: Infinity, cli: Infinity };
      const cpu = { ours: Infinity, single: Infinity, cli: Infinity };
      let sizes = { ours: 0, single: 0, cli: 0 };
      const mbs = (ms: number) => size / 1e6 / (ms / 1000);
      for (let r = 0; r < rounds; r++) {
        const a = await inProcess(file);
        const b = await cli(file);
        const c = await inProcess(file, true);
        best.ours = Math.min(best.ours, a.ms);
        best.cli = Math.min(best.cli, b.ms);
        best.single = Math.min(best.single, c.ms);
        cpu.ours = Math.min(cpu.ours, a.cpuMs);
        cpu.cli = Math.min(cpu.cli, b.cpuMs);
        cpu.single = Math.min(cpu.single, c.cpuMs);
        sizes = { ours: a.out, single: c.out, cli: b.out };
        console.log(`  ${kind} round ${r + 1}: in-process ${mbs(a.ms).toFixed(0)} MB/s, zstd -T0 ${mbs(b.ms).toFixed(0)} MB/s, single stream ${mbs(c.ms).toFixed(0)} MB/s (load ${os.loadavg()[0]!.toFixed(2)})`);
      }
      const ratio = (n: number) => (size / n).toFixed(3);
      // CPU seconds per GB hardly depend on the machine's load, unlike MB/s: on a busy machine they say
      // whether the work itself is as cheap as the program's.
      const perGB = (ms: number) => (ms / 1000 / (size / 1e9)).toFixed(2);
      console.log(`${kind}: in-process ${mbs(best.ours).toFixed(0)} MB/s vs zstd -T0 -${level} ${mbs(best.cli).toFixed(0)} MB/s` +
        ` -> throughput ratio ${(best.cli / best.ours).toFixed(2)}x (single stream ${mbs(best.single).toFixed(0)} MB/s, ${(best.cli / best.single).toFixed(2)}x);` +
        ` compression ratio ${ratio(sizes.ours)} vs ${ratio(sizes.cli)} (single stream ${ratio(sizes.single)});` +
        ` CPU s/GB ${perGB(cpu.ours)} vs ${perGB(cpu.cli)} (single stream ${perGB(cpu.single)})`);
      fs.rmSync(file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
