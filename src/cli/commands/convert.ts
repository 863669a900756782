// `mgbackup convert SNAPSHOT [WAL...] [-o FILE]`: Memgraph durability files -> the Cypher DUMP DATABASE
// would print, offline. Opens the files, picks the sink (stdout, or an atomic file), shows progress;
// the decoding and rendering live in src/core/convert.ts.
import type { S3Settings } from '../../repo/repo-url.js';
import { readKeyFlags, s3Flags } from '../option-groups.js';
import { repoBackend, s3SettingsFrom } from '../repo-access.js';
import { encryptionOptionsFrom, openEncryption, type EncryptionOptions } from '../repo-encryption.js';
import { closeSync, fstatSync, openSync } from 'node:fs';
import * as path from 'node:path';
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError, q } from '../../errors/errors.js';
import { FdSource } from '../../format/index.js';
import { compressionForPath } from '../../io/compression.js';
import { fsError, openAtomicOutput } from '../../io/atomic-output.js';
import { formatRate } from '../../core/dump.js';
import { openPointInTime, type PointInTimeTarget } from '../../core/restore/point-in-time.js';
import { plainInputs } from '../../store/stored-file.js';
import { pointInTimeFrom } from './restore.js';
import { formatBytes } from '../../core/format-bytes.js';
import { convertTo, missingInput, type ConvertFile, type ConvertInput, type ConvertProgress, type ConvertResult } from '../../core/convert.js';

export interface ConvertOptions {
  files: string[];
  /** undefined = stdout. */
  output: string | undefined;
  walOnly: boolean;
  exact: boolean;
  /** Export the graph as of this commit timestamp (--to-ts). */
  toTs: bigint | undefined;
  /** --repo with --to-time/--to-ts: the files come from the repository's timeline (base backup + WAL archive). */
  pointInTime?: { repo: string; s3?: S3Settings; target: PointInTimeTarget; database?: string; encryption?: EncryptionOptions };
  /** The summary as JSON on stdout; only with -o FILE. */
  json: boolean;
}

function openAll(files: string[], cwd: string): { opened: ConvertFile[]; close(): void } {
  const fds: number[] = [];
  const close = () => { for (const fd of fds.splice(0)) closeSync(fd); };
  try {
    const opened = files.map((name) => {
      let fd: number;
      try {
        fd = openSync(path.resolve(cwd, name), 'r');
      } catch (e) {
        throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? missingInput(name, e) : fsError(e, 'open', name);
      }
      fds.push(fd);
      const st = fstatSync(fd);
      if (st.isDirectory()) throw fsError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), 'read', name);
      return { name, source: new FdSource(fd, st.size) };
    });
    return { opened, close };
  } catch (e) {
    close();
    throw e;
  }
}

export async function runConvert(opts: ConvertOptions, ctx: CommandContext): Promise<void> {
  if (opts.pointInTime !== undefined) return convertPointInTime(opts, opts.pointInTime, ctx);
  // A repository file given by path may be compressed (repository format 3): decompressed to a temp file.
  const plain = await plainInputs(opts.files.map((f) => path.resolve(ctx.cwd, f)));
  const { opened, close: closeFds } = openAll(plain.files, ctx.cwd);
  for (const [i, f] of opened.entries()) f.name = opts.files[i]!;
  const close = () => { closeFds(); void plain.close(); };
  try {
    const input: ConvertInput = opts.walOnly
      ? { snapshot: undefined, wals: opened }
      : { snapshot: opened[0], wals: opened.slice(1) };
    const total = opened.reduce((n, f) => n + f.source.size, 0);
    const started = ctx.clock.monotonicMs();
    const step = ctx.reporter.step(`converting ${opts.files.join(' ')} (${formatBytes(total)})`);
    let lastShown = 0;
    const onProgress = (p: ConvertProgress) => {
      const now = ctx.clock.monotonicMs();
      if (now - lastShown < 200) return;
      lastShown = now;
      step.update(`converting: ${p.statements} statements, ${formatRate(p.bytes, now - started)} of cypher`);
    };
    const common = { exact: opts.exact, signal: ctx.signal, onProgress, ...(opts.toTs === undefined ? {} : { toTs: opts.toTs }) };
    let result: ConvertResult;
    try {
      if (opts.output === undefined) {
        result = await convertTo(input, ctx.stdout, common);
      } else {
        const target = path.resolve(ctx.cwd, opts.output);
        const out = await openAtomicOutput(target, compressionForPath(target));
        try {
          result = await convertTo(input, out.stream, common);
          await out.commit();
        } catch (err) {
          await out.abort();
          throw out.failure(err);
        }
      }
    } catch (err) {
      step.fail('convert failed');
      throw err;
    }
    for (const name of result.ignoredWals) ctx.reporter.warn(`ignored ${name}: it belongs to another storage (uuid differs)`);
    const wals = result.mode === 'replay' ? `, ${result.transactions} wal transactions applied` : '';
    const durationMs = ctx.clock.monotonicMs() - started;
    const asOf = result.restoredTs === undefined ? '' : `, as of commit timestamp ${result.restoredTs}`;
    step.succeed(`converted to ${result.statements} statements (${formatRate(result.bytes, durationMs)})${wals}${asOf}${opts.output ? ` in ${opts.output}` : ''}`);
    if (opts.json) {
      ctx.stdout.write(JSON.stringify({
        type: 'convert', output: opts.output ?? null, mode: result.mode, statements: result.statements, bytes: result.bytes,
        transactions: result.transactions, ignoredWals: result.ignoredWals, durationMs: Math.round(durationMs),
      }) + '\n');
    }
  } finally {
    close();
  }
}

/**
 * convert --repo R --to-time T (or --to-ts): the point in time's files, as restore would stage them
 * (core/restore/point-in-time.ts), converted like files given on the command line.
 */
async function convertPointInTime(opts: ConvertOptions, p: NonNullable<ConvertOptions['pointInTime']>, ctx: CommandContext): Promise<void> {
  // An encrypted repository is read through its keys (--identity, the passphrase); a plain one as it is.
  const raw = await repoBackend({ repo: p.repo, s3: p.s3 ?? {} });
  const backend = p.encryption === undefined ? raw : await openEncryption(p.encryption, raw, ctx);
  const pit = await openPointInTime({
    repo: p.repo, backend, ...(p.s3 ? { s3: p.s3 } : {}), target: p.target, now: ctx.clock.now(), signal: ctx.signal, ...(p.database === undefined ? {} : { database: p.database }),
  });
  try {
    for (const w of pit.warnings) ctx.reporter.warn(w);
    const r = pit.pointInTime;
    ctx.reporter.info(`point in time: commit ${r.ts}${r.at === undefined ? '' : `, durable by ${r.at}`}, from backup ${r.baseBackup}`);
    await runConvert({
      ...opts, pointInTime: undefined, walOnly: false, toTs: BigInt(r.ts), files: pit.files.map((f) => path.join(pit.dir, f.path)),
    }, ctx);
  } finally {
    await pit.close();
  }
}

/** --to-ts: a commit timestamp is an unsigned 64-bit integer (kept exact as a bigint). */
export function parseCommitTimestamp(value: unknown): bigint | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    throw new UsageError(`--to-ts ${q(value)} is not a commit timestamp`, {
      hints: ['give a whole number such as 812: the timestamps of wal files show in their names (_from_<ts>_to_<ts>) and in "mgbackup inspect"'],
    });
  }
  return BigInt(text);
}

export const convertCommand = defineCommand<ConvertOptions>({
  command: 'convert [files..]',
  describe: 'turn a Memgraph snapshot (plus WAL files) into the Cypher DUMP DATABASE prints, without a server',
  examples: [
    ['mgbackup convert SNAP > db.cypherl', 'a snapshot as Cypher on stdout'],
    ['mgbackup convert SNAP wal/* -o db.cypherl.zst', 'snapshot plus WAL files, compressed'],
    ['mgbackup convert --wal-only wal/* -o db.cypherl', 'a WAL chain without a snapshot'],
  ],
  builder: (y) => readKeyFlags(s3Flags(y
    .positional('files', { type: 'string', array: true, describe: 'SNAPSHOT [WAL...], or WAL... with --wal-only', default: undefined })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (atomically: temp file, fsync, rename) instead of stdout' })
    .option('wal-only', { type: 'boolean', default: false, describe: 'the files are a WAL chain without a snapshot (must start at sequence 0)' })
    .option('exact', { type: 'boolean', default: false, describe: 'keep values exactly (3.0 stays 3.0, inf/nan as divisions) where DUMP loses them' })
    .option('to-ts', { type: 'string', describe: 'the graph as of this commit timestamp: the last transaction committed at or before it (the WAL chain is cut there)' })
    .option('repo', { type: 'string', describe: 'with --to-time/--to-ts and no files: take the base backup and archived WAL from this repository, a folder or s3://BUCKET/PREFIX (env MGBACKUP_REPO)' })))
    .option('to-time', { type: 'string', describe: 'with --repo: the graph as of this ISO time, e.g. 2026-12-02T10:41:00Z (never a commit made after it)' })
    .option('database', { type: 'string', describe: 'with --repo: the database whose backups to use (default memgraph)' }),
  toOptions: (args, env) => {
    const output = typeof args.output === 'string' ? args.output : undefined;
    if (output === '') throw new UsageError('empty -o/--output', { hints: ['give a file name, or leave -o out to write to stdout'] });
    const json = globalOptionsFrom(args).json;
    if (json && output === undefined) {
      throw new UsageError('convert --json needs -o FILE: without it stdout carries the Cypher', { hints: ['write the Cypher with -o FILE; the summary is then the JSON on stdout'] });
    }
    // yargs gives an absent variadic positional as [null] (`default: undefined` with array): no files.
    const files = ((args.files as unknown[] | undefined) ?? []).filter((f) => f !== null && f !== undefined).map(String);
    const repo = typeof args.repo === 'string' && args.repo !== '' ? args.repo : env.MGBACKUP_REPO || undefined;
    if (files.length === 0 || args.toTime !== undefined || (args.repo !== undefined && args.toTs !== undefined)) {
      if (files.length > 0) throw new UsageError('give files or --repo with --to-time/--to-ts, not both');
      if (args.walOnly === true) throw new UsageError('--wal-only applies to files given on the command line');
      const target = pointInTimeFrom(args);
      if (target === undefined) throw new UsageError('convert needs files (SNAPSHOT [WAL...]), or --repo R with --to-time or --to-ts');
      if (repo === undefined) throw new UsageError(`${target.kind === 'time' ? '--to-time' : '--to-ts'} without files needs --repo`);
      return {
        json, files, output, walOnly: false, exact: args.exact === true, toTs: undefined,
        pointInTime: {
          repo, s3: s3SettingsFrom(args), target, encryption: encryptionOptionsFrom(args, env),
          ...(typeof args.database === 'string' ? { database: args.database } : {}),
        },
      };
    }
    if (args.identity !== undefined || args.passphraseFile !== undefined) {
      throw new UsageError(`${args.identity !== undefined ? '--identity' : '--passphrase-file'} applies to --repo with --to-time/--to-ts, not to files`, {
        hints: ['files given on the command line are read as they are: decrypt them first (age -d -i KEY FILE > plain)'],
      });
    }
    return {
      json,
      files,
      output,
      walOnly: args.walOnly === true,
      exact: args.exact === true,
      toTs: parseCommitTimestamp(args.toTs),
    };
  },
  run: runConvert,
});
