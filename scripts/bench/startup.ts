// Benchmark (not a test): start-up cost of the built CLI as ratios against `node -e 0` measured in the
// same run, interleaved round by round so load on the shared machine hits every case alike. Cases:
// `mgbackup --version`, `mgbackup --help`, `mgbackup create --help`, and `mgbackup inspect` of a small
// snapshot (written by the test encoder, 3 vertices). Goals (issue 14): --version and --help <= 1.6x,
// inspect <= 2x.
// Two figures per case: wall time, and CPU time (user + system of the child, from bash's `times`, which
// reads the child's rusage to the millisecond). On a shared machine wall time includes waiting for a
// core; CPU time is what the start-up itself costs, so its ratio is the one to trust under load.
// Where the time goes (node --cpu-prof, a module.registerHooks counter, process.moduleLoadList):
// - node's own bootstrap (the baseline);
// - per ES module: resolve + load + link costs about 0.4 ms of CPU here even for an empty module (30
//   empty modules: +14 ms), so the count matters as much as the size. npm run build bundles the CLI
//   with esbuild (scripts/bundle.ts): inspect went from 35 of mgbackup's modules to a handful of chunks;
// - the first ESM import of a builtin evaluates all of its exports: node:fs's ReadStream getter loads
//   Node's fs stream modules (~5 ms), so the modules on the start-up path take node:fs from
//   process.getBuiltinModule; node:zlib costs ~4 ms however it is loaded, so only a WAL loads it;
// - process.stdin: creating it on /dev/null or a file builds an fs.ReadStream (~12 ms): created only
//   when a command reads it (cli/main.ts);
// - yargs: its ESM entry imports cliui and string-width (which creates an Intl.Segmenter and compiles
//   Unicode-property regexes when loaded), y18n and more, about 85 ms of CPU. src/cli/yargs-loader.ts
//   builds yargs on a shim that loads the layout modules only for help; what is left, yargs' own 20
//   modules and its parse, about 50 ms, is skipped for the plain command lines of commands whose options
//   are plain strings and booleans (inspect, info, unlock, completion: src/cli/lean-args.ts);
// - `--help` and `CMD --help` are answered from texts rendered at build time (scripts/gen-help.ts,
//   src/cli/prebuilt-help.ts). bin.ts enables V8's compile cache (src/cli/compile-cache.ts) before the
//   parser and the command load.
// Run: npm run build && node dist/scripts/bench/startup.js [--rounds 21]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeSnapshot } from '../../test/format/encoder.js';
import { sampleGraph } from '../../test/format/sample-graph.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '21' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 3) throw new Error(`--rounds must be a whole number >= 3, got ${values.rounds}`);

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mgbackup-startup-'));
const small = path.join(work, 'small.snapshot');
fs.writeFileSync(small, encodeSnapshot(sampleGraph(), { uuid: 'bench', startTimestamp: 2n, durableTimestamp: 1n }));

const cases: { name: string; args: string[]; goal?: number }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'mgbackup --version', args: [bin, '--version'], goal: 1.6 },
  { name: 'mgbackup --help', args: [bin, '--help'], goal: 1.6 },
  { name: 'mgbackup create --help', args: [bin, 'create', '--help'], goal: 1.6 },
  { name: 'mgbackup inspect (small file)', args: [bin, 'inspect', small], goal: 2 },
];

// bash runs the child and then `times`, whose second line is the children's user and system time
// ("0m0.031s 0m0.004s"). The child's own output goes to a file: the pipe to us would only add noise.
const RUNNER = '"$@" >"$OUT" 2>&1; s=$?; times; exit $s';
const out = path.join(work, 'out');

function timeOnce(args: string[]): { wallMs: number; cpuMs: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', RUNNER, 'bash', process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', OUT: out },
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${fs.readFileSync(out, 'utf8')}`);
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout.toString());
  if (!m) throw new Error(`no times output from bash: ${JSON.stringify(r.stdout.toString())}`);
  const cpuMs = (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  return { wallMs, cpuMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  for (const c of cases) timeOnce(c.args); // warm the file cache (and node's compile cache)
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const t = timeOnce(c.args);
      wall[i]!.push(t.wallMs);
      cpu[i]!.push(t.cpuMs);
    });
  }
  const baseWall = median(wall[0]!);
  const baseCpu = median(cpu[0]!);
  // npm run build bundles the CLI (scripts/bundle.ts); tsc alone leaves it unbundled: say which ran.
  const bundled = fs.readFileSync(bin, 'utf8').includes('./bundle/bin.js');
  console.log(`start-up, median of ${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${bundled ? 'bundled' : 'NOT bundled (tsc only)'} CLI`);
  console.log(`${''.padEnd(32)} ${'wall'.padStart(9)} ${'ratio'.padStart(6)}  ${'cpu'.padStart(9)} ${'ratio'.padStart(6)}  goal (on cpu time)`);
  cases.forEach((c, i) => {
    const w = median(wall[i]!);
    const u = median(cpu[i]!);
    const rw = w / baseWall;
    const ru = u / baseCpu;
    const verdict = c.goal === undefined ? 'baseline' : `<= ${c.goal}x: ${ru <= c.goal ? 'met' : 'NOT met'}`;
    console.log(`${c.name.padEnd(32)} ${w.toFixed(1).padStart(6)} ms ${rw.toFixed(2).padStart(5)}x  ${u.toFixed(0).padStart(6)} ms ${ru.toFixed(2).padStart(5)}x  ${verdict}`);
  });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
