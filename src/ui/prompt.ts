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
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  // The interface puts the terminal in raw mode (no echo by the terminal itself); only then the prompt,
  // or a password typed as soon as the prompt shows would be echoed by the terminal's line discipline.
  const rl = createInterface({ input: stdin, output: muted, terminal: true });
  stderr.write(prompt);
  try {
    return await new Promise<string>((resolve) => rl.once('line', resolve));
  } finally {
    rl.close();
    stderr.write('\n');
  }
}
