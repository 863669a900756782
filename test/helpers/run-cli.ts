// Runs the built binary the way an operator does and captures what they would see.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './memgraph-image.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const BIN = path.join(REPO_ROOT, 'dist/src/bin.js');

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // The caller's credentials must not leak into tests; only what the test passes counts.
    // Nor the caller's config file (MGBACKUP_CONFIG, ~/.config/mgbackup/config.json): a test passes its own.
    const { MEMGRAPH_USER: _u, MEMGRAPH_PASSWORD: _p, MGBACKUP_CONFIG: _c, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = { ...inherited, XDG_CONFIG_HOME: path.join(REPO_ROOT, '.no-config'), NO_COLOR: '1', ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A guard against hangs, not a speed check; a kill says so, or a slow machine reads like a crash.
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) stderr += `\n[runCli: killed after ${opts.timeoutMs ?? 60_000} ms without exiting]`;
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
