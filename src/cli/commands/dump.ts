// `mgbackup dump [-o FILE]`: DUMP DATABASE as a .cypherl stream on stdout, or into a file that appears
// only when complete. Flags -> DumpOptions -> runDump; the streaming lives in src/core/dump.ts.
import * as path from 'node:path';
import { defineCommand, connectionFrom, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions, GraphClient } from '../../bolt/graph-client.js';
import { readServerFacts } from '../../bolt/server-facts.js';
import { MgBackupError, UsageError, q } from '../../errors/errors.js';
import { COMPRESSIONS, compressionForPath, createCompressor, levelFlag, type Compression } from '../../io/compression.js';
import { openAtomicOutput, waitForDrain } from '../../io/atomic-output.js';
import { dumpHeader, dumpTo, formatRate, type DumpProgress } from '../../core/dump.js';

export interface DumpOptions {
  connection: ConnectionOptions;
  /** undefined = stdout. */
  output: string | undefined;
  compression: Compression;
  /** undefined = the compression's default (zstd 3, gzip 6). */
  level: number | undefined;
  header: boolean;
  /** The summary as JSON on stdout; only with -o FILE (stdout carries the Cypher otherwise). */
  json: boolean;
}

export async function runDump(opts: DumpOptions, ctx: CommandContext): Promise<void> {
  if (opts.output === undefined && opts.compression !== 'none' && ctx.stdoutIsTTY) {
    throw new MgBackupError('refused', `refusing to write ${opts.compression}-compressed data to a terminal`, {
      hints: ['redirect stdout to a file or pipe, or use -o FILE'],
    });
  }
  const client = await ctx.connect(opts.connection);
  try {
    let preamble: string | undefined;
    if (opts.header) {
      const facts = await readServerFacts(client);
      preamble = dumpHeader({
        source: opts.connection.uri + (opts.connection.database ? ` database ${opts.connection.database}` : ''),
        version: facts.version,
        time: ctx.clock.now(),
        ...(facts.vertexCount === undefined ? {} : { vertices: facts.vertexCount }),
        ...(facts.edgeCount === undefined ? {} : { edges: facts.edgeCount }),
      });
    }
    const started = ctx.clock.monotonicMs();
    const step = ctx.reporter.step('dumping');
    let lastShown = 0;
    const onProgress = (p: DumpProgress) => {
      const now = ctx.clock.monotonicMs();
      if (now - lastShown < 200) return;
      lastShown = now;
      step.update(`dumping: ${p.statements} statements, ${formatRate(p.bytes, now - started)}`);
    };
    let result: DumpProgress;
    try {
      result = opts.output === undefined
        ? await dumpToStdout(client, opts, ctx, preamble, onProgress)
        : await dumpToFile(client, opts, opts.output, ctx, preamble, onProgress);
    } catch (err) {
      step.fail('dump failed');
      throw err;
    }
    const durationMs = ctx.clock.monotonicMs() - started;
    step.succeed(`dumped ${result.statements} statements (${formatRate(result.bytes, durationMs)})${opts.output ? ` to ${opts.output}` : ''}`);
    if (opts.json) {
      ctx.stdout.write(JSON.stringify({
        type: 'dump', output: opts.output ?? null, compression: opts.compression,
        statements: result.statements, bytes: result.bytes, durationMs: Math.round(durationMs),
      }) + '\n');
    }
  } finally {
    await client.close();
  }
}

async function dumpToStdout(
  client: GraphClient, opts: DumpOptions, ctx: CommandContext, preamble: string | undefined, onProgress: (p: DumpProgress) => void,
): Promise<DumpProgress> {
  // One frame, as for files (compression.ts createCompressor says why).
  const compressor = createCompressor(opts.compression, opts.level, { oneFrame: true });
  if (!compressor) return dumpTo(client, ctx.stdout, { signal: ctx.signal, onProgress, ...(preamble ? { preamble } : {}) });
  compressor.on('data', (chunk: Buffer) => {
    if (!ctx.stdout.write(chunk)) {
      compressor.pause();
      waitForDrain(ctx.stdout, ctx.signal).then(() => compressor.resume(), (err: unknown) => compressor.destroy(err as Error));
    }
  });
  const ended = new Promise<void>((resolve, reject) => {
    compressor.on('end', resolve);
    compressor.on('error', reject);
  });
  const result = await dumpTo(client, compressor, { signal: ctx.signal, onProgress, ...(preamble ? { preamble } : {}) });
  compressor.end();
  await ended;
  return result;
}

async function dumpToFile(
  client: GraphClient, opts: DumpOptions, file: string, ctx: CommandContext, preamble: string | undefined, onProgress: (p: DumpProgress) => void,
): Promise<DumpProgress> {
  const target = path.resolve(ctx.cwd, file);
  const out = await openAtomicOutput(target, opts.compression, opts.level);
  try {
    const result = await dumpTo(client, out.stream, { signal: ctx.signal, onProgress, ...(preamble ? { preamble } : {}) });
    await out.commit();
    return result;
  } catch (err) {
    await out.abort();
    throw out.failure(err);
  }
}

export const dumpCommand = defineCommand<DumpOptions>({
  command: 'dump',
  describe: 'write DUMP DATABASE as Cypher, one statement per line, to stdout or -o FILE (.gz, .zst compress)',
  groups: ['connection'],
  examples: [
    ['mgbackup dump > db.cypherl', 'the whole database to stdout'],
    ['mgbackup dump -o db.cypherl.zst', 'to a file, zstd-compressed, complete or absent'],
    ['mgbackup dump --database tenant1 --header | gzip > t1.cypherl.gz', 'one tenant, with a header line'],
  ],
  builder: (y) => y
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (atomically: temp file, fsync, rename) instead of stdout' })
    .option('compress', { type: 'string', choices: [...COMPRESSIONS], describe: 'compression (default: by the extension of -o, none on stdout)' })
    .option('compress-level', { type: 'string', describe: 'compression level: zstd 1..19 (default 3), gzip 1..9 (default 6)' })
    .option('header', { type: 'boolean', default: false, describe: 'start with a // comment line naming source, version, time and counts' }),
  toOptions: (args, env) => {
    const output = typeof args.output === 'string' && args.output !== '-' ? args.output : undefined;
    if (output === '') throw new UsageError('empty -o/--output', { hints: ['give a file name, or leave -o out to write to stdout'] });
    const compress = args.compress as Compression | undefined;
    if (compress !== undefined && !COMPRESSIONS.includes(compress)) throw new UsageError(`unknown --compress ${q(compress)}`);
    const compression = compress ?? (output === undefined ? 'none' : compressionForPath(output));
    const json = globalOptionsFrom(args).json;
    if (json && output === undefined) {
      throw new UsageError('dump --json needs -o FILE: without it stdout carries the Cypher', { hints: ['write the dump with -o FILE; the summary is then the JSON on stdout'] });
    }
    return {
      connection: connectionFrom(args, env),
      output,
      compression,
      level: levelFlag(args.compressLevel, compression, output === undefined ? 'stdout is not compressed' : `${q(output)} is not compressed`,
        'name the output .zst or .gz, or give --compress zstd|gzip, or drop --compress-level'),
      header: args.header === true,
      json,
    };
  },
  run: runDump,
});
