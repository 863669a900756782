// Test support for point-in-time restore: the stand-in as its own process (test/standin/main.ts: real
// WAL files, recovery of snapshot + WAL at startup, .lock held), DUMP DATABASE through a bare Bolt
// client, and the repository's size on disk.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { spawnStandIn } from '../helpers/standin-process.js';


export interface ServerProc {
  uri: string;
  child: ChildProcess;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

export function tempRoot(t: ExecutionContext, name: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `mgb-${name}-`));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

/** `node dist/test/standin/main.js --port 0 --data-dir D`: resolves once it listens. */
export async function startServer(t: ExecutionContext, dataDir: string, extra: string[] = []): Promise<ServerProc> {
  const p = await spawnStandIn(['--port', '0', '--data-dir', dataDir, ...extra]);
  t.teardown(p.stop);
  return { uri: p.uri, child: p.child, kill: p.stop };
}

export async function runQueries(uri: string, queries: string[]): Promise<void> {
  const c = await connectNeo4j({ uri });
  try {
    for (const q of queries) await c.run(q);
  } finally {
    await c.close();
  }
}

/** DUMP DATABASE rows, as a bare client reads them (no mgbackup dump code). */
export async function dumpDatabase(uri: string): Promise<string[]> {
  const c = await connectNeo4j({ uri });
  try {
    const lines: string[] = [];
    for await (const row of c.stream('DUMP DATABASE')) lines.push(row['QUERY'] as string);
    return lines;
  } finally {
    await c.close();
  }
}

/** Bytes of every file under dir (the repository's size on disk, by content). */
export function treeBytes(dir: string, skip: (rel: string) => boolean = () => false, rel = ''): number {
  let n = 0;
  for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (skip(r)) continue;
    if (d.isDirectory()) n += treeBytes(dir, skip, r);
    else if (d.isFile()) n += fs.statSync(path.join(dir, r)).size;
  }
  return n;
}

/** Waits until `ms` have passed on the wall clock, so that two observations get distinct times. */
export async function tick(ms = 20): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
}
