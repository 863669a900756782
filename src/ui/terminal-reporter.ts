// What the operator sees on stderr. stdout is never touched here: it belongs to the payload.
// Narration and spinners appear only on an interactive stderr (or when asked with --verbose /
// --progress); warnings appear unless --quiet; errors are rendered by the entry point. Every line,
// shown or not, also goes to --log-file through the sink.
import type { Reporter, Step } from '../core/reporter.js';
import { redactUris } from '../bolt/bolt-uri.js';
import type { StderrSink } from './stderr-sink.js';

export interface TerminalReporterOptions {
  stderr: NodeJS.WritableStream;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  quiet: boolean;
  verbose: boolean;
  /** --progress: show steps even when stderr is not a terminal (as plain lines). */
  progress: boolean;
  sink: StderrSink;
}

/** Async because ora (spinners) is imported only when stderr is an interactive terminal. */
export async function createTerminalReporter(opts: TerminalReporterOptions): Promise<Reporter> {
  const interactive = opts.stderrIsTTY && opts.env.TERM !== 'dumb' && !('CI' in opts.env);
  const narrate = !opts.quiet && (interactive || opts.verbose || opts.progress);
  const ora = narrate && interactive ? (await import('ora')).default : undefined;
  const say = (line: string, shown: boolean) => {
    const clean = redactUris(line);
    if (shown) opts.sink.show(clean);
    else opts.sink.log(clean);
  };

  const plainStep = (text: string): Step => {
    say(`${text} ...`, narrate);
    return {
      update() {},
      succeed: (done) => say(done ?? `${text}: done`, narrate),
      fail: (why) => { if (why) say(why, narrate); },
    };
  };

  return {
    info: (message) => say(message, narrate),
    warn: (message) => say(`mgbackup: warning: ${message}`, !opts.quiet),
    step: (text) => {
      if (!ora) return plainStep(text);
      opts.sink.log(redactUris(`${text} ...`));
      const spinner = ora({ text, stream: opts.stderr as NodeJS.WriteStream, discardStdin: false }).start();
      return {
        update: (t) => { spinner.text = t; },
        succeed: (t) => { spinner.succeed(t); opts.sink.log(redactUris(t ?? `${text}: done`)); },
        fail: (t) => { spinner.fail(t); if (t) opts.sink.log(redactUris(t)); },
      };
    },
  };
}
