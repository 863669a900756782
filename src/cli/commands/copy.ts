// `mgbackup copy --from R1 --to R2 [backups..|--all]`: flags -> CopyOptions -> runCopy. Either side is
// a folder or s3://bucket/prefix (S3 endpoint and keys from the AWS_* environment, as for --repo).
// The source is read under a shared lock and never written; the target is written under a shared
// lock after its format marker is ensured, like any writer. The copying is src/core/copy/copy.ts.
import { defineCommand, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import { checkDistinct, runCopyCore, type CopyResult } from '../../core/copy/copy.js';
import { formatBytes } from '../../core/format-bytes.js';
import { UsageError, q } from '../../errors/errors.js';
import { openRepo, type S3Settings } from '../../repo/repo-url.js';
import { readRepoFormat } from '../../repo/repository.js';
import { MgBackupError } from '../../errors/errors.js';
import { s3SettingsFrom, withRepo } from '../repo-access.js';
import { encryptionOptionsFrom, openEncryption, type EncryptionOptions } from '../repo-encryption.js';
import { EncryptedBackend } from '../../repo/encrypted-backend.js';
import type { RepoBackend } from '../../repo/repo-backend.js';

export interface CopyOptions {
  from: string;
  to: string;
  backups: string[];
  all: boolean;
  s3: S3Settings;
  /** The repository group's key flags; the source is opened with the reading keys only (see sourceKeys). */
  encryption: EncryptionOptions;
  json: boolean;
}

function toCopyOptions(args: Args, env: NodeJS.ProcessEnv): CopyOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const repo = str(args.repo);
  const fromFlag = str(args.from);
  if (repo !== undefined && fromFlag !== undefined) {
    throw new UsageError('the source is given twice: with --from and with --repo', { hints: ['give it with --from only'] });
  }
  const from = fromFlag ?? repo ?? str(env.MGBACKUP_REPO);
  if (from === undefined) throw new UsageError('no source repository given', { hints: ['pass --from DIR|s3://BUCKET/PREFIX (or --repo, MGBACKUP_REPO)'] });
  const to = str(args.to);
  if (to === undefined) throw new UsageError('no target repository given', { hints: ['pass --to DIR|s3://BUCKET/PREFIX'] });
  // Without positionals yargs may give [undefined] (the positional has no default, to keep "[default: []]" off the help).
  const backups = (Array.isArray(args.backups) ? args.backups : []).filter((v) => v !== undefined && v !== '').map(String);
  const all = args.all === true;
  if (all && backups.length > 0) throw new UsageError(`--all and backup ids ${q(backups.join(' '))} are given together`, { hints: ['give either backup ids or --all'] });
  if (!all && backups.length === 0) throw new UsageError('no backups named', { hints: ['name backups (id, short id, latest) or give --all for every backup and the whole WAL archive'] });
  // The S3 flags of the repository option group, for both sides; unset ones: the AWS_* environment.
  const s3 = s3SettingsFrom(args);
  return { from, to, backups, all, s3, encryption: encryptionOptionsFrom(args, env), json: globalOptionsFrom(args).json };
}

/**
 * The keys that open the source: identities and the passphrase. --encrypt and the recipients describe
 * the target (they create it encrypted, or must match its recipients), never the source.
 */
function sourceKeys(e: EncryptionOptions): EncryptionOptions {
  return { ...e, encrypt: false, recipients: [], recipientsFiles: [] };
}

/**
 * Opens both repositories, takes their locks and copies; shared by `copy` and `create --copy-to`. Each
 * side goes through its own encryption: objects are read (and authenticated) with the source's keys
 * and written encrypted to the target's recipients, so a copy between repositories with different
 * keys gives a target every object of which its own key opens.
 */
export async function copyBetween(opts: Pick<CopyOptions, 'from' | 'to' | 'backups' | 'all' | 's3' | 'encryption'>, ctx: CommandContext)
  : Promise<{ result: CopyResult; from: string; to: string }> {
  const rawFrom = await openRepo(opts.from, opts.s3);
  const rawTo = await openRepo(opts.to, opts.s3);
  checkDistinct(rawFrom, rawTo);
  // A source with nothing in it at all is most likely a mistyped --from, not an empty repository.
  const format = await readRepoFormat(rawFrom);
  if (format.version === 1 && format.empty) {
    throw new MgBackupError('notFound', `no backup repository at ${q(rawFrom.location)}`, { hints: ['check --from (or --repo, MGBACKUP_REPO)'] });
  }
  const from: RepoBackend = await openEncryption(sourceKeys(opts.encryption), rawFrom, ctx);
  const to: RepoBackend = await openEncryption(opts.encryption, rawTo, ctx);
  if (from instanceof EncryptedBackend && !(to instanceof EncryptedBackend)) {
    ctx.reporter.warn(`repository ${q(from.location)} is encrypted and ${q(to.location)} is not: the copies there are readable without a key`);
  }
  // Objects are copied in the form they are stored in (compressed or not; an encrypted side is read or
  // written through its decorator). A source at format 3 may hold compressed objects, so the target
  // is raised to 3 too, before the first object lands there.
  const need = format.version !== 1 && format.marker.formatVersion >= 3 ? 3 : 2;
  const result = await withRepo(from, { mode: 'shared', command: 'copy', write: false }, ctx, () =>
    withRepo(to, { mode: 'shared', command: 'copy', write: true, need }, ctx, () =>
      runCopyCore({ refs: opts.backups, all: opts.all, signal: ctx.signal }, { from, to, reporter: ctx.reporter })));
  return { result, from: from.location, to: to.location };
}

export async function runCopy(opts: CopyOptions, ctx: CommandContext): Promise<void> {
  const started = ctx.clock.now().getTime();
  const { result, from, to } = await copyBetween(opts, ctx);
  ctx.recordMetrics?.({ bytes: result.total.bytes, files: result.total.copied });
  const totalMs = ctx.clock.now().getTime() - started;
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({
      type: 'copy', from, to, backups: result.backups, archive: result.archive,
      copied: result.total.copied, skipped: result.total.skipped, bytes: result.total.bytes, totalMs,
    }) + '\n');
  } else if (!ctx.quiet) ctx.stdout.write(renderCopyText(result, to));
}

/**
 * `create --copy-to R2`: the backup just taken, and the archived WAL it needs, into R2. A failure here
 * leaves the backup in --repo as it is; the error says so and how to ship it later.
 */
export async function copyAfterCreate(
  repo: string, copyTo: string, id: string, keys: Pick<CopyOptions, 's3' | 'encryption'>, ctx: CommandContext,
): Promise<{ to: string; copied: number; skipped: number; bytes: number }> {
  try {
    const { result, to } = await copyBetween({ from: repo, to: copyTo, backups: [id], all: false, ...keys }, ctx);
    return { to, ...result.total };
  } catch (err) {
    if (err instanceof MgBackupError) {
      err.hints.push(`backup ${id} is in ${q(repo)}; \`mgbackup copy --from ${repo} --to ${copyTo} ${id}\` ships it once the problem is fixed`);
    }
    throw err;
  }
}

export function renderCopyText(r: CopyResult, to: string): string {
  const lines = r.backups.map((b) => b.action === 'copied'
    ? `copied ${b.id}: ${b.copied} file(s), ${formatBytes(b.bytes)}${b.skipped > 0 ? ` (${b.skipped} already there)` : ''}`
    : b.action === 'present' ? `${b.id}: already in ${to}` : `${b.id}: forgotten in ${to}, not copied again`);
  if (r.archive.copied + r.archive.skipped > 0) {
    lines.push(`wal archive: ${r.archive.copied} file(s) copied, ${formatBytes(r.archive.bytes)}, ${r.archive.skipped} already there`);
  }
  lines.push(`${r.total.copied} file(s) copied (${formatBytes(r.total.bytes)}), ${r.total.skipped} already in ${to}`);
  return lines.join('\n') + '\n';
}

export const copyCommand = defineCommand<CopyOptions>({
  command: 'copy [backups..]',
  describe: 'copy backups (or with --all every backup and the WAL archive) into another repository, local or S3, skipping what is there',
  groups: ['repository', 'metrics'],
  examples: [
    ['mgbackup copy --from /backups/mg --to s3://offsite/mg --all', 'ship every backup and the WAL archive off-site (only what is new)'],
    ['mgbackup copy --from /backups/mg --to s3://offsite/mg latest', 'just the newest backup and the WAL it needs'],
    ['mgbackup copy --from s3://offsite/mg --to /restore/mg 20261203T062000Z-1a2b3c4d', 'bring a backup back to restore it here'],
  ],
  builder: (y) => y
    .positional('backups', { type: 'string', array: true, describe: 'backup ids, short ids, or latest', default: undefined })
    .option('from', { type: 'string', describe: 'the repository to copy from: a folder or s3://BUCKET/PREFIX (default: --repo)' })
    .option('to', { type: 'string', describe: 'the repository to copy into: a folder or s3://BUCKET/PREFIX (made when missing)' })
    .option('all', { type: 'boolean', describe: 'every backup (forgotten ones excepted) and the whole WAL archive' }),
  toOptions: toCopyOptions,
  run: runCopy,
});
