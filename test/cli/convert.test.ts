// `mgbackup convert`: fixtures to their expected dumps (the library path for every set, the binary for a
// subset), WAL chains, --exact, byte-exact stdout, atomic -o, back-pressure, abort, typed failures.
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { convertTo, type ConvertInput } from '../../src/core/convert.js';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { FdSource, decodeSnapshot } from '../../src/format/index.js';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { encodeSnapshot, encodeWal } from '../format/encoder.js';
import { sampleGraph } from '../format/sample-graph.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mgbackup-convert-'));
const put = (name: string, bytes: Uint8Array): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const sets = fixtureSets();
const expected = (setDir: string, file: string): string[] => canonicalDump(readFileSync(path.join(setDir, file), 'utf8').split('\n'));
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const dumpText = (graph: Graph, exact = false): string => [...renderDump(graph, { exact })].map((l) => l + '\n').join('');

/** Collects what convertTo writes; optionally slow, recording the most bytes it ever held unconsumed. */
class Sink extends Writable {
  chunks: Buffer[] = [];
  maxBuffered = 0;
  constructor(readonly delayMs = 0, highWaterMark = 16 * 1024) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    this.chunks.push(chunk);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.delayMs > 0) setTimeout(done, this.delayMs);
    else done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Opens files as the command does (FdSource: positional reads, windows), closed after `fn`. */
async function withFiles<T>(snapshot: string | undefined, wals: string[], fn: (input: ConvertInput) => Promise<T>): Promise<T> {
  const open = (p: string) => {
    const fd = openSync(p, 'r');
    return { fd, file: { name: p, source: new FdSource(fd, fstatSync(fd).size) } };
  };
  const s = snapshot === undefined ? undefined : open(snapshot);
  const w = wals.map(open);
  try {
    return await fn({ snapshot: s?.file, wals: w.map((x) => x.file) });
  } finally {
    for (const x of [...(s ? [s] : []), ...w]) closeSync(x.fd);
  }
}

/** Big enough for windowed reads (> 1 MiB), edge gids shuffled against vertex order, edge properties. */
function largeGraph(vertices: number): Graph {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [{ kind: 'labelIndex', label: 'Person' }] };
  for (let i = 0; i < vertices; i++) {
    const props = new Map<string, Value>([['name', `person-${i}-${'x'.repeat(i % 50)}`], ['age', BigInt(i % 97)], ['tags', ['a', BigInt(i), 0.5]]]);
    g.vertices.set(BigInt(i), { gid: BigInt(i), labels: i % 3 === 0 ? ['Person', 'Admin'] : ['Person'], props });
  }
  // Out-edges must be listed per source vertex in the order a decoder yields them; gids go backwards.
  let gid = 2 * vertices;
  for (let i = 0; i < vertices; i++) {
    for (const to of [(i * 7 + 3) % vertices, (i + 1) % vertices]) {
      const props = to % 2 === 0 ? new Map<string, Value>([['w', i / 7], ['note', `edge ${gid}`]]) : new Map<string, Value>();
      g.edges.set(BigInt(gid), { gid: BigInt(gid), from: BigInt(i), to: BigInt(to), type: to % 2 === 0 ? 'KNOWS' : 'LIKES', props });
      gid--;
    }
  }
  return g;
}

// ------------------------------------------------------------------------------------------ fixtures

if (sets.length === 0) test.skip(`convert fixtures: ${NO_FIXTURES_REASON}`, () => {});

for (const set of sets) {
  test(`convert ${set.name} snapshot streams to its expected dump, in renderDump's exact order`, async (t) => {
    const file = path.join(set.dir, 'snapshot.bin');
    const sink = new Sink();
    const result = await withFiles(file, [], (input) => convertTo(input, sink));
    t.is(result.mode, 'stream');
    t.deepEqual(canonicalDump(lines(sink.text())), expected(set.dir, 'expected_snapshot.cypher'));
    t.is(sink.text(), dumpText(decodeSnapshot(readFileSync(file)).graph));
  });

  test(`convert --wal-only ${set.name} wal replays to its expected dump`, async (t) => {
    const sink = new Sink();
    const result = await withFiles(undefined, [path.join(set.dir, 'wal.bin')], (input) => convertTo(input, sink));
    t.is(result.mode, 'replay');
    t.true(result.transactions > 0);
    t.deepEqual(canonicalDump(lines(sink.text())), expected(set.dir, 'expected_wal.cypher'));
  });
}

const binarySets = sets.filter((s) => ['v14/test_all', 'v25/test_edges', 'v36/test_all', 'v37/test_all'].includes(s.name));
for (const set of binarySets) {
  test(`binary: convert ${set.name} prints exactly the dump on stdout, nothing else`, async (t) => {
    const file = path.join(set.dir, 'snapshot.bin');
    const r = await runCli(['convert', file]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, dumpText(decodeSnapshot(readFileSync(file)).graph));
    t.deepEqual(canonicalDump(lines(r.stdout)), expected(set.dir, 'expected_snapshot.cypher'));
    t.is(r.stderr, '');
    const w = await runCli(['convert', '--wal-only', path.join(set.dir, 'wal.bin')]);
    t.is(w.code, 0, w.stderr);
    t.deepEqual(canonicalDump(lines(w.stdout)), expected(set.dir, 'expected_wal.cypher'));
  });
}

// ------------------------------------------------------------------------------------------ synthetic

test('binary: snapshot + wal chain applies the transactions after the snapshot, in sequence order', async (t) => {
  const base = sampleGraph();
  const snap = put('chain-snap', encodeSnapshot(base, { uuid: 'chain', startTimestamp: 10n, durableTimestamp: 10n }));
  const wal1 = put('chain-wal1', encodeWal([
    { timestamp: 9n, ops: [{ op: 'vertexCreate', gid: 50n }] }, // already in the snapshot: skipped
    { timestamp: 11n, ops: [{ op: 'vertexCreate', gid: 100n }, { op: 'vertexAddLabel', gid: 100n, label: 'New' }] },
  ], { uuid: 'chain', sequenceNumber: 0n }));
  const wal2 = put('chain-wal2', encodeWal([
    { timestamp: 12n, ops: [{ op: 'vertexSetProperty', gid: 100n, property: 'n', value: 3n }, { op: 'vertexSetProperty', gid: 0n, property: 'age', value: 37n }] },
  ], { uuid: 'chain', sequenceNumber: 1n }));
  const other = put('chain-other', encodeWal([{ timestamp: 13n, ops: [{ op: 'vertexCreate', gid: 200n }] }], { uuid: 'elsewhere', sequenceNumber: 2n }));

  const want = sampleGraph();
  want.vertices.set(100n, { gid: 100n, labels: ['New'], props: new Map([['n', 3n]]) });
  want.vertices.get(0n)!.props.set('age', 37n);
  const r = await runCli(['convert', '--progress', snap, wal2, other, wal1]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(canonicalDump(lines(r.stdout)), canonicalDump([...renderDump(want)]));
  t.regex(r.stderr, /warning: ignored .*chain-other: it belongs to another storage/);
  t.regex(r.stderr, /converted to \d+ statements .*2 wal transactions applied/);

  const gap = await runCli(['convert', snap, wal2]);
  t.is(gap.code, 14);
  t.regex(gap.stderr, /wal files between the snapshot and this one are missing|gap/);
});

test('--exact keeps 3.0 as 3.0; the default prints it as DUMP does', async (t) => {
  const g: Graph = { vertices: new Map([[0n, { gid: 0n, labels: ['F'], props: new Map<string, Value>([['x', 3.0], ['y', 0.1]]) }]]), edges: new Map(), schema: [] };
  const snap = put('float-snap', encodeSnapshot(g, { uuid: 'f', startTimestamp: 1n }));
  const plain = await runCli(['convert', snap]);
  const exact = await runCli(['convert', '--exact', snap]);
  t.is(plain.code, 0, plain.stderr);
  t.is(exact.code, 0, exact.stderr);
  t.regex(plain.stdout, /`x`: 3, `y`: 0\.10000000000000001\}/);
  t.regex(exact.stdout, /`x`: 3\.0, `y`: 0\.10000000000000001\}/);
  t.is(exact.stdout, dumpText(g, true));
});

test('binary: a multi-MiB snapshot with shuffled edge gids streams to exactly the in-memory dump; -o writes the same bytes', async (t) => {
  const g = largeGraph(12_000);
  const bytes = encodeSnapshot(g, { uuid: 'big', startTimestamp: 1n });
  t.true(bytes.length > 2 * 1024 * 1024, `${bytes.length} bytes`);
  const snap = put('big-snap', bytes);
  const want = dumpText(decodeSnapshot(bytes).graph);
  const r = await runCli(['convert', snap]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, want);
  t.deepEqual(canonicalDump(lines(r.stdout)), canonicalDump([...renderDump(g)]));
  const out = path.join(dir, 'big.cypherl');
  const o = await runCli(['convert', snap, '-o', out]);
  t.is(o.code, 0, o.stderr);
  t.is(o.stdout, '');
  t.is(readFileSync(out, 'utf8'), want);
});

test('convertTo waits for a slow sink: it never holds more than one chunk beyond the high-water mark', async (t) => {
  const snap = put('bp-snap', encodeSnapshot(largeGraph(3_000), { uuid: 'bp', startTimestamp: 1n }));
  const sink = new Sink(1, 16 * 1024);
  const result = await withFiles(snap, [], (input) => convertTo(input, sink));
  t.true(result.bytes > 10 * 64 * 1024, `${result.bytes} bytes`);
  t.true(sink.maxBuffered <= 16 * 1024 + 80 * 1024, `held ${sink.maxBuffered} bytes`);
});

test('convertTo stops with an interrupted error when the signal aborts mid-way', async (t) => {
  const snap = put('abort-snap', encodeSnapshot(largeGraph(3_000), { uuid: 'ab', startTimestamp: 1n }));
  const controller = new AbortController();
  const sink = new Sink(1);
  let calls = 0;
  const e = await t.throwsAsync(withFiles(snap, [], (input) => convertTo(input, sink, {
    signal: controller.signal,
    onProgress: () => { if (++calls === 2) controller.abort(new MgBackupError('interrupted', 'interrupted by SIGINT')); },
  })));
  t.is((e as MgBackupError).kind, 'interrupted');
  t.is(calls, 2);
});

// ------------------------------------------------------------------------------------------ failures

test('-o leaves no file (and no temp file) when the snapshot is truncated; exit 14 names the offset', async (t) => {
  const good = encodeSnapshot(largeGraph(2_000), { uuid: 'tr', startTimestamp: 1n });
  const outDir = mkdtempSync(path.join(dir, 'out-'));
  // A vertex record in the middle loses its marker: statements before it were already written.
  const { info } = decodeSnapshot(good);
  const needle = Buffer.from([0x20, 0x12, 0xdc, 0x05, 0, 0, 0, 0, 0, 0]); // vertex record of gid 1500
  const at = Buffer.from(good).indexOf(needle, info.offsets.vertices!);
  t.true(at > info.offsets.vertices!);
  const cut = Buffer.from(good);
  cut[at] = 0xff;
  const snap = put('trunc-snap', good.subarray(0, 200));
  const r = await runCli(['convert', snap, '-o', path.join(outDir, 'x.cypherl')]);
  t.is(r.code, 14);
  t.regex(r.stderr, /at offset \d+/);
  t.deepEqual(readdirSync(outDir), []);
  t.is(r.stdout, '');

  // A record broken mid-stream: some statements were written to the temp file before the error.
  const broken = put('broken-snap', cut);
  const r2 = await runCli(['convert', broken, '-o', path.join(outDir, 'y.cypherl')]);
  t.is(r2.code, 14, r2.stderr);
  t.regex(r2.stderr, new RegExp(`at offset ${at}\\b`));
  t.deepEqual(readdirSync(outDir), []);
});

test('an unknown durability version exits 15 naming the supported range', async (t) => {
  const future = Buffer.from(encodeSnapshot(sampleGraph(), { uuid: 'v', startTimestamp: 1n }));
  future[4] = 99;
  const out = path.join(dir, 'never.cypherl');
  const r = await runCli(['convert', put('future-snap', future), '-o', out]);
  t.is(r.code, 15);
  t.regex(r.stderr, /unsupported snapshot version "99"/);
  t.regex(r.stderr, /14–37/);
  t.false(existsSync(out));
});

test('a missing file exits 12 with a hint; wrong kinds and a wal-only chain not starting at 0 are refused', async (t) => {
  const missing = await runCli(['convert', path.join(dir, 'no-such-snapshot')]);
  t.is(missing.code, 12);
  t.regex(missing.stderr, /no-such-snapshot/);
  t.regex(missing.stderr, /snapshots live in/);

  const wal = put('kind-wal', encodeWal([{ timestamp: 1n, ops: [{ op: 'vertexCreate', gid: 1n }] }], { uuid: 'k', sequenceNumber: 3n }));
  const notSnap = await runCli(['convert', wal]);
  t.is(notSnap.code, 2);
  t.regex(notSnap.stderr, /--wal-only/);

  const notZero = await runCli(['convert', '--wal-only', wal]);
  t.is(notZero.code, 14);
  t.regex(notZero.stderr, /has sequence number 3, not 0, and there is no snapshot/);

  const snap = put('kind-snap', encodeSnapshot(sampleGraph(), { uuid: 'k', startTimestamp: 1n }));
  const snapAsWal = await runCli(['convert', '--wal-only', snap]);
  t.is(snapAsWal.code, 2);
  t.regex(snapAsWal.stderr, /is a snapshot, not a wal file/);
});
