// The entry point: parse -> run -> render errors -> exit code. Together with bin.ts the only code that
// touches the process: signals become an abort, stdout EPIPE becomes a quiet stop, and every failure
// becomes one row of the exit-code table.
// Only what every run needs is imported here; command modules, the driver, ora and the password
// prompt are imported when used (start-up time, scripts/bench/startup.ts). The stderr sink and (through
// the parser) the settings reader are static imports: every command run needs them, bin.ts answers the
// plain --help and --version without this module, and in the bundle (scripts/bundle.ts) they then share
// main's chunk instead of being two more files to load.
import { MgBackupError, InterruptedError } from '../errors/errors.js';
import { exitCodeOf } from '../errors/codes.js';
import { renderErrorJson, renderErrorText, toMgBackupError } from '../errors/render.js';
import { parseCommandLine } from './parser.js';
import { COMMANDS } from './commands/index.js';
import type { CommandContext } from './context.js';
import { createTerminalReporter } from '../ui/terminal-reporter.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { ConnectionOptions, GraphClient } from '../bolt/graph-client.js';
import { onProcessSignal } from './signal-hub.js';
import { redactUris } from '../bolt/bolt-uri.js';
import { mgbackupVersion } from './version.js';
import { commandName } from './command.js';
import { openStderrSink, type StderrSink } from '../ui/stderr-sink.js';
import type { RunFigures } from './metrics-file.js';
import path from 'node:path';

export { mgbackupVersion };

export interface ProcessIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Subscribes to SIGINT/SIGTERM/SIGHUP (also those that came before); returns an unsubscribe function. */
  onSignal(handler: (signal: string) => void): () => void;
  /** Waits until stdout and stderr have been handed to the OS. */
  flush(): Promise<void>;
}

export interface MainDeps {
  clock?: Clock;
  connect?: (opts: ConnectionOptions) => Promise<GraphClient>;
}

/** Raised when the reader of stdout went away (`mgbackup dump | head -1`): stop quietly. */
export class BrokenPipeError extends MgBackupError {
  constructor() {
    super('io', 'stdout was closed by its reader');
    this.name = 'BrokenPipeError';
  }
}

export function processIo(): ProcessIo {
  const drain = (s: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (s.destroyed || s.writableLength === 0) return resolve();
      // 'drain' comes only after a write that returned false; an empty write's callback runs once every
      // earlier write is handed to the OS, whatever the buffer level (waiting for 'drain' could hang).
      s.write('', () => resolve());
      s.once('error', () => resolve());
      s.once('close', () => resolve());
    });
  return {
    // stdin only when a command reads it: creating process.stdin on a file or /dev/null builds an
    // fs.ReadStream and loads Node's stream modules, about 12 ms of every run's start-up (issue 14).
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    onSignal(handler) {
      // Through the hub bin.ts installed first: a signal that came while modules loaded is delivered now.
      return onProcessSignal(handler);
    },
    flush: async () => {
      await Promise.all([drain(process.stdout), drain(process.stderr)]);
    },
  };
}

export async function main(argv: string[], io: ProcessIo, deps: MainDeps = {}): Promise<number> {
  const wantsJson = argv.includes('--json');
  const controller = new AbortController();
  let signals = 0;
  const unsubscribe = io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) controller.abort(new InterruptedError(signal));
    // A second signal while cleanup runs: the operator insists. Cleanup code already released
    // what it could; bin.ts exits with the interrupted code.
    else io.stderr.write(`mgbackup: received ${signal} again, still cleaning up\n`);
  });
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort(new BrokenPipeError());
  };
  io.stdout.on('error', onStdoutError);

  const body = async (): Promise<number> => {
    let json = wantsJson;
    let sink: StderrSink | undefined;
    let metrics: { file: string; command: string; figures: RunFigures; startedAt: Date; startedMs: number } | undefined;
    const clock = deps.clock ?? systemClock;
    let code: number;
    try {
      const parsed = await parseCommandLine(argv, io.env, COMMANDS, { version: mgbackupVersion() }, io.cwd);
      if (parsed.kind === 'output') {
        io.stdout.write(parsed.text);
        return 0;
      }
      json = parsed.globals.json;
      const globals = parsed.globals;
      sink = openStderrSink({
        stderr: io.stderr, timestamps: globals.verbose && !io.stderrIsTTY, logFile: globals.logFile, cwd: io.cwd, now: () => clock.now(),
      });
      if (globals.metricsFile !== undefined) {
        metrics = {
          file: path.resolve(io.cwd, globals.metricsFile), command: commandName(parsed.spec), figures: {},
          startedAt: clock.now(), startedMs: clock.monotonicMs(),
        };
      }
      // A signal while the command line was parsed (or modules loaded): stop before doing anything. Node
      // runs signal handlers only from the event loop, and module loading can block it (on Node 24 the
      // loader waits synchronously), so let one turn pass first: a signal already received is seen here.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (controller.signal.aborted) throw controller.signal.reason;
      const reporter = await createTerminalReporter({
        stderr: io.stderr,
        stderrIsTTY: io.stderrIsTTY,
        env: io.env,
        quiet: globals.quiet,
        verbose: globals.verbose,
        progress: globals.progress,
        sink,
      });
      // The AWS SDK's retries (and S3 range retries) as narration: shown with --verbose, kept in --log-file.
      const s3Retries = globals.verbose || globals.logFile !== undefined ? await import('../repo/repo-url.js') : undefined;
      s3Retries?.setS3RetryLog((m) => reporter.info(m));
      const connectImpl = deps.connect ?? (async (o: ConnectionOptions) => (await import('../bolt/neo4j-graph-client.js')).connectNeo4j(o));
      const ctx: CommandContext = {
        stdout: io.stdout,
        stdoutIsTTY: io.stdoutIsTTY,
        get stdin() {
          return io.stdin;
        },
        get stdinIsTTY() {
          return io.stdinIsTTY;
        },
        stderr: io.stderr,
        stderrIsTTY: io.stderrIsTTY,
        reporter,
        env: io.env,
        cwd: io.cwd,
        signal: controller.signal,
        clock,
        quiet: globals.quiet,
        recordMetrics: (f) => { if (metrics) Object.assign(metrics.figures, f); },
        connect: async (opts) => {
          const ask = async () => {
            const { readPassword } = await import('../ui/prompt.js');
            return readPassword(io.stdin, io.stderr, io.stdinIsTTY, `password for ${opts.user ?? 'the server'}: `);
          };
          if (opts.passwordFile !== undefined) {
            const { readPasswordFile } = await import('./password-file.js');
            opts = { ...opts, password: readPasswordFile(opts.passwordFile, io.cwd, (m) => reporter.warn(m)) };
            delete opts.passwordFile;
          } else if (opts.askPassword) {
            opts = { ...opts, password: await ask(), askPassword: false };
          }
          try {
            return await connectImpl(opts);
          } catch (err) {
            // No password from anywhere and the server wants one: ask, as psql does, when someone can answer.
            if (opts.password !== undefined || !io.stdinIsTTY || !(err instanceof MgBackupError) || err.kind !== 'authFailed') throw err;
            return connectImpl({ ...opts, password: await ask() });
          }
        },
      };
      let kind;
      try {
        kind = await parsed.spec.run(parsed.options, ctx);
      } finally {
        s3Retries?.setS3RetryLog(undefined);
      }
      if (controller.signal.aborted) throw controller.signal.reason;
      code = exitCodeOf(kind ?? 'ok');
    } catch (caught) {
      // An abort wins over whatever error the interrupted operation surfaced while unwinding.
      const err = controller.signal.aborted ? toMgBackupError(controller.signal.reason) : toMgBackupError(caught);
      if (err instanceof BrokenPipeError) {
        code = 0; // the reader of stdout went away: a quiet stop
      } else {
        // Last line of defence for credentials: no URI is printed with its password, whatever quoted it.
        const text = redactUris(json ? renderErrorJson(err) : renderErrorText(err, { verbose: argv.includes('--verbose') }));
        if (!sink) io.stderr.write(text);
        else if (json) sink.raw(text);
        else for (const line of text.trimEnd().split('\n')) sink.show(line);
        code = err.exitCode;
        if (metrics && err.kind === 'integrity') metrics.figures.verifyFailed = true;
      }
    }
    try {
      if (metrics) {
        const { writeMetricsFile } = await import('./metrics-file.js');
        writeMetricsFile(metrics.file, {
          ...metrics.figures, command: metrics.command, exitCode: code, startedAt: metrics.startedAt, endedAt: clock.now(),
          durationSeconds: (clock.monotonicMs() - metrics.startedMs) / 1000,
        });
      }
    } catch (caught) {
      const err = toMgBackupError(caught);
      const text = json ? renderErrorJson(err) : renderErrorText(err);
      if (sink) sink.raw(text);
      else io.stderr.write(text);
      if (code === 0) code = err.exitCode;
    }
    sink?.close();
    return code;
  };
  try {
    return await body();
  } finally {
    unsubscribe();
    io.stdout.off('error', onStdoutError);
  }
}
