// `mgbackup load [FILE|-]`: replays a .cypherl (plain, .gz or .zst; sniffed from its first bytes) into a
// server. Flags -> LoadOptions -> runLoad; statement handling lives in src/core/load/.
import * as fs from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { defineCommand, connectionFrom, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ExitKind } from '../../errors/codes.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { UsageError, q } from '../../errors/errors.js';
import { classifyInputError, decompressed } from '../../io/compression.js';
import { DATA_FILE_MODE, fsError } from '../../io/atomic-output.js';
import { assertEmpty, loadStatements, shortenStatement, type LoadFailure } from '../../core/load/load.js';
import { splitStatements } from '../../cypher/statement-splitter.js';
import { ProgressFile, progressFileFor, readProgress, resumeHint, type ProgressSink } from '../../core/load/load-progress.js';

/** Chosen with scripts/bench/load.ts (fast path, stand-in): larger batches stopped paying off here. */
export const DEFAULT_BATCH_SIZE = 2000;

export interface LoadOptions {
  connection: ConnectionOptions;
  /** A path, or '-' for stdin. */
  input: string;
  batchSize: number;
  fastPath: boolean;
  continueOnError: boolean;
  /** Where --continue-on-error records failures; default beside the input (cwd for stdin). */
  failuresFile: string | undefined;
  resumeFrom: number | undefined;
  allowNonEmpty: boolean;
  json: boolean;
}

/** How many failed statements --json lists (all of them are in the failures file). */
export const JSON_FAILURES_LISTED = 100;

interface Input {
  stream: Readable;
  name: string;
  /** A file (not stdin): its path and identity, for the progress record. */
  file?: { path: string; size: number; mtimeMs: number };
}

async function openInput(input: string, ctx: CommandContext): Promise<Input> {
  if (input === '-') {
    if (ctx.stdinIsTTY) {
      throw new UsageError('no input: stdin is a terminal', { hints: ['give a FILE, or pipe a dump in: mgbackup load - < db.cypherl'] });
    }
    return { stream: ctx.stdin as Readable, name: 'stdin' };
  }
  const file = path.resolve(ctx.cwd, input);
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let st: fs.Stats;
  try {
    const [fd] = await once(stream, 'open') as [number];
    st = fs.fstatSync(fd);
  } catch (err) {
    stream.destroy();
    throw fsError(err, 'read', input);
  }
  return { stream, name: input, file: { path: file, size: st.size, mtimeMs: st.mtimeMs } };
}

/** The text, counting its lines on the way (for a --resume-from past the end). */
async function* textChunks(stream: Readable, name: string, lines: { count: number }): AsyncIterable<string> {
  const plain = await decompressed(stream, name);
  plain.setEncoding('utf8');
  let last = '\n';
  try {
    for await (const chunk of plain) {
      const text = chunk as string;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.count += 1;
      if (text.length) last = text[text.length - 1]!;
      yield text;
    }
  } catch (err) {
    throw classifyInputError(err, name);
  }
  if (last !== '\n') lines.count += 1; // a last line without a newline
}

/**
 * The progress record beside a file input. Failing to write it must not stop a load: warn once and go
 * on without it (the resume line is then only in the messages).
 */
function progressSink(input: Input, ctx: CommandContext): (ProgressSink & { remove(): void; file: string }) | undefined {
  if (!input.file) return undefined;
  const pf = new ProgressFile(progressFileFor(input.file.path), { input: input.name, size: input.file.size, mtimeMs: input.file.mtimeMs }, () => ctx.clock.now());
  let broken = false;
  const guard = (fn: () => void) => {
    if (broken) return;
    try {
      fn();
    } catch (err) {
      broken = true;
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      ctx.reporter.warn(`cannot record the load's progress in ${pf.file} (${code}); if this load is killed, its resume line is only in its messages`);
    }
  };
  return {
    file: pf.file,
    sending: (first, last) => guard(() => pf.sending(first, last)),
    done: (line) => guard(() => pf.done(line)),
    remove: () => guard(() => pf.remove()),
  };
}

function failuresWriter(file: string) {
  let fd: number | undefined;
  return {
    async write(f: LoadFailure): Promise<void> {
      try {
        if (fd === undefined) {
          fd = fs.openSync(file, 'w', DATA_FILE_MODE);
          fs.fchmodSync(fd, DATA_FILE_MODE); // the mode of open() applies only to a new file
        }
        const text = f.statement.trimEnd();
        const message = f.message.replace(/[\r\n]+/g, ' ');
        fs.writeSync(fd, `// line ${f.line}: ${message}\n${text.endsWith(';') ? text : text + ';'}\n`);
      } catch (err) {
        throw fsError(err, 'write', file, '--failures-file');
      }
    },
    close(): void {
      if (fd !== undefined) fs.closeSync(fd);
    },
    get used(): boolean {
      return fd !== undefined;
    },
  };
}

export async function runLoad(opts: LoadOptions, ctx: CommandContext): Promise<ExitKind> {
  const input = await openInput(opts.input, ctx);
  const failuresFile = path.resolve(ctx.cwd, opts.failuresFile
    ?? (opts.input === '-' ? 'load-failures.cypherl' : `${opts.input.replace(/\.(gz|zst|zstd)$/i, '')}.failures.cypherl`));
  const failures = failuresWriter(failuresFile);
  let client;
  try {
    client = await ctx.connect(opts.connection);
  } catch (err) {
    input.stream.destroy();
    throw err;
  }
  const step = ctx.reporter.step(`loading ${input.name}`);
  const lines = { count: 0 };
  const started = ctx.clock.monotonicMs();
  const listed: { line: number; message: string; statement: string }[] = [];
  const summary = (r: { executed: number; failures: number; skipped: number }) => {
    if (!opts.json) return;
    ctx.stdout.write(JSON.stringify({
      type: 'load', input: input.name, executed: r.executed, failed: r.failures, skipped: r.skipped,
      failuresFile: failures.used ? failuresFile : null, failures: listed,
      durationMs: Math.round(ctx.clock.monotonicMs() - started),
    }) + '\n');
  };
  try {
    if (!opts.allowNonEmpty && opts.resumeFrom === undefined) {
      const earlier = input.file && readProgress(progressFileFor(input.file.path), input.file);
      await assertEmpty(client, earlier ? resumeHint(earlier, progressFileFor(input.file!.path)) : undefined);
    }
    const progress = progressSink(input, ctx);
    let lastShown = 0;
    const result = await loadStatements(client, splitStatements(textChunks(input.stream, input.name, lines)), {
      batchSize: opts.batchSize,
      fastPath: opts.fastPath,
      continueOnError: opts.continueOnError,
      ...(opts.resumeFrom === undefined ? {} : { resumeFrom: opts.resumeFrom }),
      signal: ctx.signal,
      onFailure: (f) => {
        if (listed.length < JSON_FAILURES_LISTED) listed.push({ line: f.line, message: f.message, statement: shortenStatement(f.statement) });
        return failures.write(f);
      },
      onProgress: (p) => {
        const now = ctx.clock.monotonicMs();
        if (now - lastShown < 200) return;
        lastShown = now;
        step.update(`loading ${input.name}: ${p.executed} statements, line ${p.line}${p.failed ? `, ${p.failed} failed` : ''}`);
      },
      onInterrupted: (line) => ctx.reporter.warn(`load stopped before line ${line}; everything before it is committed: continue with --resume-from ${line}`),
      ...(progress ? { progress } : {}),
    });
    if (opts.resumeFrom !== undefined && opts.resumeFrom > lines.count) {
      // Nothing was sent: every statement lay before the resume line.
      throw new UsageError(`--resume-from ${q(opts.resumeFrom)} is past the end of ${q(input.name)}, which has ${lines.count} line${lines.count === 1 ? '' : 's'}`, {
        hints: ['nothing was loaded; give the line from the interrupted load\'s message (or its hint when you run the load without --resume-from)'],
      });
    }
    progress?.remove();
    const skipped = result.skipped ? `, ${result.skipped} skipped before line ${opts.resumeFrom}` : '';
    if (result.failures > 0) {
      step.fail(`loaded ${result.executed} statements, ${result.failures} failed${skipped}`);
      ctx.reporter.warn(`${result.failures} statement${result.failures === 1 ? '' : 's'} failed; they are recorded in ${failuresFile}`);
      summary(result);
      return 'partial';
    }
    step.succeed(`loaded ${result.executed} statements${skipped}`);
    summary(result);
    return 'ok';
  } catch (err) {
    step.fail('load failed');
    throw err;
  } finally {
    failures.close();
    input.stream.destroy();
    await client.close();
  }
}

function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid ${flag} ${q(v)}`, { hints: [`${flag} takes a whole number of at least 1`] });
  return n;
}

export const loadCommand = defineCommand<LoadOptions>({
  command: 'load [file]',
  describe: 'execute a .cypherl dump (plain, .gz or .zst; - for stdin) against the server, batched and resumable',
  groups: ['connection'],
  examples: [
    ['mgbackup load db.cypherl.zst', 'into an empty database'],
    ['mgbackup dump --uri bolt://old:7687 | mgbackup load - --uri bolt://new:7687', 'copy between servers'],
    ['mgbackup load db.cypherl --continue-on-error', 'record failing statements and go on (exit 3)'],
    ['mgbackup load db.cypherl --resume-from 120001', 'continue an interrupted load'],
  ],
  builder: (y) => y
    .positional('file', { type: 'string', describe: 'the dump to load; - (default) reads stdin' })
    .option('batch-size', { type: 'number', describe: `data statements per transaction (default ${DEFAULT_BATCH_SIZE})` })
    .option('continue-on-error', { type: 'boolean', default: false, describe: 'record failing statements in a file and go on (exit code 3)' })
    .option('failures-file', { type: 'string', describe: 'where --continue-on-error records failures (default FILE.failures.cypherl)' })
    .option('resume-from', { type: 'number', describe: 'skip statements that start before LINE (from a failure message)' })
    .option('allow-non-empty', { type: 'boolean', default: false, describe: 'load even when the database already holds data' })
    .option('fast-path', { type: 'boolean', default: true, describe: 'send DUMP vertex/edge statements as UNWIND batches (--no-fast-path: as written)' }),
  toOptions: (args, env) => {
    const file = typeof args.file === 'string' && args.file !== '' ? args.file : '-';
    const failuresFile = typeof args.failuresFile === 'string' ? args.failuresFile : undefined;
    if (failuresFile !== undefined && args.continueOnError !== true) {
      throw new UsageError('--failures-file needs --continue-on-error');
    }
    return {
      connection: connectionFrom(args, env),
      input: file,
      batchSize: positiveInt(args.batchSize, '--batch-size') ?? DEFAULT_BATCH_SIZE,
      fastPath: args.fastPath !== false,
      continueOnError: args.continueOnError === true,
      failuresFile,
      resumeFrom: positiveInt(args.resumeFrom, '--resume-from'),
      allowNonEmpty: args.allowNonEmpty === true,
      json: globalOptionsFrom(args).json,
    };
  },
  run: runLoad,
});

