// An encrypted repository's passphrase typed on a terminal: asked twice when the repository is created,
// once when it is opened, never echoed. A real pseudo-terminal from util-linux `script`; each answer is
// typed once its prompt is on the screen (waiting for it, not for a time), and the screen is read back whole.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { BIN } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';
import { commit, dirs, startStandIn } from '../watch/harness.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pseudo-terminal, typing each answer once its prompt shows (in order). */
function onTerminal(args: string[], dialog: [prompt: string, answer: string][]): Promise<{ code: number | null; screen: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { MGBACKUP_PASSPHRASE: _p, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, NO_COLOR: '1', TERM: 'xterm' } });
    let screen = '';
    let seen = 0;
    let next = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      while (next < dialog.length) {
        const at = screen.indexOf(dialog[next]![0], seen);
        if (at < 0) break;
        seen = at + dialog[next]![0].length;
        child.stdin.write(`${dialog[next]![1]}\r`);
        next++;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

skipIf(test, hasScript ? undefined : 'util-linux script is not installed (no pseudo-terminal to test on)')('on a terminal the passphrase is asked twice to create, once to open, and never echoed', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 6, 300);
  const pass = 'Tr0ub4dor&3-prompted';
  const watch = ['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data];
  const created = await onTerminal([...watch, '--encrypt'], [
    [`passphrase for the new repository "${d.repo}": `, pass], ['the same passphrase again: ', pass],
  ]);
  t.is(created.code, 0, created.screen);
  t.false(created.screen.includes(pass), created.screen);
  const marker = JSON.parse(fs.readFileSync(path.join(d.repo, 'mgbackup-repo.json'), 'utf8')) as { encryption: { keyFile: string } };
  t.true(fs.existsSync(path.join(d.repo, marker.encryption.keyFile)));

  const opened = await onTerminal(watch, [[`passphrase for repository "${d.repo}": `, pass]]);
  t.is(opened.code, 0, opened.screen);
  t.false(opened.screen.includes(pass), opened.screen);

  const differ = await onTerminal(['watch', '--once', '--uri', uri, '--repo', path.join(d.root, 'repo2'), '--data-dir', d.data, '--encrypt'], [
    [`passphrase for the new repository "${path.join(d.root, 'repo2')}": `, pass], ['the same passphrase again: ', 'something else'],
  ]);
  t.is(differ.code, 2, differ.screen);
  t.regex(differ.screen, /the two passphrases differ/);
  t.false(fs.existsSync(path.join(d.root, 'repo2', 'mgbackup-repo.json')));
});
