// Asks for a password on the terminal without echoing it. Refuses when stdin is not a terminal:
// scripts must use MEMGRAPH_PASSWORD instead of hanging on a prompt nobody answers.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../errors/errors.js';

export async function readPassword(
  stdin: NodeJS.ReadableStream,
  stderr: NodeJS.WritableStream,
  stdinIsTTY: boolean,
  prompt: string,
): Promise<string> {
  if (!stdinIsTTY) {
    throw new UsageError('--password was given without a value and stdin is not a terminal', {
      hints: ['set MEMGRAPH_PASSWORD in the environment, or give the value: --password=...'],
    });
  }
  stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.once('line', resolve));
  } finally {
    rl.close();
    stderr.write('\n');
  }
}
