// `mgbackup verify <backup>`: re-hash every file and re-read every header; integrity exit on mismatch.
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../../core/backup/create.js';
import { verifyBackup } from '../../core/backup/verify.js';
import { BackupStore } from '../../store/backup-store.js';
import { repoFlag, repoFrom } from './create.js';

export interface VerifyOptions {
  repo: string;
  backup: string;
  json: boolean;
}

export async function runVerify(opts: VerifyOptions, ctx: CommandContext): Promise<void> {
  const store = await BackupStore.open(opts.repo, { create: false });
  const r = await verifyBackup(store, opts.backup, { reporter: ctx.reporter, signal: ctx.signal });
  ctx.stdout.write(opts.json
    ? JSON.stringify({ type: 'verify', ...r }) + '\n'
    : `backup ${r.id}: ok (${r.files.length} files, ${formatBytes(r.bytes)}, sha256 and headers match the manifest)\n`);
}

export const verifyCommand = defineCommand<VerifyOptions>({
  command: 'verify <backup>',
  describe: 'check every file of a backup against its manifest (id, short id, or "latest")',
  builder: (y) => repoFlag(y).positional('backup', { type: 'string', describe: 'backup id, its short id, or latest' }),
  toOptions: (args, env) => ({ repo: repoFrom(args, env), backup: String(args.backup), json: globalOptionsFrom(args).json }),
  run: runVerify,
});
