// The foreground entry (`npm run standin`): one stderr line with the URI, serves Bolt, stops on SIGTERM.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import neo4j from 'neo4j-driver';

const here = path.dirname(fileURLToPath(import.meta.url));
const mainJs = path.join(here, 'main.js');

test('main.js prints its URI, answers queries with auth, and exits 0 on SIGTERM', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'standin-main-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [mainJs, '--port', '0', '--data-dir', dir, '--user', 'admin', '--password', 'pw'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const uri = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /^stand-in listening on (bolt:\/\/127\.0\.0\.1:\d+)\n/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`stand-in exited early: ${stderr}`)));
  });
  const d = neo4j.driver(uri, neo4j.auth.basic('admin', 'pw'), { connectionAcquisitionTimeout: 5000 });
  try {
    const res = await d.executeQuery('RETURN 1');
    t.is(res.records.length, 1);
    const wrong = neo4j.driver(uri, neo4j.auth.basic('admin', 'no'), { connectionAcquisitionTimeout: 5000 });
    await t.throwsAsync(wrong.getServerInfo(), { message: /Authentication failure/ });
    await wrong.close();
  } finally {
    await d.close();
  }
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.is(stdout, '', 'stdout stays empty');
  t.is(stderr.trim().split('\n').length, 1);
});

test('main.js refuses a missing --data-dir with exit code 2', async (t) => {
  const child = spawn(process.execPath, [mainJs, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.is(code, 2);
  t.regex(stderr, /--data-dir is required/);
});
