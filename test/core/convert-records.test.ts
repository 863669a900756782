// convert's record renderer (bytes to bytes) prints exactly what the decoder + renderDumpFrom path
// prints, which the fixture tests hold to Memgraph's own dumps: every value kind, the shapes it hands
// back to the decoder (maps, temporals, vectors, deep lists, gids beyond 2^53, properties out of id
// order), escapes, non-ASCII and invalid UTF-8 strings, with and without worker threads.
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'ava';
import { convertTo } from '../../src/core/convert.js';
import { ByteSink } from '../../src/core/convert-byte-sink.js';
import { renderSnapshot } from '../../src/core/convert-records.js';
import { renderDumpFrom } from '../../src/cypher/render-dump.js';
import { FdSource, openSnapshot } from '../../src/format/index.js';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { encodeSnapshot } from '../format/encoder.js';
import { prng } from '../format/prng.js';
import { sampleGraph } from '../format/sample-graph.js';

class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mgb-convert-records-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** The decoder path's bytes: every record decoded to objects, rendered line by line. */
function reference(bytes: Uint8Array, exact: boolean): Buffer {
  const snap = openSnapshot(bytes);
  const lines = [...renderDumpFrom({ schema: snap.schema, vertices: () => snap.vertices(), edges: () => snap.edges() }, { exact })];
  return Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
}

async function converted(bytes: Uint8Array, threads: number, exact: boolean): Promise<Buffer> {
  const file = path.join(dir, `s-${threads}-${exact}.bin`);
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    const sink = new Sink();
    await convertTo({ snapshot: { name: file, source: new FdSource(fd, fstatSync(fd).size) }, wals: [] }, sink, { threads, exact });
    return Buffer.concat(sink.chunks);
  } finally {
    closeSync(fd);
  }
}

async function sameAsDecoder(t: import('ava').ExecutionContext, bytes: Uint8Array): Promise<void> {
  for (const exact of [false, true]) {
    const want = reference(bytes, exact);
    t.true(want.length > 0);
    for (const threads of [1, 2]) {
      const got = await converted(bytes, threads, exact);
      t.is(got.toString('utf8'), want.toString('utf8'), `threads ${threads}, exact ${exact}`);
      t.true(got.equals(want), `bytes, threads ${threads}, exact ${exact}`);
    }
  }
}

const nested = (depth: number): Value => (depth === 0 ? [1n, 'x'] : [nested(depth - 1)]);

/** Values the renderer prints itself, and ones it hands back to the decoder path. */
function valueGraph(): Graph {
  const rand = prng(14);
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [{ kind: 'labelIndex', label: 'L' }] };
  const floats = [0, -0, 0.1, 1 / 3, 1e16, 1e17, 1e-4, 1e-5, 123456.5, 2 ** 53, 2 ** 60, 5e-324, 1.7976931348623157e308,
    Infinity, -Infinity, NaN, 3, -2.5, 0.30000000000000004, 1e21, 9.999999999999999e-5];
  for (let i = 0; i < 300; i++) {
    const bits = Math.floor(rand() * 2 ** 52);
    floats.push((rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20), bits / 2 ** Math.floor(rand() * 60));
  }
  const ints = [0n, 1n, -1n, 9n, 10n, 2147483647n, 2147483648n, -2147483648n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n,
    9223372036854775807n, -9223372036854775808n];
  const strings = ['', 'plain', 'q"uote', "apo'strophe", 'back\\slash', 'tab\t', 'nl\n', 'ret\r', 'ff\f', 'bs\b', 'vt\u000bok', 'ž čć 😀',
    'a`b', '\u0000\u0001\u007f', 'x'.repeat(300), 'é'.repeat(100)];
  let gid = 0n;
  const add = (props: [string, Value][], labels = ['L']) => {
    g.vertices.set(gid, { gid, labels, props: new Map(props) });
    gid++;
  };
  floats.forEach((f, i) => add([['f', f], ['fl', [f, f / 7]]], i % 3 === 0 ? ['L', 'We`ird'] : []));
  ints.forEach((n) => add([['i', n], ['il', [n, null, true, false]]]));
  strings.forEach((s) => add([['s', s], ['sl', [s, [s]]]]));
  add([['deep', nested(70)], ['shallow', nested(3)]]);
  add([['m', new Map<string, Value>([['z', 1n], ['a', [1.5, 'x']]])], ['d', { kind: 'temporal', type: 'Date', micros: 19000n }]]);
  add([['p', { kind: 'point', srid: 7203, x: 1.5, y: -2 }], ['z', { kind: 'zoned', micros: 0n, zone: { offsetMinutes: 60 } }]]);
  add([['empty', []], ['n', null]]);
  add([]);
  // Gids beyond 2^53 (vertex, edge, target) take the decoder path record by record.
  const huge = 2n ** 60n;
  g.vertices.set(huge, { gid: huge, labels: ['L'], props: new Map([['i', 5n]]) });
  let egid = 0n;
  const vs = [...g.vertices.keys()];
  for (const [k, from] of vs.entries()) {
    const to = vs[(k * 7 + 3) % vs.length]!;
    const props = k % 3 === 0 ? new Map<string, Value>() : new Map<string, Value>([['w', k / 7], ['s', strings[k % strings.length]!]]);
    g.edges.set(egid, { gid: egid, from, to, type: k % 2 === 0 ? 'KNOWS' : 'LI`KES', props });
    egid++;
  }
  g.edges.set(2n ** 55n, { gid: 2n ** 55n, from: 0n, to: huge, type: 'KNOWS', props: new Map([['w', 1n]]) });
  return g;
}

test.serial('every value kind prints as the decoder path prints it', async (t) => {
  await sameAsDecoder(t, encodeSnapshot(valueGraph(), { uuid: 'u', startTimestamp: 1n }));
});

test.serial('the sample graph (enums, temporals, vector index, full schema) prints as the decoder path prints it', async (t) => {
  await sameAsDecoder(t, encodeSnapshot(sampleGraph(), { uuid: 'u', startTimestamp: 1n }));
  await sameAsDecoder(t, encodeSnapshot(sampleGraph({ schema: false }), { uuid: 'u', startTimestamp: 1n }));
});

test.serial('invalid UTF-8 and properties out of id order print as the decoder path prints them', async (t) => {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  g.vertices.set(1n, { gid: 1n, labels: ['L'], props: new Map<string, Value>([['a', 'MARKxxxx'], ['b', 7n]]) });
  g.vertices.set(2n, { gid: 2n, labels: ['L'], props: new Map<string, Value>([['a', 'plain'], ['b', 8n]]) });
  g.edges.set(3n, { gid: 3n, from: 1n, to: 2n, type: 'T', props: new Map<string, Value>([['a', 'MARKyyyy'], ['b', 9n]]) });
  const bytes = encodeSnapshot(g, { uuid: 'u', startTimestamp: 1n });
  const buf = Buffer.from(bytes);
  // An invalid byte inside each marked string: the decoder prints U+FFFD for it.
  for (let at = buf.indexOf('MARK'); at >= 0; at = buf.indexOf('MARK', at + 1)) buf[at + 5] = 0xff;
  // Swap vertex 2's property ids (a <-> b): ids no longer ascend, the decoder re-sorts them.
  const plain = buf.indexOf('plain');
  const idA = plain - 8 - 1 - 1 - 8; // 0x12 u64(id a) 0x17 0x14 u64(len) "plain"
  const idB = buf.indexOf(Buffer.from([0x12]), plain + 5) + 1;
  const a = buf.readBigUInt64LE(idA);
  buf.writeBigUInt64LE(buf.readBigUInt64LE(idB), idA);
  buf.writeBigUInt64LE(a, idB);
  const text = reference(buf, false).toString('utf8');
  t.true(text.includes('{__mg_id__: 2, `a`: 8, `b`: "plain"}'), text);
  t.true(text.includes('"MARKx\ufffdxx"'), text);
  await sameAsDecoder(t, buf);
});

test('integers print as String() prints them at every digit count and sign', (t) => {
  const sink = new ByteSink();
  const values = [-(2 ** 53), -1, 0, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1];
  for (let d = 1; d <= 16; d++) values.push(10 ** (d - 1), 10 ** d - 1, 10 ** (d - 1) + 7, Math.floor(10 ** d / 3));
  for (const v of values) {
    sink.pos = 0;
    sink.int(v);
    t.is(sink.buf.toString('latin1', 0, sink.pos), String(v));
  }
});

test.serial('values across read-window edges and the edge pass with and without remembered offsets print as the decoder path prints them', async (t) => {
  // Over 1 MiB, so a file is read in windows and values straddle their edges (the renderer reads
  // values in place only when they are wholly inside the window).
  const rand = prng(21);
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const s = 'é'.repeat(Math.floor(rand() * 40)) + 'x'.repeat(Math.floor(rand() * 300));
    g.vertices.set(BigInt(i), { gid: BigInt(i), labels: i % 5 === 0 ? [] : ['L'], props: new Map<string, Value>([
      ['s', s], ['i', BigInt(Math.floor((rand() - 0.5) * 2 ** 40))], ['f', (rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 5)], ['l', [s.slice(0, 7), 1n, 0.5]],
    ]) });
  }
  for (let i = 0; i < 2 * n; i++) {
    g.edges.set(BigInt(i), { gid: BigInt(i), from: BigInt(i % n), to: BigInt((i * 7 + 3) % n), type: i % 2 === 0 ? 'A' : 'B',
      props: i % 3 === 0 ? new Map() : new Map<string, Value>([['w', i / 7], ['t', 'y'.repeat(i % 50)]]) });
  }
  const bytes = encodeSnapshot(g, { uuid: 'u', startTimestamp: 1n });
  t.true(bytes.length > 1.5 * 1024 * 1024, `${bytes.length} bytes`);
  await sameAsDecoder(t, bytes);
  // The edge pass jumps over labels and properties for the first maxSkips vertices only, and parses
  // them for the rest; small chunks.
  const file = path.join(dir, 'skips.bin');
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    const snap = openSnapshot(new FdSource(fd, fstatSync(fd).size));
    const out = Buffer.concat([...renderSnapshot(snap, { exact: false }, 4096, 1000)].map((c) => c.bytes));
    t.true(out.equals(reference(bytes, false)));
  } finally {
    closeSync(fd);
  }
});
