// `mgbackup forget`: flags -> ForgetOptions -> runForget (src/core/forget/forget.ts), and its report.
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../../core/backup/create.js';
import { cleanRemoteRepository, cleanRepository, type Leftover } from '../../core/backup/leftovers.js';
import { runForget, type ForgetResult } from '../../core/forget/forget.js';
import { hasKeepRule, parseDuration, UNLIMITED, type Duration, type RetentionPolicy } from '../../core/forget/policy.js';
import { UsageError, q } from '../../errors/errors.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { OWNER_SUFFIX, STAGING_DIR } from '../../store/backup-store.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { LOCAL_TMP_DIR } from '../../repo/local-backend.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { readRepoFormat } from '../../repo/repository.js';
import { describeOwner, describeState, isGone, ownerState, parseOwner } from '../../core/backup/run-owner.js';
import { openStore, RETENTION_SCOPE, s3SettingsFrom, withRepo } from '../repo-access.js';
import { repoFrom } from './create.js';

export interface ForgetOptions {
  repo: string;
  s3: S3Settings;
  encryption: EncryptionOptions;
  policy: RetentionPolicy;
  prune: boolean;
  keepWalWithin?: Duration;
  dryRun: boolean;
  json: boolean;
}

const COUNTS = [['keep-last', 'last'], ['keep-hourly', 'hourly'], ['keep-daily', 'daily'], ['keep-weekly', 'weekly'],
  ['keep-monthly', 'monthly'], ['keep-yearly', 'yearly']] as const;

function count(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  if (text === 'unlimited') return UNLIMITED;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} ${q(text)} is not a whole number`, { hints: [`give a count such as --${flag} 7, or "unlimited"`] });
  return Number(text);
}

function toForgetOptions(args: Args, env: NodeJS.ProcessEnv): ForgetOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const policy: RetentionPolicy = {};
  for (const [flag, key] of COUNTS) {
    const n = count(flag, args[flag]);
    if (n !== undefined) policy[key] = n;
  }
  const within = str(args.keepWithin);
  if (within !== undefined) policy.within = parseDuration(within, '--keep-within');
  const tags = list(args.keepTag);
  if (tags.length > 0) policy.tags = tags;
  if (!hasKeepRule(policy)) {
    throw new UsageError('forget needs at least one keep option', {
      hints: ['e.g. --keep-last 7, or --keep-daily 7 --keep-weekly 4 --keep-monthly 12; forget never deletes everything by default'],
    });
  }
  const walWithin = str(args.keepWalWithin);
  if (walWithin !== undefined && args.prune !== true) {
    throw new UsageError('--keep-wal-within applies to --prune, and none was given', { hints: ['add --prune: the WAL archive is only thinned by a prune'] });
  }
  return {
    repo: repoFrom(args, env), s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env), policy, prune: args.prune === true,
    ...(walWithin !== undefined ? { keepWalWithin: parseDuration(walWithin, '--keep-wal-within') } : {}),
    dryRun: args.dryRun === true, json: globalOptionsFrom(args).json,
  };
}

/** Fault-test hook: MGBACKUP_PAUSE_AT_STEP="unlisted *" stops the process (SIGSTOP) at that step. */
export function pauseHook(step: string | undefined): { onStep?: (s: string) => void } {
  if (step === undefined || step === '') return {};
  return { onStep: (s) => { if (s === step || (step.endsWith('*') && s.startsWith(step.slice(0, -1)))) process.kill(process.pid, 'SIGSTOP'); } };
}

/** What a prune would remove from `.staging/`: the folders whose run is provably gone (leftovers.ts rule). */
async function stagingDryRun(root: string, now: Date): Promise<Leftover[]> {
  const dir = path.join(root, STAGING_DIR);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const out: Leftover[] = [];
  for (const id of names.filter((n) => !n.endsWith(OWNER_SUFFIX) && !n.includes('.tmp-')).sort()) {
    const owner = parseOwner(await fsp.readFile(path.join(dir, id + OWNER_SUFFIX), 'utf8').catch(() => undefined));
    if (owner === undefined) continue;
    const state = ownerState(owner, systemProcessProbe, now);
    // The same record cleanRepository returns, so that a dry run reports exactly what a prune then does.
    if (isGone(state)) out.push({ where: 'repository', path: `${STAGING_DIR}/${id}`, action: 'removed', reason: `left by ${describeOwner(owner)}, ${describeState(state)}`, owner });
  }
  return out;
}

/**
 * Puts interrupted by a kill leave their temp file in `.tmp/` (local-backend.ts). Under the exclusive
 * lock nobody else writes, except a holder trying to take its lock at this very moment: so only files
 * older than an hour go, which no put in progress can be.
 */
async function cleanTmp(root: string, now: Date, dryRun: boolean): Promise<Leftover[]> {
  const dir = path.join(root, LOCAL_TMP_DIR);
  const out: Leftover[] = [];
  for (const name of (await fsp.readdir(dir).catch(() => [] as string[])).sort()) {
    const st = await fsp.stat(path.join(dir, name)).catch(() => undefined);
    if (st === undefined || !st.isFile() || now.getTime() - st.mtimeMs < 3_600_000) continue;
    if (!dryRun) await fsp.rm(path.join(dir, name), { force: true });
    out.push({ where: 'repository', path: `${LOCAL_TMP_DIR}/${name}`, action: 'removed', reason: 'the temp file of an interrupted write, untouched for over an hour' });
  }
  return out;
}

/**
 * A killed upload leaves its multipart parts on the server: invisible, but stored and billed. A prune
 * holds the exclusive lock, so no upload of a live run can be among them: every one goes.
 */
async function abortMultipart(backend: RepoBackend, dryRun: boolean): Promise<Leftover[]> {
  const s3 = backend as RepoBackend & { cleanupIncomplete?: (olderThanMs?: number) => Promise<number> };
  if (dryRun || typeof s3.cleanupIncomplete !== 'function') return [];
  const n = await s3.cleanupIncomplete(0);
  return n === 0 ? [] : [{ where: 'repository', path: 'multipart uploads', action: 'removed', reason: `${n} incomplete multipart upload(s) of interrupted runs aborted` }];
}

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '');

export function renderForgetText(r: ForgetResult): string {
  const would = r.dryRun ? 'would ' : '';
  const lines: string[] = [];
  const width = Math.max(0, ...r.backups.map((b) => b.database.length));
  for (const b of r.backups) {
    lines.push(`${b.keep ? 'keep  ' : 'forget'}  ${b.id}  ${when(b.createdAt)}  ${b.database.padEnd(width)}  ${b.keep ? b.reasons.join(', ') : ''}`.trimEnd());
  }
  const kept = r.backups.filter((b) => b.keep).length;
  lines.push(`${kept} backup(s) kept, ${r.forgotten.length} ${r.dryRun ? 'to forget' : 'forgotten'}`);
  if (r.pruned) {
    const p = r.pruned;
    for (const b of p.backups) lines.push(`${would}delete backup ${b.id} (${formatBytes(b.bytes)})`);
    for (const run of p.wal.deleted) {
      lines.push(`${would}delete archived WAL archive/${run.uuid}/${run.first}${run.files > 1 ? ` .. ${run.last}` : ''} (${run.files} file(s), ${formatBytes(run.bytes)})`);
    }
    for (const s of p.wal.storages) lines.push(`archive/${s.uuid}: ${s.kept} WAL file(s) kept (${formatBytes(s.keptBytes)}): ${s.reason}`);
    for (const d of p.wal.debris) lines.push(`${would}delete debris ${d.key}: ${d.why}`);
    for (const s of p.staging) lines.push(`${s.action === 'removed' ? `${would}delete` : 'keep'} ${s.path}: ${s.reason}`);
    const walFiles = p.wal.deleted.reduce((n, x) => n + x.files, 0);
    const bytes = p.backups.reduce((n, b) => n + b.bytes, 0) + p.wal.deleted.reduce((n, x) => n + x.bytes, 0) + p.wal.debris.reduce((n, d) => n + d.size, 0);
    lines.push(`${r.dryRun ? 'prune would delete' : 'pruned'} ${p.backups.length} backup(s), ${walFiles} archived WAL file(s), ${p.wal.debris.length} debris object(s): ${formatBytes(bytes)}`);
  }
  if (r.dryRun) lines.push('dry run: nothing was changed');
  return lines.join('\n') + '\n';
}

export async function runForgetCommand(opts: ForgetOptions, ctx: CommandContext): Promise<void> {
  const store = await openStore(opts, { create: false }, ctx);
  await store.close();
  const onStep = pauseHook(ctx.env.MGBACKUP_PAUSE_AT_STEP);
  const cleanStaging = async (dryRun: boolean) => store.remote
    ? [...await cleanRemoteRepository(store.backend, systemProcessProbe, ctx.clock.now(), dryRun), ...await abortMultipart(store.backend, dryRun)]
    : [
      ...(dryRun ? await stagingDryRun(store.root, ctx.clock.now()) : await cleanRepository(store.root, systemProcessProbe, ctx.clock.now())),
      ...(await cleanTmp(store.root, ctx.clock.now(), dryRun)),
    ];
  const run = (backend: RepoBackend = store.backend) => runForget(
    { policy: opts.policy, prune: opts.prune, dryRun: opts.dryRun, ...(opts.keepWalWithin ? { keepWalWithin: opts.keepWalWithin } : {}) },
    { backend, clock: ctx.clock, warn: (m) => ctx.reporter.warn(m), cleanStaging, ...onStep },
  );
  // A dry run takes no lock and writes nothing, but a repository of a newer format is refused all the same.
  const result = opts.dryRun
    ? await readRepoFormat(store.backend).then(() => run())
    : await withRepo(store.backend, { mode: opts.prune ? 'exclusive' : 'shared', command: opts.prune ? 'forget --prune' : 'forget', write: true, scope: RETENTION_SCOPE }, ctx,
      (access) => run(access.backend));
  ctx.stdout.write(opts.json ? JSON.stringify({ type: 'forget', ...result }) + '\n' : renderForgetText(result));
}

function keepFlags(y: Argv): Argv {
  return y
    .option('keep-last', { type: 'string', describe: 'keep the N newest backups' })
    .option('keep-hourly', { type: 'string', describe: 'keep the newest backup of each of the last N hours that have one (UTC)' })
    .option('keep-daily', { type: 'string', describe: 'keep the newest backup of each of the last N days that have one (UTC)' })
    .option('keep-weekly', { type: 'string', describe: 'keep the newest backup of each of the last N ISO weeks that have one (UTC)' })
    .option('keep-monthly', { type: 'string', describe: 'keep the newest backup of each of the last N months that have one (UTC)' })
    .option('keep-yearly', { type: 'string', describe: 'keep the newest backup of each of the last N years that have one (UTC)' })
    .option('keep-within', { type: 'string', describe: 'keep backups newer than DURATION before the newest one (e.g. 7d, 36h, 1y6m)' })
    .option('keep-tag', { type: 'string', array: true, describe: 'keep backups with this tag (repeatable)' })
    .option('prune', { type: 'boolean', describe: 'also delete forgotten backups\' files, archived WAL no kept backup needs, and debris (exclusive lock)' })
    .option('keep-wal-within', { type: 'string', describe: 'with --prune: keep archived WAL of the last DURATION (the point-in-time window) and its base backup' })
    .option('dry-run', { type: 'boolean', describe: 'print exactly what would be forgotten and deleted, and change nothing' });
}

export const forgetCommand = defineCommand<ForgetOptions>({
  command: 'forget',
  describe: 'forget backups by a retention policy (--keep-*), and with --prune delete their files and unneeded archived WAL',
  groups: ['repository'],
  examples: [
    ['mgbackup forget --repo /backups/mg --keep-daily 7 --keep-weekly 4 --dry-run', 'show what a week of dailies and a month of weeklies would keep'],
    ['mgbackup forget --repo /backups/mg --keep-last 3 --keep-wal-within 7d --prune', 'keep 3 backups and a 7-day restore window, delete the rest'],
    ['mgbackup forget --repo /backups/mg --keep-tag release --keep-monthly 12 --prune --json', 'keep tagged releases and a year of monthlies; the report as JSON'],
  ],
  builder: (y) => keepFlags(y),
  toOptions: toForgetOptions,
  run: runForgetCommand,
});
