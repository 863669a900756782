// What a command receives from the entry point: the payload stream, a reporter for stderr, the
// abort signal (SIGINT/SIGTERM), a clock and a way to connect. Tests build their own.
import type { Clock } from '../core/clock.js';
import type { Reporter } from '../core/reporter.js';
import type { ConnectionOptions, GraphClient } from '../bolt/graph-client.js';
import type { RunFigures } from './metrics-file.js';

export interface CommandContext {
  /** Payload only: dump text, --json results, requested listings. */
  stdout: NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  reporter: Reporter;
  /** For commands whose output is an event log on stderr (watch); others go through the reporter. */
  stderr?: NodeJS.WritableStream;
  stderrIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborts with an InterruptedError on SIGINT/SIGTERM; long operations check it and clean up. */
  signal: AbortSignal;
  clock: Clock;
  connect(opts: ConnectionOptions): Promise<GraphClient>;
  /** --quiet: print no summary on success, only the payload (a listing, --json, dump text). */
  quiet?: boolean;
  /** Figures for --metrics-file (bytes, files, database, ...); the entry point writes the file. */
  recordMetrics?(figures: RunFigures): void;
}
