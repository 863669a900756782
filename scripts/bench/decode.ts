// Benchmark (not a test): snapshot decoding and `convert` throughput against reading the same file with a
// bare stream, in the same run, with each measurement's peak RSS.
//
// It writes a v36 snapshot of --size MiB (default 1024) with the test encoder's record writer: vertices
// with two labels, string/int/float/list properties and a 120-byte string, two out-edges each with
// properties. The records are written in chunks; the small sections after them (schema, mapper, metadata,
// batches) come from a one-vertex snapshot the test encoder writes, with offsets and counts patched.
// Baselines on the same (page-cached) file in the same run: `cat` and `sha256sum`. Then, each in a fresh
// child process so peak RSS belongs to that measurement alone:
//   read:    fs.createReadStream over the file, bytes counted
//   decode:  openSnapshot over an FdSource, every vertex and every edge (with properties) built
//   convert: convertTo (decode + DUMP Cypher) into /dev/null, threads as the CLI picks them (defaultThreads)
//   convert1: the same in one thread
//   convertN: the same with worker threads (the cores, at least 2, at most 4), to check defaultThreads
//             (where the kernel shares CPU per session, as sched_autogroup does, more threads do not
//             get more CPU: then compare MB/cpu-s)
//   verify:  the snapshot check verify --deep runs (replay with a working set, no WAL)
//   inspect: inspectSource (what `mgbackup inspect` prints)
// and prints MB/s (file bytes / wall time), the ratios to sha256sum and cat, peak RSS
// (VmHWM), the same rates per CPU second (user + system, all threads; steadier than wall
// time when other work shares the cores) and the load average (the machine is shared: read figures beside it).
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/decode.js [--sizes MiB,MiB] [--phases a,b] [--dir DIR]
//   default sizes 256,1024; --sizes 64 runs in seconds; --generate FILE [--size MiB] only writes a snapshot; --dir picks where the files go (default the OS temp dir);
//   --other OTHER/dist/scripts/bench/decode.js also runs each phase with another build (before/after in one run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertTo } from '../../src/core/convert.js';
import { inspectSource } from '../../src/core/inspect.js';
import { FdSource, decodeSnapshot, decodeSnapshotInfo, openSnapshot, replay } from '../../src/format/index.js';
import { Marker } from '../../src/format/markers.js';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { encodeSnapshot } from '../../test/format/encoder.js';
import { Writer } from '../../test/format/encoder-writer.js';
import { peakRssKiB } from './peak-rss.js';

const MiB = 1024 * 1024;
const noEnums = (): [bigint, bigint] => { throw new Error('no enums in the bench graph'); };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

// ------------------------------------------------------------------------------------------ generator

const vertexProps = (i: number): [string, Value][] => [
  ['name', `person-${String(i).padStart(10, '0')}`],
  ['age', BigInt(i % 100)],
  ['score', i / 3],
  ['tags', ['alpha', 'beta', `t${String(i % 1000).padStart(3, '0')}`]],
  ['bio', `${String(i).padStart(10, '0')} `.repeat(11).slice(0, 120)],
];
const edgeProps = (gid: number): [string, Value][] => [['w', gid / 7], ['since', BigInt(1990 + (gid % 35))]];
const edgeType = (gid: number): string => (gid % 2 === 0 ? 'KNOWS' : 'LIKES');

/** Vertex i's out-edges: gid 2i -> i+1, gid 2i+1 -> 7i+3 (mod n; n is not a multiple of 7, so a bijection). */
function generate(file: string, targetBytes: number): { vertices: number; edges: number } {
  const template: Graph = { vertices: new Map(), edges: new Map(), schema: [{ kind: 'labelIndex', label: 'Person' }] };
  template.vertices.set(0n, { gid: 0n, labels: ['Person', 'Admin'], props: new Map(vertexProps(0)) });
  template.edges.set(0n, { gid: 0n, from: 0n, to: 0n, type: 'KNOWS', props: new Map(edgeProps(0)) });
  template.edges.set(1n, { gid: 1n, from: 0n, to: 0n, type: 'LIKES', props: new Map(edgeProps(1)) });
  const tiny = encodeSnapshot(template, { version: 36, uuid: 'bench', startTimestamp: 1n });
  const { offsets } = decodeSnapshotInfo(tiny);
  const id = new Map(decodeSnapshot(tiny).names.map((n, i) => [n, i]));

  const writeVertex = (w: Writer, i: number, n: number, inv7: Int32Array): void => {
    w.byte(Marker.SECTION_VERTEX);
    w.uint(i);
    w.uint(2);
    w.uint(id.get('Person')!);
    w.uint(id.get('Admin')!);
    const props = vertexProps(i).sort((a, b) => id.get(a[0])! - id.get(b[0])!);
    w.uint(props.length);
    for (const [k, v] of props) { w.uint(id.get(k)!); w.value(v, noEnums); }
    const prev = (i - 1 + n) % n;
    const src7 = inv7[i]!;
    w.uint(2);
    for (const [egid, from] of [[2 * prev, prev], [2 * src7 + 1, src7]] as const) { w.uint(egid); w.uint(from); w.uint(id.get(edgeType(egid))!); }
    w.uint(2);
    for (const [egid, to] of [[2 * i, (i + 1) % n], [2 * i + 1, (7 * i + 3) % n]] as const) { w.uint(egid); w.uint(to); w.uint(id.get(edgeType(egid))!); }
  };
  const writeEdge = (w: Writer, gid: number): void => {
    w.byte(Marker.SECTION_EDGE);
    w.uint(gid);
    const props = edgeProps(gid).sort((a, b) => id.get(a[0])! - id.get(b[0])!);
    w.uint(props.length);
    for (const [k, v] of props) { w.uint(id.get(k)!); w.value(v, noEnums); }
  };
  // Every record has a fixed size, so the vertex count follows from the target size.
  const probe = new Writer();
  writeVertex(probe, 0, 10, new Int32Array(10));
  const perVertex = probe.pos;
  const probeE = new Writer();
  writeEdge(probeE, 0);
  let n = Math.max(8, Math.ceil(targetBytes / (perVertex + 2 * probeE.pos)));
  if (n % 7 === 0) n++;
  const inv7 = new Int32Array(n);
  for (let i = 0; i < n; i++) inv7[(7 * i + 3) % n] = i;

  const fd = fs.openSync(file, 'w');
  try {
    const head = Buffer.from(tiny.subarray(0, offsets.edges!));
    let pos = head.length;
    fs.writeSync(fd, head);
    const flushEvery = 8 * MiB;
    let w = new Writer();
    const flush = () => { const b = w.bytes(); fs.writeSync(fd, b); pos += b.length; w = new Writer(); };
    for (let g = 0; g < 2 * n; g++) { writeEdge(w, g); if (w.pos >= flushEvery) flush(); }
    flush();
    const verticesAt = pos;
    for (let i = 0; i < n; i++) { writeVertex(w, i, n, inv7); if (w.pos >= flushEvery) flush(); }
    flush();

    // Tail: the template's sections from `indices` on, moved by delta; offsets and counts patched.
    const delta = pos - offsets.indices!;
    const tail = Buffer.from(tiny.subarray(offsets.indices!));
    const at = (o: number) => o - offsets.indices!;
    const meta = at(offsets.metadata!);
    let p = meta + 1;
    p += 9 + Number(tail.readBigUInt64LE(p + 1));
    p += 9 + Number(tail.readBigUInt64LE(p + 1));
    p += 18; // start and durable timestamps
    tail.writeBigUInt64LE(BigInt(2 * n), p + 1);
    tail.writeBigUInt64LE(BigInt(n), p + 10);
    for (const [section, start, count] of [['edgeBatches', offsets.edges!, 2 * n], ['vertexBatches', verticesAt, n]] as const) {
      const b = at(offsets[section]!);
      tail.writeBigUInt64LE(BigInt(start), b + 10);
      tail.writeBigUInt64LE(BigInt(count), b + 19);
    }
    fs.writeSync(fd, tail);
    for (let slot = 13; slot < offsets.edges!; slot += 9) {
      const old = Number(head.readBigUInt64LE(slot + 1));
      const now = old === offsets.vertices ? verticesAt : old >= offsets.indices! ? old + delta : old;
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(now));
      fs.writeSync(fd, b, 0, 8, slot + 1);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { vertices: n, edges: 2 * n };
}

// ------------------------------------------------------------------------------------------ measurements

type Phase = 'read' | 'decode' | 'convert' | 'convert1' | 'convertN' | 'verify' | 'inspect';
const PHASES: Phase[] = ['read', 'decode', 'convert', 'convert1', 'convertN', 'verify', 'inspect'];
const THREADS: Partial<Record<Phase, number>> = { convert1: 1, convertN: Math.max(2, Math.min(4, os.availableParallelism())) };

interface Run { ms: number; cpuMs: number; maxRssKb: number; detail: string }

async function measure(phase: Phase, file: string): Promise<Run> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let detail = '';
  if (phase === 'read') {
    let bytes = 0;
    for await (const chunk of fs.createReadStream(file, { highWaterMark: MiB })) bytes += (chunk as Buffer).length;
    detail = `${bytes} bytes`;
  } else {
    const fd = fs.openSync(file, 'r');
    try {
      const source = new FdSource(fd, fs.fstatSync(fd).size);
      if (phase === 'decode') {
        const snap = openSnapshot(source);
        let v = 0;
        let e = 0;
        let props = 0;
        for (const x of snap.vertices()) { v++; props += x.props.size; }
        for (const x of snap.edges()) { e++; props += x.props.size; }
        detail = `${v} vertices, ${e} edges, ${props} properties`;
      } else if (phase === 'verify') {
        // What verify --deep runs per backup, without the manifest around it.
        const r = replay(source, [], { workingSet: true });
        detail = `${r.counts.vertices} vertices, ${r.counts.edges} edges checked`;
      } else if (phase === 'inspect') {
        const r = await inspectSource(file, source);
        detail = `${r.counts['vertices']} vertices, ${r.counts['edges']} edges`;
      } else {
        const out = fs.createWriteStream('/dev/null', { highWaterMark: MiB });
        const r = await convertTo({ snapshot: { name: file, source }, wals: [] }, out, { threads: THREADS[phase] });
        await new Promise<void>((resolve) => out.end(resolve));
        detail = `${r.statements} statements, ${(r.bytes / 1e6).toFixed(0)} MB of cypher`;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: peakRssKiB(), detail };
}

/** Wall and CPU time (user + system, from bash's `times`) of an external tool over the file. */
function tool(cmd: string, file: string): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `${cmd} "$1" > /dev/null && times`, 'bash', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed`);
  const ms = performance.now() - t0;
  const secs = [...r.stdout.trim().split('\n')[1]!.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { ms, cpuMs: (secs[0]! + secs[1]!) * 1000 };
}

const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const phase = arg('--phase') as Phase | undefined;
  if (phase !== undefined) {
    process.stdout.write(JSON.stringify(await measure(phase, arg('--file')!)) + '\n');
    return;
  }
  const keep = arg('--generate');
  if (keep !== undefined) {
    // Only write the file (for profiling one phase: --phase P --file F).
    console.log(generate(keep, Number(arg('--size') ?? 64) * MiB));
    return;
  }
  const sizes = (arg('--sizes') ?? arg('--size') ?? '256,1024').split(',').map(Number);
  const only = arg('--phases')?.split(',') as Phase[] | undefined;
  // Another build's copy of this script: each phase also runs from it, on the same file (before/after).
  const otherArg = arg('--other');
  const other = otherArg === undefined ? undefined : path.resolve(otherArg);
  const dir = fs.mkdtempSync(path.join(arg('--dir') ?? os.tmpdir(), 'mgb-decode-bench-'));
  try {
    for (const sizeMb of sizes) {
      const file = path.join(dir, `snapshot_bench_${sizeMb}.bin`);
      const g0 = performance.now();
      const counts = generate(file, sizeMb * MiB);
      const size = fs.statSync(file).size;
      console.log(`generated ${(size / MiB).toFixed(0)} MiB snapshot: ${counts.vertices} vertices, ${counts.edges} edges (${((performance.now() - g0) / 1000).toFixed(1)} s)`);
      tool('cat', file); // warm the page cache so no measurement pays for the disk
      const rateOf = (ms: number) => size / 1e6 / (ms / 1000);
      const catRun = tool('cat', file);
      const shaRun = tool('sha256sum', file);
      const cat = rateOf(catRun.ms);
      const sha = rateOf(shaRun.ms);
      const shaCpu = rateOf(shaRun.cpuMs);
      console.log(`  ${'cat'.padEnd(10)} ${cat.toFixed(0).padStart(6)} MB/s wall  ${rateOf(catRun.cpuMs).toFixed(0)} MB/cpu-s  load ${load()}`);
      console.log(`  ${'sha256sum'.padEnd(10)} ${sha.toFixed(0).padStart(6)} MB/s wall  ${shaCpu.toFixed(0)} MB/cpu-s  load ${load()}`);
      const self = fileURLToPath(import.meta.url);
      const builds = other === undefined ? [['', self]] : [['', self], [' (other)', other]];
      for (const p of PHASES.filter((x) => only === undefined || only.includes(x))) for (const [tag, script] of builds) {
        const child = spawnSync(process.execPath, [script!, '--phase', p, '--file', file], { encoding: 'utf8', maxBuffer: 16 * MiB });
        if (child.status !== 0) throw new Error(`${p} failed: ${child.stderr}`);
        const r = JSON.parse(child.stdout) as Run;
        const rate = rateOf(r.ms);
        console.log(`  ${(p + tag).padEnd(10)} ${rate.toFixed(0).padStart(6)} MB/s wall  ${(rate / sha).toFixed(2)}x sha256sum  ${(rate / cat).toFixed(3)}x cat  ` +
          `${rateOf(r.cpuMs).toFixed(0)} MB/cpu-s (${(rateOf(r.cpuMs) / shaCpu).toFixed(2)}x sha256sum's)  peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MiB  (${(r.ms / 1000).toFixed(2)} s; ${r.detail})  load ${load()}`);
      }
      fs.rmSync(file, { force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
