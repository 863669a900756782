// Issue 9 item 21: SIGTERM right after start-up (while modules still load) must end like any other
// interruption: exit 130 and a message, not the default action's silent 143. To hit that window every
// time, a module-loading hook (node --import) holds back the import of cli/main.js, or of its chunk
// bundle/main-HASH.js in the bundled build (scripts/bundle.ts), which pulls in the parser and the rest
// (on Node 24 package imports may bypass the hook) and announces it in a marker file; the test then sends a real SIGTERM to the real child process.
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

function slowImportHook(marker: string): string {
  const hooks = `
    import { writeFileSync } from 'node:fs';
    let held = false;
    export async function load(url, context, next) {
      if (!held && (url.endsWith('/cli/main.js') || url.includes('/bundle/main-'))) {
        held = true;
        writeFileSync(${JSON.stringify(marker)}, url);
        await new Promise((r) => setTimeout(r, 1500));
      }
      return next(url, context);
    }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  test(`${signal} while modules load: exit 130 with a message`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgbackup-early-signal-'));
    const marker = path.join(dir, 'loading');
    const child = spawn(process.execPath, ['--import', slowImportHook(marker), BIN, 'list', '--repo', dir], {
      cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, sig) => resolve({ code, signal: sig })));
    try {
      await waitFor(marker, 30_000);
      child.kill(signal);
      const r = await closed;
      t.is(r.signal, null, 'the process handled the signal instead of dying of it');
      t.is(r.code, 130);
      t.is(stdout, '');
      t.is(stderr, `mgbackup: error: interrupted by ${signal}\n`);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
