// `mgbackup pin <backup>` / `mgbackup unpin <backup>`: flags -> PinOptions -> setPinned (core/forget/pin.ts).
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { defineCommand, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import { setPinned } from '../../core/forget/pin.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { RETENTION_SCOPE, openStore, s3SettingsFrom, withRepo } from '../repo-access.js';
import { repoFrom } from './create.js';

export interface PinOptions {
  repo: string;
  s3: S3Settings;
  encryption: EncryptionOptions;
  backup: string;
  pinned: boolean;
  json: boolean;
}

const toOptions = (pinned: boolean) => (args: Args, env: NodeJS.ProcessEnv): PinOptions => ({
  repo: repoFrom(args, env), s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env), backup: String(args.backup), pinned, json: globalOptionsFrom(args).json,
});

export async function runPin(opts: PinOptions, ctx: CommandContext): Promise<void> {
  const store = await openStore(opts, { create: false }, ctx);
  await store.close();
  const r = await withRepo(store.backend, { mode: 'shared', command: opts.pinned ? 'pin' : 'unpin', write: true, scope: RETENTION_SCOPE }, ctx,
    (access) => setPinned(access.backend, opts.backup, opts.pinned));
  const state = r.pinned ? 'pinned' : 'not pinned';
  ctx.stdout.write(opts.json ? JSON.stringify({ type: opts.pinned ? 'pin' : 'unpin', ...r }) + '\n'
    : `backup ${r.id}: ${r.changed ? state : `already ${state}`}${r.pinned ? ' (forget keeps it whatever the policy)' : ''}\n`);
}

export const pinCommand = defineCommand<PinOptions>({
  command: 'pin <backup>',
  describe: 'protect a backup from forget (id, short id, or "latest")',
  groups: ['repository'],
  examples: [
    ['mgbackup pin --repo /backups/mg latest', 'keep the newest backup whatever forget\'s policy says'],
  ],
  builder: (y) => y
    .positional('backup', { type: 'string', describe: 'backup id, its short id, or latest' }),
  toOptions: toOptions(true),
  run: runPin,
});

export const unpinCommand = defineCommand<PinOptions>({
  command: 'unpin <backup>',
  describe: 'let forget\'s policy decide about a pinned backup again',
  groups: ['repository'],
  examples: [
    ['mgbackup unpin --repo /backups/mg 20261203T062000Z-1a2b3c4d', 'the next forget treats it like any other backup'],
  ],
  builder: (y) => y
    .positional('backup', { type: 'string', describe: 'backup id, its short id, or latest' }),
  toOptions: toOptions(false),
  run: runPin,
});
