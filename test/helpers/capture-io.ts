// Runs main() in-process with captured stdout/stderr: what the operator would see, without spawning.
import { PassThrough } from 'node:stream';
import { main, type MainDeps, type ProcessIo } from '../../src/cli/main.js';

export type CapturedIo = ProcessIo & { out(): string; err(): string };

export function captureIo(opts: { env?: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream } = {}): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = opts.stdin ?? new PassThrough().end();
  return {
    stdin, stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream,
    stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, env: { NO_COLOR: '1', ...opts.env }, cwd: process.cwd(),
    onSignal: () => () => {}, flush: async () => {}, out: () => out, err: () => err,
  };
}

export async function runMain(
  argv: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream; deps?: MainDeps } = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(opts);
  const code = await main(argv, io, opts.deps);
  return { code, out: io.out(), err: io.err() };
}
