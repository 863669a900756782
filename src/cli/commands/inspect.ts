// `mgbackup inspect FILE...`: describe Memgraph snapshot/WAL files offline (no server needed).
import path from 'node:path';
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { MgBackupError, q } from '../../errors/errors.js';
import { FdSource } from '../../format/byte-source.js';
import { plainInputs } from '../../store/stored-file.js';
import { inspectSource, renderInspectText } from '../../core/inspect.js';

// node:fs through getBuiltinModule, not an ESM import: the first ESM import of node:fs evaluates every
// export, ReadStream's stream modules included (~5 ms of each start-up; issue 14, scripts/bench/startup.ts).
const { closeSync, fstatSync, openSync } = process.getBuiltinModule('node:fs');

export interface InspectOptions {
  files: string[];
  json: boolean;
}

/** `file` as the operator typed it (for messages), `at` resolved against the working directory. */
function openSource(file: string, at: string): { source: FdSource; close(): void } {
  let fd: number;
  try {
    fd = openSync(at, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot open ${q(file)}: ${code ?? String(e)}`, { cause: e });
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    throw new MgBackupError('io', `cannot read ${q(file)}: it is a directory`, {
      hints: ['inspect takes snapshot or wal files: name the files inside it (e.g. DIR/snapshots/* DIR/wal/*)'],
    });
  }
  return { source: new FdSource(fd, st.size), close: () => closeSync(fd) };
}

/**
 * Every file is described, also after one fails: each failure is reported naming its file, and the
 * exit code is the first failure's.
 */
export async function runInspect(opts: InspectOptions, ctx: CommandContext): Promise<void> {
  const failed: { file: string; err: MgBackupError }[] = [];
  for (const file of opts.files) {
    try {
      // A compressed repository file (repository format 3) is decompressed to a temp file first.
      const plain = await plainInputs([path.resolve(ctx.cwd, file)]);
      let opened;
      try {
        opened = openSource(file, plain.files[0]!);
      } catch (err) {
        await plain.close();
        throw err;
      }
      const { source } = opened;
      const close = () => { opened.close(); void plain.close(); };
      try {
        const report = await inspectSource(file, source);
        ctx.stdout.write(opts.json
          ? JSON.stringify({ type: 'inspect', ...report }) + '\n'
          : renderInspectText(report) + (opts.files.length > 1 ? '\n' : ''));
      } catch (err) {
        if (!(err instanceof MgBackupError)) throw err;
        // Decode errors of the WAL reader already name the file; others get its name here.
        if (err.message.startsWith(`${q(file)}: `)) throw err;
        throw new MgBackupError(err.kind, `${q(file)}: ${err.message}`, { hints: err.hints, details: err.details, cause: err });
      } finally {
        close();
      }
    } catch (err) {
      if (!(err instanceof MgBackupError) || opts.files.length === 1) throw err;
      ctx.reporter.warn(err.message);
      failed.push({ file, err });
    }
  }
  if (failed.length > 0) {
    const first = failed[0]!.err;
    throw new MgBackupError(first.kind, `${failed.length} of ${opts.files.length} files could not be inspected: ${failed.map((f) => q(f.file)).join(', ')}`, {
      hints: first.hints,
    });
  }
}

export const inspectCommand = defineCommand<InspectOptions>({
  command: 'inspect <files..>',
  describe: 'describe Memgraph snapshot or WAL files: version, releases, uuid, timestamps, counts, schema, checksums',
  examples: [
    ['mgbackup inspect /var/lib/memgraph/snapshots/*', 'every snapshot of a data directory'],
    ['mgbackup inspect --json wal/* | jq .sequenceNumber', 'one JSON object per file'],
  ],
  builder: (y) => y.positional('files', { type: 'string', array: true, describe: 'snapshot or WAL files', default: undefined }),
  toOptions: (args) => ({ files: (args.files as unknown[]).map(String), json: globalOptionsFrom(args).json }),
  run: runInspect,
});
