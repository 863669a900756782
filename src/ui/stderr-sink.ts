// Every line mgbackup writes to stderr goes through here, so the two places it can end up agree:
// the stream itself (with an ISO timestamp in front when --verbose runs off a terminal, e.g. in a cron
// log), and --log-file, which gets every line with its timestamp, also under --quiet (a log records
// what happened even when nobody watched). The log file is opened for appending and kept 0600: its lines
// name servers, paths and databases.
import path from 'node:path';
import { MgBackupError, q } from '../errors/errors.js';

// node:fs through getBuiltinModule, not an ESM import: the first ESM import of node:fs evaluates every
// export, ReadStream's stream modules included (~5 ms of each start-up; issue 14, scripts/bench/startup.ts).
const { closeSync, fchmodSync, openSync, writeSync } = process.getBuiltinModule('node:fs');

export const LOG_FILE_MODE = 0o600;

export interface StderrSink {
  /** A line for the operator (no newline): shown on stderr and logged. */
  show(line: string): void;
  /** A line for the log file only (what --quiet or a non-terminal hides). */
  log(line: string): void;
  /** Writes raw text to stderr unchanged (a JSON error object) and logs it. */
  raw(text: string): void;
  close(): void;
}

export interface StderrSinkOptions {
  stderr: NodeJS.WritableStream;
  /** Prefix stderr lines with the time (--verbose off a terminal). */
  timestamps: boolean;
  logFile?: string | undefined;
  cwd: string;
  now: () => Date;
}

export function openStderrSink(opts: StderrSinkOptions): StderrSink {
  let fd: number | undefined;
  if (opts.logFile !== undefined) {
    const file = path.resolve(opts.cwd, opts.logFile);
    try {
      fd = openSync(file, 'a', LOG_FILE_MODE);
      fchmodSync(fd, LOG_FILE_MODE); // the mode of open() applies only to a new file
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot open --log-file ${q(opts.logFile)}: ${code}`, {
        hints: ['give a file in an existing folder that this user can write'],
        cause: e,
      });
    }
  }
  // A message of several lines (create's summary) gets a timestamp on each, so every line of a log parses alike.
  const stamped = (text: string) => text.split('\n').map((l) => `${opts.now().toISOString()} ${l}\n`).join('');
  const logLine = (line: string) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, stamped(line));
    } catch {
      // A full disk under the log must not turn a finished backup into a failure: stderr still has it.
      closeSync(fd);
      fd = undefined;
    }
  };
  return {
    show(line) {
      opts.stderr.write(opts.timestamps ? stamped(line) : `${line}\n`);
      logLine(line);
    },
    log: logLine,
    raw(text) {
      opts.stderr.write(text);
      for (const line of text.split('\n')) if (line !== '') logLine(line);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
