// create/list/verify against the stand-in Bolt server (real Bolt, real files, real LOCK semantics).
// While the stand-in still writes its interim `SIsn` files, create must refuse them as not Memgraph's
// (integrity exit) and leave the directory unlocked; once it writes `MGsn` files the happy path runs.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main, type ProcessIo } from '../../src/cli/main.js';
import { StandIn } from '../standin/standin.js';

function io(): ProcessIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    stdin: new PassThrough(), stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream,
    stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, env: { NO_COLOR: '1' }, cwd: process.cwd(),
    onSignal: () => () => {}, flush: async () => {}, out: () => out, err: () => err,
  };
}

test('create against the stand-in: real-format files are backed up and verified; others refused, lock released', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-standin-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  t.teardown(async () => {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const seed = io();
  t.is(await main(['info', '--uri', standin.uri, '--json'], seed), 0, seed.err());
  const c = io();
  const code = await main(['create', '--uri', standin.uri, '--repo', path.join(root, 'repo'), '--data-dir', data, '--server-data-dir', data, '--json'], c);
  const snaps = fs.readdirSync(path.join(data, 'snapshots'));
  const magic = fs.readFileSync(path.join(data, 'snapshots', snaps.sort().at(-1)!)).subarray(0, 4).toString('latin1');
  const status = io();
  await main(['info', '--uri', standin.uri, '--json'], status);
  t.is(JSON.parse(status.out()).lockStatus, 'unlocked');
  if (magic !== 'MGsn') {
    t.is(code, 14, c.err());
    const err = JSON.parse(c.err());
    t.is(err.code, 'integrity');
    t.regex(err.message, new RegExp(`^"snapshots/\\d{20}_timestamp_\\d+" is not a Memgraph durability file \\(magic "${magic}", expected "MGsn" or "MGwl"\\) at offset 0$`));
    t.deepEqual(fs.readdirSync(path.join(root, 'repo')).filter((n) => !n.startsWith('.')), []);
    return;
  }
  t.is(code, 0, c.err());
  const id = JSON.parse(c.out()).id as string;
  const v = io();
  t.is(await main(['verify', '--repo', path.join(root, 'repo'), id], v), 0, v.err());
});
