// Real processes for the watch tests: the stand-in (test/standin/main.ts) with small WAL files so it
// finalizes often, the built CLI left running so the test can signal it, a Bolt client committing, and
// waits on conditions (events on stdout, records in the repository) instead of fixed sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { BIN, type CliResult } from '../helpers/run-cli.js';
import { spawnStandIn } from '../helpers/standin-process.js';


export interface Dirs {
  root: string;
  data: string;
  repo: string;
}

export function dirs(t: ExecutionContext): Dirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-watch-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  return { root, data, repo: path.join(root, 'repo') };
}

/** A port that was free a moment ago (for a server restarted on the same address). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startStandIn(
  t: ExecutionContext, data: string, walKib = 1, port = 0, tenants: string[] = [],
): Promise<{ uri: string; child: ChildProcess }> {
  const p = await spawnStandIn(['--port', String(port), '--data-dir', data, '--wal-file-size-kib', String(walKib), ...tenants.flatMap((n) => ['--tenant', n])]);
  t.teardown(p.stop);
  return { uri: p.uri, child: p.child };
}

/** `n` committed transactions, each creating one vertex with a `bytes`-long string. */
export async function commit(uri: string, n: number, bytes = 200, from = 0, database?: string): Promise<void> {
  const c = await connectNeo4j({ uri, ...(database === undefined ? {} : { database }) });
  try {
    for (let i = from; i < from + n; i++) await c.run(`CREATE (:P {n: ${i}, s: "${'x'.repeat(bytes)}"});`);
  } finally {
    await c.close();
  }
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  result: Promise<CliResult>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const { MEMGRAPH_USER: _u, MEMGRAPH_PASSWORD: _p, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  // A guard against hangs only.
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, result };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface JsonEvent {
  type: string;
  [k: string]: unknown;
}

export function events(stdout: string): JsonEvent[] {
  return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as JsonEvent);
}

/** The system's sha256sum, the baseline the archive's hashes are checked against. */
export function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

export interface RecordOnDisk {
  key: string;
  name: string;
  seq: string;
  fromTs: string;
  toTs: string;
  finalized: boolean;
  size: number;
  sha256: string;
  /** The data object is compressed (zstd by default): its stored size and sha256. */
  stored?: { compression: string; size: number; sha256: string };
  dataKey: string;
  observed: { ts: string; at: string }[];
}

/** The plain bytes of an archived data object: decompressed by the zstd CLI when its record says so. */
export function plainBytes(file: string, r: Pick<RecordOnDisk, 'stored'>): Buffer {
  if (r.stored === undefined) return fs.readFileSync(file);
  return execFileSync('zstd', ['-d', '-c', file], { maxBuffer: 1 << 30 });
}

/** Every record file under archive/ (read straight from disk, not through mgbackup's reader). */
export function recordsOnDisk(repo: string): RecordOnDisk[] {
  const base = path.join(repo, 'archive');
  if (!fs.existsSync(base)) return [];
  const out: RecordOnDisk[] = [];
  for (const uuid of fs.readdirSync(base)) {
    for (const f of fs.readdirSync(path.join(base, uuid)).sort()) {
      if (!f.endsWith('.wal.json') && !f.endsWith('.part.json')) continue;
      out.push({ key: `archive/${uuid}/${f}`, ...JSON.parse(fs.readFileSync(path.join(base, uuid, f), 'utf8')) });
    }
  }
  return out;
}
