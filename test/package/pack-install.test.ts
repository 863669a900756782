// Issue 12 item 2: the package as users get it. `npm pack` the built checkout, install the tarball into an
// empty prefix the way `npm install -g` does (dependencies from the registry or the local cache), and run
// the installed `mgbackup` from an unrelated directory: --help, --version, and real commands on a snapshot
// written by the test encoder.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import test from 'ava';
import { encodeSnapshot } from '../format/encoder.js';
import { sampleGraph } from '../format/sample-graph.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

interface Ran { code: number | null; stdout: string; stderr: string }

// The installed bin starts with `#!/usr/bin/env node`: put this very node first on PATH. The outer
// `npm test` leaves npm_* variables (its own prefix, script name...) that must not steer the install.
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-pack-'));
const prefix = path.join(work, 'prefix');
env.PATH = [path.join(prefix, 'bin'), path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
env.NO_COLOR = '1';

function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

// One pack and one install for all the checks below (an install takes seconds to a minute).
const installed = (async () => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/src/bin.js'))) throw new Error('dist/src/bin.js is missing: build first (npm run build)');
  // --ignore-scripts: prepack would rebuild dist/ while other test files read it; npm test built it.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(work, info!.filename);
  const install = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work);
  if (install.code !== 0) throw new Error(`npm install -g of the tarball failed: ${install.stderr}`);
  return { files: info!.files.map((f) => f.path), pkgDir: path.join(prefix, 'lib/node_modules/mgbackup') };
})();

const elsewhere = fs.mkdtempSync(path.join(work, 'cwd-'));

test('the tarball ships the built CLI, its sources for the source maps, LICENSE and README, and no tests', async (t) => {
  const { files, pkgDir } = await installed;
  for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/src/bin.js', 'src/bin.ts']) t.true(files.includes(f), f);
  t.deepEqual(files.filter((f) => /^(dist\/)?(test|scripts)\//.test(f)), []);
  // Every source map resolves to a file in the package (a map pointing at unshipped .ts is useless).
  const missing: string[] = [];
  for (const f of files.filter((p) => p.endsWith('.js.map'))) {
    const map = JSON.parse(fs.readFileSync(path.join(pkgDir, f), 'utf8')) as { sources: string[] };
    for (const s of map.sources) {
      const abs = path.resolve(path.dirname(path.join(pkgDir, f)), s);
      if (!fs.existsSync(abs)) missing.push(`${f} -> ${s}`);
    }
  }
  t.deepEqual(missing, []);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  t.is(pkg.private, undefined);
  t.is(pkg.license, 'Apache-2.0');
});

test('the installed mgbackup answers --help and --version from another directory', async (t) => {
  await installed;
  const help = await run('mgbackup', ['--help'], elsewhere);
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /^mgbackup <command> \[options\]$/m);
  t.regex(help.stdout, /^ {2}mgbackup create /m);
  const version = await run('mgbackup', ['--version'], elsewhere);
  t.is(version.code, 0, version.stderr);
  const { version: want } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  t.is(version.stdout.trim(), want);
});

test('the installed mgbackup runs inspect and convert (to .zst) on a snapshot, from another directory', async (t) => {
  await installed;
  const snap = path.join(elsewhere, 'snapshot.bin');
  fs.writeFileSync(snap, encodeSnapshot(sampleGraph(), { uuid: 'pkg-1', startTimestamp: 7n, durableTimestamp: 6n }));
  const inspect = await run('mgbackup', ['inspect', '--json', 'snapshot.bin'], elsewhere);
  t.is(inspect.code, 0, inspect.stderr);
  t.like(JSON.parse(inspect.stdout), { kind: 'snapshot', version: 36, uuid: 'pkg-1', counts: { vertices: 3, edges: 3 } });

  const text = await run('mgbackup', ['convert', 'snapshot.bin'], elsewhere);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /^CREATE \(:__mg_vertex__/m);
  const toFile = await run('mgbackup', ['convert', 'snapshot.bin', '-o', 'out.cypherl.zst'], elsewhere);
  t.is(toFile.code, 0, toFile.stderr);
  t.is(zstdDecompressSync(fs.readFileSync(path.join(elsewhere, 'out.cypherl.zst'))).toString('utf8'), text.stdout);

  const missing = await run('mgbackup', ['inspect', 'nosuch.bin'], elsewhere);
  t.is(missing.code, 12);
  t.regex(missing.stderr, /nosuch\.bin/);
});
