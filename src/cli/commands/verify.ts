// `mgbackup verify <backup>`: re-hash every file and re-read every header; integrity exit on mismatch.
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../../core/backup/create.js';
import { verifyBackup } from '../../core/backup/verify.js';
import { BackupStore } from '../../store/backup-store.js';
import { deepCheckBackup } from '../../core/backup/verify-deep.js';
import { repoFrom } from './create.js';
import { cleanRepository, describeLeftover } from '../../core/backup/leftovers.js';
import { systemProcessProbe } from '../../io/process-probe.js';

export interface VerifyOptions {
  repo: string;
  backup: string;
  deep: boolean;
  json: boolean;
}

export async function runVerify(opts: VerifyOptions, ctx: CommandContext): Promise<void> {
  const store = await BackupStore.open(opts.repo, { create: false });
  const leftovers = await cleanRepository(store.root, systemProcessProbe, ctx.clock.now());
  for (const l of leftovers) ctx.reporter.warn(describeLeftover(l));
  // The database label is known once the manifest is read: a damaged backup's metrics carry it too.
  const manifest = await store.resolve(opts.backup).then((b) => b.manifest, () => undefined);
  if (manifest) ctx.recordMetrics?.({ database: manifest.database.name });
  const r = await verifyBackup(store, opts.backup, { reporter: ctx.reporter, signal: ctx.signal });
  ctx.recordMetrics?.({ bytes: r.bytes, files: r.files.length });
  let deep;
  if (opts.deep) {
    const step = ctx.reporter.step(`decoding ${r.id}`);
    deep = deepCheckBackup(r.path, (await store.resolve(r.id)).manifest);
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

export const verifyCommand = defineCommand<VerifyOptions>({
  command: 'verify <backup>',
  describe: 'check every file of a backup against its manifest (id, short id, or "latest")',
  groups: ['repository', 'metrics'],
  examples: [
    ['mgbackup verify --repo /backups latest', 'the newest backup: sha256 and headers'],
    ['mgbackup verify --repo /backups 20260304T050607Z-1a2b3c4d --deep', 'also decode and replay it as recovery would'],
  ],
  builder: (y) => y
    .positional('backup', { type: 'string', describe: 'backup id, its short id, or latest' })
    .option('deep', { type: 'boolean', describe: 'also decode every file and replay snapshot + WAL as Memgraph recovery would' }),
  toOptions: (args, env) => ({
    repo: repoFrom(args, env), backup: String(args.backup), deep: args.deep === true, json: globalOptionsFrom(args).json,
  }),
  run: runVerify,
});
