// Test support for the fault groups: mgbackup (the built CLI) and the stand-in each run as their own
// process, faults are real (signals, cut TCP connections, a SIGKILLed server), and every case ends with
// the same checks of what an operator would find: is the server unlocked (or is the lock left to the
// next run's stale-lease handling), is anything half-published, does every listed backup verify, and
// does the next create succeed (saying what it cleaned up).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { BIN, runCli, type CliResult } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';
import { spawnStandIn } from '../helpers/standin-process.js';

const STANDIN = path.join(REPO_ROOT, 'dist/test/faults/standin-steps.js');

/** At most `n` cases at once: the machine is small and each case runs several processes. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export interface CaseDirs {
  root: string;
  data: string;
  repo: string;
  stepLog: string;
}

export function caseDirs(t: ExecutionContext): CaseDirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-fault-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  return { root, data, repo: path.join(root, 'repo'), stepLog: path.join(root, 'steps.jsonl') };
}

export interface StandInProc {
  uri: string;
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}

export async function startStandIn(
  t: ExecutionContext, dirs: CaseDirs, pause?: { on: string; nth?: number; ms?: number },
): Promise<StandInProc> {
  const args = ['--data-dir', dirs.data, '--step-log', dirs.stepLog];
  if (pause) args.push('--pause-on', pause.on, '--pause-nth', String(pause.nth ?? 1), '--pause-ms', String(pause.ms ?? 1500));
  const p = await spawnStandIn(args, { script: STANDIN });
  t.teardown(p.stop);
  return { uri: p.uri, port: p.port, child: p.child, exited: p.exited.then(() => {}), stop: p.stop };
}

/** A few vertices and an edge, through a plain Bolt client (not mgbackup's commands). */
export async function seed(uri: string, bigStrings = 0): Promise<void> {
  const c = await connectNeo4j({ uri });
  try {
    for (let i = 0; i < 5; i++) await c.run(`CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`);
    await c.run('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`E`]->(v);');
    const big = 'x'.repeat(1 << 20);
    for (let i = 0; i < bigStrings; i++) await c.run(`CREATE (:__mg_vertex__:\`B\` {__mg_id__: ${100 + i}, \`s\`: "${big}"});`);
  } finally {
    await c.close();
  }
}

export async function lockStatus(uri: string): Promise<string> {
  const c = await connectNeo4j({ uri });
  try {
    return String((await c.run('DATA DIRECTORY LOCK STATUS'))[0]!['STATUS']);
  } finally {
    await c.close();
  }
}

export async function lockFromOutside(uri: string): Promise<void> {
  const c = await connectNeo4j({ uri });
  try {
    await c.run('LOCK DATA DIRECTORY');
  } finally {
    await c.close();
  }
}

export interface Running {
  child: ChildProcess;
  result: Promise<CliResult>;
}

/** The built CLI as a child process, left running so the test can signal it. */
export function startCli(args: string[]): Running {
  const { MEMGRAPH_USER: _u, MEMGRAPH_PASSWORD: _p, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

export function createArgs(uri: string, dirs: CaseDirs, extra: string[] = []): string[] {
  return ['create', '--uri', uri, '--repo', dirs.repo, '--data-dir', dirs.data, ...extra];
}

/** Resolves when the stand-in has logged the Nth query matching `re` (it logs before running it). */
export async function waitForQuery(dirs: CaseDirs, re: RegExp, nth = 1, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const text = fs.existsSync(dirs.stepLog) ? fs.readFileSync(dirs.stepLog, 'utf8') : '';
    const hits = text.split('\n').filter((l) => l !== '' && re.test((JSON.parse(l) as { query: string }).query));
    if (hits.length >= nth) return;
    if (Date.now() - start > timeoutMs) throw new Error(`the stand-in never received query ${re} #${nth}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves when a staging folder of the repository holds a copied file (the copy step is running). */
export async function waitForCopy(dirs: CaseDirs, timeoutMs = 90_000): Promise<string> {
  const start = Date.now();
  const staging = path.join(dirs.repo, '.staging');
  for (;;) {
    for (const id of fs.existsSync(staging) ? fs.readdirSync(staging) : []) {
      if (fs.existsSync(path.join(staging, id, 'snapshots'))) return id;
    }
    if (Date.now() - start > timeoutMs) throw new Error('the copy step never started');
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function leaseOf(dirs: CaseDirs): { state: string; pid: number; backupId: string } | undefined {
  const file = path.join(dirs.data, '.mgbackup-lease-memgraph.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

export function stagingEntries(dirs: CaseDirs): string[] {
  const s = path.join(dirs.repo, '.staging');
  return fs.existsSync(s) ? fs.readdirSync(s).sort() : [];
}

export function dataDirDebris(dirs: CaseDirs): string[] {
  return fs.readdirSync(dirs.data).filter((n) => n.startsWith('.mgbackup')).sort();
}

/** The repository's own entries (format 2: marker, WAL archive, locks), which are no backups. */
export const REPO_ENTRIES = ['mgbackup-repo.json', 'archive', 'locks'];

/** Published folders (anything not starting with a dot, nor the repository's own entries) must each hold a manifest. */
export function halfPublished(dirs: CaseDirs): string[] {
  if (!fs.existsSync(dirs.repo)) return [];
  return fs.readdirSync(dirs.repo).filter((n) => !n.startsWith('.') && !REPO_ENTRIES.includes(n) && !fs.existsSync(path.join(dirs.repo, n, 'manifest.json')));
}

export interface AfterState {
  /** The process that died, when it may have left a lock: the next create must name it. */
  killedPid?: number;
}

/**
 * The checks every fault case ends with. `uri` reaches the (possibly restarted) server directly.
 * Returns the next create's stderr for case-specific assertions.
 */
export async function checkAfterFault(t: ExecutionContext, uri: string, dirs: CaseDirs, after: AfterState = {}): Promise<string> {
  t.deepEqual(halfPublished(dirs), [], 'nothing half-published');
  const status = await lockStatus(uri);
  const lease = leaseOf(dirs);
  if (status === 'Data directory is locked.') {
    // Left on only by a run that died with its lease saying "locking": the next run releases it.
    t.truthy(lease, 'a lock is left on only with a lease');
    t.is(lease?.state, 'locking');
    t.is(lease?.pid, after.killedPid);
  } else {
    t.is(status, 'Data directory is unlocked.');
  }
  if (after.killedPid === undefined) {
    t.is(lease, undefined, 'a run that could clean up removed its lease');
    t.deepEqual(stagingEntries(dirs), [], 'a run that could clean up removed its staging folder');
    t.deepEqual(dataDirDebris(dirs), [], 'a run that could clean up removed its pins');
  }
  const stagedBefore = stagingEntries(dirs).filter((n) => !n.endsWith('.owner.json'));
  const next = await runCli(createArgs(uri, dirs, ['--json']));
  t.is(next.code, 0, `the next create: ${next.stderr}`);
  if (status === 'Data directory is locked.') {
    t.regex(next.stderr, new RegExp(`released the data-directory lock left by backup ${lease!.backupId} \\(pid ${after.killedPid} on host `));
  }
  // The dead run's staging folder is removed by the next create, which says so.
  for (const id of stagedBefore) t.true(next.stderr.includes(`removed repository leftover .staging/${id}: left by backup ${id} (pid ${after.killedPid} `), next.stderr);
  t.is(await lockStatus(uri), 'Data directory is unlocked.');
  t.is(leaseOf(dirs), undefined);
  t.deepEqual(stagingEntries(dirs), []);
  t.deepEqual(dataDirDebris(dirs), []);
  // Every backup a `list` would show (a folder with its manifest) verifies: the next create's, and any
  // the faulted run published before it died. (list itself is exercised in test/create/locks-cli.test.ts;
  // one process less per case keeps the group affordable on a small machine.)
  const published = fs.readdirSync(dirs.repo).filter((n) => !n.startsWith('.') && !REPO_ENTRIES.includes(n));
  t.true(published.includes(JSON.parse(next.stdout).id as string));
  for (const id of published) {
    const v = await runCli(['verify', '--repo', dirs.repo, id]);
    t.is(v.code, 0, `verify ${id}: ${v.stderr}`);
  }
  return next.stderr;
}
