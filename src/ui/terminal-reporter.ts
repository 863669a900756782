// What the operator sees on stderr. stdout is never touched here: it belongs to the payload.
// Narration and spinners appear only on an interactive stderr (or when asked with --verbose /
// --progress); warnings appear unless --quiet; errors are rendered by the entry point.
import type { Reporter, Step } from '../core/reporter.js';
import { redactUris } from '../bolt/bolt-uri.js';

export interface TerminalReporterOptions {
  stderr: NodeJS.WritableStream;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  quiet: boolean;
  verbose: boolean;
  /** --progress: show steps even when stderr is not a terminal (as plain lines). */
  progress: boolean;
}

/** Async because ora (spinners) is imported only when stderr is an interactive terminal. */
export async function createTerminalReporter(opts: TerminalReporterOptions): Promise<Reporter> {
  const interactive = opts.stderrIsTTY && opts.env.TERM !== 'dumb' && !('CI' in opts.env);
  const narrate = !opts.quiet && (interactive || opts.verbose || opts.progress);
  const ora = narrate && interactive ? (await import('ora')).default : undefined;
  const write = (line: string) => opts.stderr.write(redactUris(line) + '\n');

  const plainStep = (text: string): Step => {
    if (narrate) write(`${text} ...`);
    return {
      update() {},
      succeed: (done) => { if (narrate) write(done ?? `${text}: done`); },
      fail: (why) => { if (narrate && why) write(why); },
    };
  };

  return {
    info: (message) => { if (narrate) write(message); },
    warn: (message) => { if (!opts.quiet) write(`mgbackup: warning: ${message}`); },
    step: (text) => {
      if (!ora) return plainStep(text);
      const spinner = ora({ text, stream: opts.stderr as NodeJS.WriteStream, discardStdin: false }).start();
      return {
        update: (t) => { spinner.text = t; },
        succeed: (t) => { spinner.succeed(t); },
        fail: (t) => { spinner.fail(t); },
      };
    },
  };
}
