// The stand-in as its own process (`node dist/test/standin/main.js ARGS`), as a server runs: resolves once
// it prints its address. One place for tests and benchmarks; tests register `stop` as a teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const STANDIN_MAIN = fileURLToPath(new URL('../standin/main.js', import.meta.url));

export interface StandInProcess {
  uri: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGKILL (a server crash) unless it already exited; resolves once it has. */
  stop(): Promise<void>;
}

/** `script`: another entry that starts the stand-in (the fault tests' stepping one). */
export async function spawnStandIn(args: string[], opts: { script?: string; timeoutMs?: number } = {}): Promise<StandInProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [opts.script ?? STANDIN_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let stderr = '';
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stand-in did not listen within ${timeoutMs / 1000} s: ${stderr}`)), timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /stand-in listening on (bolt:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stand-in exited with ${code}: ${stderr}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { uri, port: Number(new URL(uri).port), child, exited, stop };
}
