// `mgbackup inspect` end to end on files written by the test encoder (no fixtures, no server).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { encodeSnapshot, encodeWal } from '../format/encoder.js';
import { sampleGraph } from '../format/sample-graph.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mgbackup-inspect-'));
const put = (name: string, bytes: Uint8Array): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

test('inspect --json describes a snapshot and a torn wal, one json line each', async (t) => {
  const snap = put('snap', encodeSnapshot(sampleGraph(), { uuid: 'u-1', startTimestamp: 7n, durableTimestamp: 6n }));
  const wal = encodeWal([
    { timestamp: 8n, ops: [{ op: 'vertexCreate', gid: 9n }] },
    { timestamp: 9n, commit: false, ops: [{ op: 'vertexCreate', gid: 10n }] },
  ], { uuid: 'u-1', sequenceNumber: 4n });
  const walFile = put('wal', wal.subarray(0, wal.length - 5));
  const r = await runCli(['inspect', '--json', snap, walFile]);
  t.is(r.code, 0, r.stderr);
  const [s, w] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  t.like(s, { kind: 'snapshot', version: 36, uuid: 'u-1', checksum: 'none', timestamps: { start: '7', durable: '6' }, counts: { vertices: 3, edges: 3 } });
  t.is(s!.releases.firstWrittenBy, '3.12.0');
  t.is(s!.schema.labelPropertyIndex, 4);
  t.like(w, { kind: 'wal', version: 36, checksum: 'verified', counts: { sequenceNumber: '4', transactions: 1, uncommitted: 0 } });
  t.is(typeof w!.tornTailAt, 'number');
});

test('inspect text output names the version and its releases', async (t) => {
  const snap = put('snap-text', encodeSnapshot(sampleGraph({ schema: false }), { version: 30, uuid: 'u-2', startTimestamp: 1n }));
  const r = await runCli(['inspect', snap]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^version: +30 \(written by Memgraph 3\.5\.0; readable by 3\.5\.0 and later\)$/m);
});

test('inspect exits 14 on a corrupt file and 15 on an unsupported version', async (t) => {
  const good = encodeSnapshot(sampleGraph(), { uuid: 'u-3', startTimestamp: 1n });
  const corrupt = put('corrupt', good.subarray(0, 200));
  const r1 = await runCli(['inspect', corrupt]);
  t.is(r1.code, 14);
  t.regex(r1.stderr, /at offset \d+/);
  const future = good.slice();
  future[4] = 99;
  const r2 = await runCli(['inspect', put('future', future)]);
  t.is(r2.code, 15);
  t.regex(r2.stderr, /unsupported snapshot version "99"/);
  t.regex(r2.stderr, /14–37/);
});

test('inspect of a directory exits 16 naming it, with a hint, not as a bug', async (t) => {
  const sub = path.join(dir, 'a-dir');
  mkdirSync(sub);
  const r = await runCli(['inspect', 'a-dir'], { cwd: dir });
  t.is(r.code, 16);
  t.is(r.stdout, '');
  t.is(r.stderr, 'mgbackup: error: cannot read "a-dir": it is a directory\n'
    + 'hint: inspect takes snapshot or wal files: name the files inside it (e.g. DIR/snapshots/* DIR/wal/*)\n');
});

test('inspect of several files describes every good one and names each bad one', async (t) => {
  const good = encodeSnapshot(sampleGraph(), { uuid: 'u-4', startTimestamp: 1n });
  put('good-1', good);
  put('good-2', good);
  put('cut', good.subarray(0, 200));
  const r = await runCli(['inspect', '--json', 'good-1', 'cut', 'missing', 'good-2'], { cwd: dir });
  t.is(r.code, 14, r.stderr);
  const reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string });
  t.deepEqual(reports.map((x) => x.file), ['good-1', 'good-2']);
  const lines = r.stderr.trim().split('\n');
  t.is(lines.length, 3, r.stderr);
  t.regex(lines[0]!, /^mgbackup: warning: "cut": .* at offset \d+$/);
  t.is(lines[1], 'mgbackup: warning: cannot open "missing": ENOENT');
  t.like(JSON.parse(lines[2]!), { type: 'error', code: 14, kind: 'integrity', message: '2 of 4 files could not be inspected: "cut", "missing"' });
});
