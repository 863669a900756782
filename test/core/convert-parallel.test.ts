// convert's worker-thread path writes exactly the bytes of the single-thread path (which the fixture
// and CLI tests hold to Memgraph's dumps), and reports damage the same way.
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { PARALLEL_FROM, convertTo, defaultThreads } from '../../src/core/convert.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { FdSource, decodeSnapshotInfo } from '../../src/format/index.js';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { encodeSnapshot } from '../format/encoder.js';

class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function convertFile(file: string, threads: number, exact = false): Promise<{ text: string; statements: number; bytes: number }> {
  const fd = openSync(file, 'r');
  try {
    const sink = new Sink();
    const r = await convertTo({ snapshot: { name: file, source: new FdSource(fd, fstatSync(fd).size) }, wals: [] }, sink, { threads, exact });
    return { text: sink.text(), statements: r.statements, bytes: r.bytes };
  } finally {
    closeSync(fd);
  }
}

/** Several 1 MiB vertex runs, edge gids against vertex order, floats, some edges without properties. */
function bigGraph(n: number): Graph {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [{ kind: 'labelIndex', label: 'P' }, { kind: 'enum', name: 'E', values: ['A'] }] };
  for (let i = 0; i < n; i++) {
    const props = new Map<string, Value>([['name', `p-${i}-${'y'.repeat(i % 300)}`], ['f', i / 3], ['e', { kind: 'enum', type: 'E', value: 'A' }]]);
    g.vertices.set(BigInt(i), { gid: BigInt(i), labels: ['P'], props });
  }
  let gid = 2 * n;
  for (let i = 0; i < n; i++) {
    for (const to of [(i * 7 + 3) % n, (i + 1) % n]) {
      const props = to % 2 === 0 ? new Map<string, Value>([['w', i / 7]]) : new Map<string, Value>();
      g.edges.set(BigInt(gid), { gid: BigInt(gid), from: BigInt(i), to: BigInt(to), type: 'K', props });
      gid--;
    }
  }
  return g;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mgb-convert-parallel-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

for (const exact of [false, true]) {
  test.serial(`two and three threads (this one rendering beside the workers) write the single-thread bytes (exact: ${exact})`, async (t) => {
    const file = path.join(dir, `big-${exact}.bin`);
    writeFileSync(file, encodeSnapshot(bigGraph(20_000), { uuid: 'u', startTimestamp: 1n }));
    const one = await convertFile(file, 1, exact);
    t.true(one.text.length > 4 * 1024 * 1024, `${one.text.length} chars`);
    for (const threads of [2, 3]) {
      const many = await convertFile(file, threads, exact);
      t.is(many.text, one.text, `${threads} threads`);
      t.is(many.statements, one.statements);
      t.is(many.bytes, one.bytes);
    }
  });
}

test.serial('a damaged record found by a worker or this thread is the same integrity error', async (t) => {
  const file = path.join(dir, 'bad.bin');
  const bytes = encodeSnapshot(bigGraph(20_000), { uuid: 'u', startTimestamp: 1n });
  // A vertex record marker deep in the vertex section, turned into garbage.
  const at = Buffer.from(bytes).indexOf(Buffer.from('p-15000-'), decodeSnapshotInfo(bytes).offsets.vertices!);
  bytes[at - 40] = 0xee;
  writeFileSync(file, bytes);
  const one = await t.throwsAsync(convertFile(file, 1), { instanceOf: MgBackupError });
  for (const threads of [2, 3]) {
    const many = await t.throwsAsync(convertFile(file, threads), { instanceOf: MgBackupError });
    t.is(many!.exitCode, 14);
    t.is(many!.message, one!.message);
  }
});

const sets = fixtureSets();
if (sets.length === 0) test.skip(`parallel convert of the fixtures: ${NO_FIXTURES_REASON}`, () => {});
// The test_all sets hold every kind of value and schema item of their version.
for (const set of sets.filter((s) => s.name.endsWith('test_all'))) {
  test.serial(`two threads convert ${set.name} to the single-thread bytes`, async (t) => {
    const file = path.join(set.dir, 'snapshot.bin');
    const two = await convertFile(file, 2);
    t.is(two.text, (await convertFile(file, 1)).text);
    t.true(two.statements > 0);
  });
}

test('the default thread count: one for small files, one on two busy cores, the cores (at most 4) otherwise', (t) => {
  const big = 4 * PARALLEL_FROM;
  t.is(defaultThreads(PARALLEL_FROM - 1, 8, 0), 1);
  t.is(defaultThreads(big, 1, 0), 1);
  t.is(defaultThreads(big, 2, 1.5), 1);
  t.is(defaultThreads(big, 2, 0.4), 2);
  t.is(defaultThreads(big, 3, 9), 3);
  t.is(defaultThreads(big, 16, 0), 4);
});
