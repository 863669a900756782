// `mgbackup dump` in-process against a fake client: payload-only stdout, atomic files, compression,
// back-pressure, failure and interruption leave nothing that looks complete.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { main } from '../../src/cli/main.js';
import { dumpTo } from '../../src/core/dump.js';
import { FakeClient, fakeIo, syntheticDump } from './fake-client.js';

const lines = syntheticDump(300, 500);
const expected = lines.map((l) => l + '\n').join('');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-dump-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('dump to stdout writes exactly the DUMP rows, one per line, and nothing on stderr', async (t) => {
  const io = fakeIo();
  const client = new FakeClient({ dumpLines: lines });
  const code = await main(['dump'], io, { connect: async () => client });
  t.is(code, 0, io.stderrText());
  t.is(io.stdoutText(), expected);
  t.is(io.stderrText(), '');
  t.true(client.closed);
});

test('dump -o FILE.gz writes a complete gzip file and leaves no temp file', async (t) => {
  const dir = tempDir(t);
  const io = fakeIo({ cwd: dir });
  const code = await main(['dump', '-o', 'db.cypherl.gz'], io, { connect: async () => new FakeClient({ dumpLines: lines }) });
  t.is(code, 0, io.stderrText());
  t.is(io.stdoutText(), '');
  t.deepEqual(fs.readdirSync(dir), ['db.cypherl.gz']);
  t.is(gunzipSync(fs.readFileSync(path.join(dir, 'db.cypherl.gz'))).toString('utf8'), expected);
});

test('dump -o FILE.zst compresses in process; the zstd program reads it', async (t) => {
  const dir = tempDir(t);
  const io = fakeIo({ cwd: dir });
  const code = await main(['dump', '-o', 'db.cypherl.zst'], io, { connect: async () => new FakeClient({ dumpLines: lines }) });
  t.is(code, 0, io.stderrText());
  const r = spawnSync('zstd', ['-d', '-c', path.join(dir, 'db.cypherl.zst')]);
  t.is(r.status, 0);
  t.is(r.stdout.toString('utf8'), expected);
});

test('a dump over one compression block is still one zstd frame (file and stdout): a cut between frames cannot pass for a whole dump', async (t) => {
  const big = syntheticDump(90000, 200); // about 9 MiB of text: more than two 4 MiB blocks
  const text = big.map((l) => l + '\n').join('');
  t.true(text.length > 8 << 20);
  const dir = tempDir(t);
  const io = fakeIo({ cwd: dir });
  t.is(await main(['dump', '-o', 'big.cypherl.zst'], io, { connect: async () => new FakeClient({ dumpLines: big }) }), 0, io.stderrText());
  const out = fakeIo();
  t.is(await main(['dump', '--compress', 'zstd'], out, { connect: async () => new FakeClient({ dumpLines: big }) }), 0, out.stderrText());
  fs.writeFileSync(path.join(dir, 'stdout.zst'), out.stdoutBytes());
  for (const name of ['big.cypherl.zst', 'stdout.zst']) {
    const list = spawnSync('zstd', ['-lv', path.join(dir, name)], { encoding: 'utf8' });
    t.regex(list.stdout, /# Zstandard Frames: 1\n/, name);
    t.is(spawnSync('zstd', ['-d', '-c', path.join(dir, name)], { maxBuffer: 64 << 20 }).stdout.toString('utf8'), text, name);
  }
});

test('dump --compress gzip to stdout is gzip; to a terminal it is refused', async (t) => {
  const io = fakeIo();
  t.is(await main(['dump', '--compress', 'gzip'], io, { connect: async () => new FakeClient({ dumpLines: lines }) }), 0);
  t.is(gunzipSync(io.stdoutBytes()).toString('utf8'), expected);

  const tty = fakeIo({ stdoutIsTTY: true });
  const code = await main(['dump', '--compress', 'gzip'], tty, { connect: async () => new FakeClient({ dumpLines: lines }) });
  t.is(code, 17);
  t.is(tty.stdoutText(), '');
  t.regex(tty.stderrText(), /refusing to write gzip-compressed data to a terminal/);
});

test('a dump that fails mid-stream leaves neither the target nor a temp file', async (t) => {
  const dir = tempDir(t);
  const io = fakeIo({ cwd: dir });
  const code = await main(['dump', '-o', 'db.cypherl'], io, { connect: async () => new FakeClient({ dumpLines: lines, failDumpAfter: 650 }) });
  t.is(code, 10);
  t.deepEqual(fs.readdirSync(dir), []);
  t.regex(io.stderrText(), /connection lost/);
});

/** UTF-8 bytes of DUMP rows as dump writes them (one line each). */
const bytesOf = (rows: string[]) => rows.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
const COALESCE_BYTES = 64 * 1024; // src/core/dump.ts: rows are gathered into writes of about this size

test('an interrupted dump to a file removes the temp file and exits 130', async (t) => {
  const dir = tempDir(t);
  const io = fakeIo({ cwd: dir });
  const all = syntheticDump(20_000, 20_000);
  const SIGNAL_AT = 5000;
  // The signal arrives as row 5000 is handed out: an event, not a moment on the clock.
  const client = new FakeClient({ dumpLines: all, onPulled: (n) => { if (n === SIGNAL_AT) io.raise('SIGINT'); } });
  t.is(await main(['dump', '-o', 'db.cypherl'], io, { connect: async () => client }), 130);
  t.deepEqual(fs.readdirSync(dir), []);
  // After the signal at most one coalesced write more is pulled (the check sits before each write).
  const after = bytesOf(all.slice(SIGNAL_AT, client.pulled));
  t.true(after <= COALESCE_BYTES + Math.max(...all.map((l) => Buffer.byteLength(l) + 1)), `pulled ${after} bytes after the signal`);
});

/** Resolves once `value()` has not changed for `turns` event-loop turns: the work it counts can go no further. */
async function settled(value: () => number, turns = 20): Promise<number> {
  let last = value();
  for (let same = 0; same < turns;) {
    await new Promise((r) => setImmediate(r));
    const now = value();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

test('a sink that stops accepting stops the pulling (bounded memory)', async (t) => {
  const all = syntheticDump(50_000, 0);
  const client = new FakeClient({ dumpLines: all });
  let accepted = 0;
  let released = false;
  const held: (() => void)[] = [];
  let firstWrite!: () => void;
  const wrote = new Promise<void>((r) => (firstWrite = r));
  const highWaterMark = 16 * 1024;
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      accepted += chunk.length;
      firstWrite();
      if (released) cb();
      else held.push(cb); // no callback until released: a reader that stopped reading
    },
  });
  const done = dumpTo(client, sink);
  await wrote;
  // Everything the dump does is driven by the event loop (the fake's rows, the sink): once the count
  // stops moving it is waiting for a 'drain' that never comes.
  const pulledWhileBlocked = await settled(() => client.pulled);
  const bytes = bytesOf(all.slice(0, pulledWhileBlocked));
  // Held: one coalesced write in the sink, at most one more being gathered, never the 5 MB dump.
  t.true(bytes <= COALESCE_BYTES + highWaterMark + Math.max(...all.map((l) => Buffer.byteLength(l) + 1)), `pulled ${bytes} bytes while the sink was blocked`);
  t.true(accepted > 0);
  t.true(pulledWhileBlocked < all.length);
  // Release the sink: the dump completes.
  released = true;
  while (held.length) held.shift()!();
  const result = await done;
  t.is(result.statements, all.length);
  t.is(client.pulled, all.length);
  t.is(accepted, bytesOf(all));
});

test('--header starts the dump with one // comment line naming source, version and counts', async (t) => {
  const io = fakeIo();
  const client = new FakeClient({
    dumpLines: lines,
    answers: {
      'SHOW VERSION': [{ version: '3.5.2' }],
      'SHOW STORAGE INFO ON CURRENT DATABASE': [
        { 'storage info': 'vertex_count', value: 300n },
        { 'storage info': 'edge_count', value: 500n },
      ],
      'DATA DIRECTORY LOCK STATUS': [{ STATUS: 'Data directory is unlocked.' }],
    },
  });
  t.is(await main(['dump', '--header', '--uri', 'bolt://db:7687'], io, { connect: async () => client }), 0, io.stderrText());
  const [first, ...rest] = io.stdoutText().split('\n');
  t.regex(first!, /^\/\/ mgbackup dump of bolt:\/\/db:7687, memgraph 3\.5\.2, at \d{4}-\d\d-\d\dT[^,]+, vertices 300, edges 500$/);
  t.is(rest.join('\n'), expected);
});
