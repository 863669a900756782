// Benchmark (not a test): start-up cost of the built CLI as ratios against `node -e 0` measured in the
// same run, interleaved round by round so load on the shared machine hits every case alike. Cases:
// `mgbackup --version`, `mgbackup --help`, and `mgbackup inspect` of a small snapshot (written by the
// test encoder, 3 vertices). Goals (issue 14): --version and --help <= 1.6x, inspect <= 2x.
// Where the rest goes (node --cpu-prof): --version loads nothing but package.json. --help and every
// command load yargs and its helpers (cliui, string-width, wrap-ansi, y18n: about 270 KB of modules to
// compile, two thirds of what inspect loads), and --help renders through cliui/string-width, which
// segments every cell with Intl.Segmenter. Node 20 has no module compile cache (module.enableCompileCache
// is 22.1+), so that compile cost is paid on every run.
// Run: npx tsc -p tsconfig.json && node dist/scripts/bench/startup.js [--rounds 21]
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
  { name: 'mgbackup inspect (small file)', args: [bin, 'inspect', small], goal: 2 },
];

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  for (const c of cases) timeOnce(c.args); // warm the file cache
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) cases.forEach((c, i) => samples[i]!.push(timeOnce(c.args)));
  const base = median(samples[0]!);
  console.log(`start-up, median of ${rounds} interleaved rounds, node ${process.version}`);
  cases.forEach((c, i) => {
    const m = median(samples[i]!);
    const ratio = m / base;
    const verdict = c.goal === undefined ? 'baseline' : `${ratio.toFixed(2)}x node -e 0 (goal <= ${c.goal}x: ${ratio <= c.goal ? 'met' : 'NOT met'})`;
    console.log(`${c.name.padEnd(32)} ${m.toFixed(1).padStart(7)} ms  ${verdict}`);
  });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
