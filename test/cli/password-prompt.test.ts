// Issue 12 item 5: on a terminal, a server that wants a password nobody gave gets a prompt, and what is
// typed is never echoed. The terminal is a real pseudo-terminal from util-linux `script`; the password is
// typed only once the prompt is on the screen (waiting for it, not for a time), and the screen is then
// read back whole.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { BIN } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pseudo-terminal; `answer` is typed once `prompt` appears. */
function onTerminal(args: string[], prompt: string, answer: string): Promise<{ code: number | null; screen: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' } });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      if (!typed && screen.includes(prompt)) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

skipIf(test, hasScript ? undefined : 'util-linux script is not installed (no pseudo-terminal to test on)')('on a terminal a refused login asks for the password once and never echoes it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-prompt-'));
  const s = await StandIn.start({ dataDir: dir, users: [{ user: 'admin', password: 'S3cretPw' }] });
  t.teardown(async () => {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const r = await onTerminal(['info', '--uri', s.uri, '--user', 'admin'], 'password for admin: ', 'S3cretPw');
  t.is(r.code, 0, r.screen);
  t.true(r.screen.includes('password for admin: '), r.screen);
  t.regex(r.screen, /version: +3\./);
  t.false(r.screen.includes('S3cretPw'), r.screen);
  const wrong = await onTerminal(['info', '--uri', s.uri, '--user', 'admin'], 'password for admin: ', 'Wr0ngPw');
  t.is(wrong.code, 11, wrong.screen);
  t.false(wrong.screen.includes('Wr0ngPw'), wrong.screen);
});
