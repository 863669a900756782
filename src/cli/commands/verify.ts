// `mgbackup verify <backup>`: re-hash every file and re-read every header; integrity exit on mismatch.
// `verify --all`: every backup, the WAL archive and the restore windows (core/backup/verify-all.ts).
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../../core/backup/create.js';
import { verifyBackup } from '../../core/backup/verify.js';
import type { BackupStore } from '../../store/backup-store.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { repoFrom } from './create.js';
import { deepCheckWithArchive, verifyAll, verifyAllError } from '../../core/backup/verify-all.js';
import { UsageError, q } from '../../errors/errors.js';
import { cleanStore, describeLeftover } from '../../core/backup/leftovers.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { openStore, s3SettingsFrom, withRepo } from '../repo-access.js';

export interface VerifyOptions {
  repo: string;
  s3: S3Settings;
  encryption?: EncryptionOptions;
  /** undefined with --all. */
  backup: string | undefined;
  all: boolean;
  deep: boolean;
  json: boolean;
}

export async function runVerify(opts: VerifyOptions, ctx: CommandContext): Promise<void> {
  const store = await openStore(opts, { create: false }, ctx);
  try {
    await withRepo(store.backend, { mode: 'shared', command: 'verify', write: false }, ctx, () => verifyLocked(store, opts, ctx));
  } finally {
    await store.close();
  }
}

async function verifyLocked(store: BackupStore, opts: VerifyOptions, ctx: CommandContext): Promise<void> {
  const leftovers = await cleanStore(store, systemProcessProbe, ctx.clock.now());
  for (const l of leftovers) ctx.reporter.warn(describeLeftover(l));
  if (opts.all) return runVerifyAll(opts, store, ctx, leftovers);
  // The database label is known once the manifest is read: a damaged backup's metrics carry it too.
  const manifest = await store.resolve(opts.backup!).then((b) => b.manifest, () => undefined);
  if (manifest) ctx.recordMetrics?.({ database: manifest.database.name });
  const r = await verifyBackup(store, opts.backup!, { reporter: ctx.reporter, signal: ctx.signal });
  ctx.recordMetrics?.({ bytes: r.bytes, files: r.files.length });
  let deep;
  if (opts.deep) {
    const step = ctx.reporter.step(`decoding ${r.id}`);
    deep = await deepCheckWithArchive(await store.fetch(await store.resolve(r.id), ctx.signal), store.backend);
    step.succeed(`decoded ${r.id}`);
    for (const note of deep.notes) ctx.reporter.warn(note);
  }
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ type: 'verify', ...r, ...(deep ? { deep } : {}), leftovers }) + '\n');
    return;
  }
  if (ctx.quiet) return;
  ctx.stdout.write(`backup ${r.id}: ok (${r.files.length} files, ${formatBytes(r.bytes)}, sha256 and headers match the manifest)\n`);
  if (deep) {
    ctx.stdout.write(`backup ${r.id}: decodes (recovery yields ${deep.decoded.vertices} vertices, ${deep.decoded.edges} edges, `
      + `${deep.decoded.walTransactions} wal transactions replayed)\n`);
  }
}

async function runVerifyAll(opts: VerifyOptions, store: BackupStore, ctx: CommandContext, leftovers: unknown[]): Promise<void> {
  const r = await verifyAll({ store, backend: store.backend, reporter: ctx.reporter, signal: ctx.signal, deep: opts.deep });
  for (const b of r.backups) for (const note of b.deep?.notes ?? []) ctx.reporter.warn(`backup ${b.id}: ${note}`);
  if (r.problems.length > 0) throw verifyAllError(r);
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ type: 'verify-all', ok: true, ...r, leftovers }) + '\n');
    return;
  }
  const lines = r.backups.map((b) => `backup ${b.id}: ok (${b.files} files, ${formatBytes(b.bytes)}${b.deep ? `, decodes to ${b.deep.decoded.vertices} vertices, ${b.deep.decoded.edges} edges` : ''})`);
  lines.push(`wal archive: ok (${r.archive.files} files, ${formatBytes(r.archive.bytes)}, sha256 match the records${opts.deep ? ', all decode' : ''})`);
  for (const tl of r.timelines) {
    lines.push(`storage ${tl.uuid}: ${tl.window === null ? 'no base backup' : `restore window ${tl.window.earliest.at} (commit ${tl.window.earliest.ts}) .. ${tl.window.latest.at} (commit ${tl.window.latest.ts}), no holes`}`);
  }
  ctx.stdout.write(lines.join('\n') + '\n');
}

export const verifyCommand = defineCommand<VerifyOptions>({
  command: 'verify [backup]',
  describe: 'check every file of a backup against its manifest (id, short id, or "latest"), or with --all the whole repository',
  groups: ['repository', 'metrics'],
  examples: [
    ['mgbackup verify --repo /backups latest', 'the newest backup: sha256 and headers'],
    ['mgbackup verify --repo /backups 20260304T050607Z-1a2b3c4d --deep', 'also decode and replay it as recovery would'],
    ['mgbackup verify --repo /backups --all', 'every backup, the WAL archive and the restore windows'],
  ],
  builder: (y) => y
    .positional('backup', { type: 'string', describe: 'backup id, its short id, or latest' })
    .option('all', { type: 'boolean', describe: 'every backup, every archived WAL file, chain continuity and restore windows without holes' })
    .option('deep', { type: 'boolean', describe: 'also decode every file and replay snapshot + WAL as Memgraph recovery would' }),
  toOptions: (args, env) => {
    const all = args.all === true;
    const backup = args.backup === undefined ? undefined : String(args.backup);
    if (all && backup !== undefined) throw new UsageError(`give a backup or --all, not both (got ${q(backup)})`);
    if (!all && backup === undefined) throw new UsageError('verify needs a backup (id, short id or "latest") or --all');
    return { repo: repoFrom(args, env), s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env), backup, all, deep: args.deep === true, json: globalOptionsFrom(args).json };
  },
  run: runVerify,
});
