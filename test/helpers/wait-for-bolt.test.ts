// The readiness helper the container tests rely on, against the stand-in: it keeps trying while nothing
// listens, answers as soon as a server does, stops early when told the server is gone, and gives up at
// its deadline with the attempts and the last error.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { waitForBolt } from './wait-for-bolt.js';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function dataDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-ready-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('retries while nothing listens and returns once a server answers', async (t) => {
  const port = await freePort();
  let failedAttempts = 0;
  let server: StandIn | undefined;
  t.teardown(() => server?.stop());
  // The server comes up after the third refused attempt: readiness follows events, not a sleep.
  await waitForBolt(`bolt://127.0.0.1:${port}`, {
    intervalMs: 10,
    alive: async () => {
      if (++failedAttempts === 3) server = await StandIn.start({ dataDir: dataDir(t), port });
      return undefined;
    },
  });
  t.true(failedAttempts >= 3, `${failedAttempts} failed attempts`);
  t.truthy(server);
});

test('stops at once when the server is gone, with the reason and the diagnostics', async (t) => {
  const port = await freePort();
  const err = await t.throwsAsync(waitForBolt(`bolt://127.0.0.1:${port}`, {
    alive: async () => 'container exited with code 12',
    diagnostics: async () => 'last log lines',
  }));
  t.regex(err!.message, new RegExp(`^bolt://127\\.0\\.0\\.1:${port} is not ready after 1 attempts: container exited with code 12; last error: .+\\nlast log lines$`, 's'));
});

test('gives up at the deadline', async (t) => {
  const port = await freePort();
  const err = await t.throwsAsync(waitForBolt(`bolt://127.0.0.1:${port}`, { deadlineMs: 0 }));
  t.regex(err!.message, /is not ready after 1 attempts: no Bolt answer within 0 ms; last error: /);
});
