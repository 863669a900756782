// Benchmark (not a test): `mgbackup dump` against draining the same DUMP DATABASE with bare neo4j-driver,
// both as child processes against one stand-in (in its own process) holding N vertices + N edges.
// Prints throughput ratio and each side's peak RSS. Usage: node dist/scripts/bench/dump.js [N=1000000] [--rounds R=2]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const BIN = path.join(REPO, 'dist/src/bin.js');
// Peak RSS of the child itself: VmHWM belongs to the new address space, whereas getrusage's maxRSS
// survives execve on Linux and so reports the (forking) parent's size when that is larger.
const RSS_HOOK = 'data:text/javascript,import{readFileSync}from"node:fs";process.on("exit",()=>{let k=process.resourceUsage().maxRSS;' +
  'try{k=Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync("/proc/self/status","utf8"))[1])}catch{}const c=process.cpuUsage();' +
  'process.stderr.write("maxrss_kb="+k+" cpu_ms="+Math.round((c.user+c.system)/1000)+"\\n")})';

export interface Measured { ms: number; maxRssMb: number; code: number | null; stderr: string; /** user + system, all threads */ cpuMs: number }

/** Runs node with the peak-RSS hook; measures wall time. */
export function measure(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const kb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? NaN);
      const cpuMs = Number(/cpu_ms=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms, maxRssMb: kb / 1024, cpuMs, code, stderr: stderr.replace(/maxrss_kb=\d+ cpu_ms=\d+\n/, '') });
    });
  });
}

/** Starts a stand-in in a child process (this script with --serve); resolves its bolt URI. */
export function serve(n: number, seed: boolean): Promise<{ uri: string; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', String(n), seed ? 'seed' : 'empty'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = /uri=(\S+)/.exec(d);
      if (m) resolve({ uri: m[1]!, stop: () => child.kill('SIGTERM') });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
}

async function serveMain(n: number, seed: boolean): Promise<void> {
  const { StandIn } = await import('../../test/standin/standin.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-bench-'));
  const s = await StandIn.start({ dataDir, engineOptions: { walEnabled: false } });
  if (seed) {
    // Seeded straight into storage: the benchmark is about reading the dump, not writing the graph.
    const graph = (s.engine as unknown as { storage(): { graph: { vertices: Map<bigint, unknown>; edges: Map<bigint, unknown> } } }).storage().graph;
    for (let i = 0; i < n; i++) {
      graph.vertices.set(BigInt(i), { gid: BigInt(i), labels: ['Person'], props: new Map<string, unknown>([['name', `person ${i}; "quoted"`], ['age', BigInt(i % 90)]]) });
    }
    for (let i = 0; i < n; i++) {
      graph.edges.set(BigInt(i), { gid: BigInt(i), from: BigInt(i % n), to: BigInt((i * 7 + 1) % n), type: 'KNOWS', props: new Map([['since', BigInt(2000 + (i % 20))]]) });
    }
  }
  process.stdout.write(`uri=${s.uri}\n`);
  process.on('SIGTERM', () => { void s.stop().then(() => { fs.rmSync(dataDir, { recursive: true, force: true }); process.exit(0); }); });
}

async function bareMain(uri: string, out: string): Promise<void> {
  const neo4j = (await import('neo4j-driver')).default;
  const driver = neo4j.driver(uri, undefined, { fetchSize: 1000, useBigInt: true });
  const session = driver.session({ fetchSize: 1000 });
  const sink = fs.createWriteStream(out);
  for await (const rec of session.run('DUMP DATABASE')) {
    if (!sink.write((rec.get('QUERY') as string) + '\n')) await new Promise<void>((r) => sink.once('drain', () => r()));
  }
  await new Promise<void>((r) => sink.end(() => r()));
  await session.close();
  await driver.close();
}

/** Load average, printed beside each figure: the machine is shared, so a figure means little without it. */
export function load(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** Compared in 1 MiB slices: this process stays small (its size is not the children's concern, but keep it honest). */
function sameFile(a: string, b: string): boolean {
  if (fs.statSync(a).size !== fs.statSync(b).size) return false;
  const fa = fs.openSync(a, 'r');
  const fb = fs.openSync(b, 'r');
  const ba = Buffer.alloc(1 << 20);
  const bb = Buffer.alloc(1 << 20);
  try {
    for (;;) {
      const na = fs.readSync(fa, ba);
      const nb = fs.readSync(fb, bb);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function benchMain(n: number, rounds: number): Promise<void> {
  const server = await serve(n, true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-bench-out-'));
  try {
    // Alternating rounds against the same server: neither side always gets the warmer (or busier) slot.
    const bare: Measured[] = [];
    const ours: Measured[] = [];
    let size = 0;
    let same = true;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
      for (const side of order) {
        const before = load();
        const m = side === 'bare'
          ? await measure([fileURLToPath(import.meta.url), '--bare', server.uri, path.join(dir, 'bare.cypherl')])
          : await measure([BIN, 'dump', '--uri', server.uri, '-o', path.join(dir, 'ours.cypherl')]);
        if (m.code !== 0) throw new Error(`${side} dump failed: ${m.stderr}`);
        (side === 'bare' ? bare : ours).push(m);
        console.log(`  round ${r + 1} ${side === 'bare' ? 'bare neo4j-driver' : 'mgbackup dump -o  '}: ${(m.ms / 1000).toFixed(2)} s, peak RSS ${m.maxRssMb.toFixed(0)} MB (load average before ${before}, after ${load()})`);
      }
      size = fs.statSync(path.join(dir, 'ours.cypherl')).size;
      same &&= sameFile(path.join(dir, 'ours.cypherl'), path.join(dir, 'bare.cypherl'));
    }
    const b = median(bare.map((m) => m.ms));
    const o = median(ours.map((m) => m.ms));
    console.log(`dump bench: ${n} vertices + ${n} edges, ${(size / 1e6).toFixed(1)} MB, ${rounds} alternating rounds, identical output: ${same}`);
    console.log(`  bare neo4j-driver: median ${(b / 1000).toFixed(2)} s (${(size / 1e6 / (b / 1000)).toFixed(1)} MB/s), peak RSS max ${Math.max(...bare.map((m) => m.maxRssMb)).toFixed(0)} MB`);
    console.log(`  mgbackup dump -o:  median ${(o / 1000).toFixed(2)} s (${(size / 1e6 / (o / 1000)).toFixed(1)} MB/s), peak RSS max ${Math.max(...ours.map((m) => m.maxRssMb)).toFixed(0)} MB`);
    console.log(`  throughput ratio (mgbackup / bare, medians): ${(b / o).toFixed(2)}x (target >= 0.9x); RSS target <= 150 MB`);
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === '--serve') await serveMain(Number(a), b === 'seed');
  else if (mode === '--bare') await bareMain(a!, b!);
  else {
    const args = process.argv.slice(2);
    const i = args.indexOf('--rounds');
    await benchMain(Number(args.find((x) => /^\d+$/.test(x) && args[args.indexOf(x) - 1] !== '--rounds') ?? 1_000_000), i >= 0 ? Number(args[i + 1]) : 2);
  }
}
