// `mgbackup inspect FILE...`: describe Memgraph snapshot/WAL files offline (no server needed).
import { closeSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { MgBackupError, q } from '../../errors/errors.js';
import { FdSource } from '../../format/index.js';
import { inspectSource, renderInspectText } from '../../core/inspect.js';

export interface InspectOptions {
  files: string[];
  json: boolean;
}

function openSource(file: string): { source: FdSource; close(): void } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot open ${q(file)}: ${code ?? String(e)}`, { cause: e });
  }
  return { source: new FdSource(fd, fstatSync(fd).size), close: () => closeSync(fd) };
}

export async function runInspect(opts: InspectOptions, ctx: CommandContext): Promise<void> {
  for (const file of opts.files) {
    const { source, close } = openSource(path.resolve(ctx.cwd, file));
    try {
      const report = inspectSource(file, source);
      ctx.stdout.write(opts.json
        ? JSON.stringify({ type: 'inspect', ...report }) + '\n'
        : renderInspectText(report) + (opts.files.length > 1 ? '\n' : ''));
    } finally {
      close();
    }
  }
}

export const inspectCommand = defineCommand<InspectOptions>({
  command: 'inspect <files..>',
  describe: 'describe Memgraph snapshot or WAL files: version, releases, uuid, timestamps, counts, schema, checksums',
  builder: (y) => y.positional('files', { type: 'string', array: true, describe: 'snapshot or WAL files' }),
  toOptions: (args) => ({ files: (args.files as unknown[]).map(String), json: globalOptionsFrom(args).json }),
  run: runInspect,
});
