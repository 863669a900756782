// Test support: a fresh stand-in per test, and the CLI run in-process against it (real neo4j-driver,
// real Bolt, fake process streams).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';
import { StandIn } from '../standin/standin.js';
import { main } from '../../src/cli/main.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { fakeIo, type FakeIo } from '../dump/fake-client.js';

export function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** engineOptions go to the stand-in's engine unchanged (e.g. { codec } for a durability version). */
export async function standIn(t: ExecutionContext, engineOptions?: Record<string, unknown>): Promise<StandIn> {
  const s = await StandIn.start({ dataDir: tempDir(t), ...(engineOptions ? { engineOptions } : {}) });
  t.teardown(() => s.stop());
  return s;
}

export interface Ran {
  code: number;
  io: FakeIo;
}

export async function cli(args: string[], opts: { cwd?: string; stdin?: string | Buffer } = {}): Promise<Ran> {
  const io = fakeIo({ ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
  const code = await main(args, io);
  return { code, io };
}

/** DUMP DATABASE rows read with a bare client (no mgbackup dump code involved). */
export async function rawDump(s: StandIn): Promise<string[]> {
  const client = await connectNeo4j({ uri: s.uri });
  try {
    const lines: string[] = [];
    for await (const row of client.stream('DUMP DATABASE')) lines.push(row.QUERY as string);
    return lines;
  } finally {
    await client.close();
  }
}

export async function canonicalOf(s: StandIn): Promise<string[]> {
  return canonicalDump(await rawDump(s));
}

export async function count(s: StandIn, what: 'vertices' | 'edges'): Promise<number> {
  const client = await connectNeo4j({ uri: s.uri });
  try {
    const q = what === 'vertices' ? 'MATCH (n) RETURN count(n)' : 'MATCH ()-[r]->() RETURN count(r)';
    const rows = await client.run(q);
    return Number(Object.values(rows[0]!)[0]);
  } finally {
    await client.close();
  }
}
