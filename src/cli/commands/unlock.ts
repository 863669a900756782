// `mgbackup unlock`: flags -> UnlockOptions -> runUnlock. The rules are src/core/backup/unlock.ts.
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { connectionFrom, defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { DataDirLock } from '../../core/backup/data-dir-lock.js';
import { DataDirSharedFiles, LocalSharedFiles, type SharedFiles } from '../../core/backup/shared-files.js';
import { unlockDataDir, unlockRepository } from '../../core/backup/unlock.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { s3Flags } from '../option-groups.js';
import { openStore, s3SettingsFrom, type RepoSpec } from '../repo-access.js';
import { DockerDataDir } from '../../datadir/docker-data-dir.js';
import { LocalDataDir } from '../../datadir/local-data-dir.js';
import { UsageError } from '../../errors/errors.js';
import { systemProcessProbe } from '../../io/process-probe.js';

export interface UnlockOptions {
  connection: ConnectionOptions;
  source: { kind: 'local'; path: string } | { kind: 'docker'; container: string } | { kind: 'repo'; repo: string; s3: S3Settings; encryption: EncryptionOptions };
  force: boolean;
  json: boolean;
}

function toUnlockOptions(args: Record<string, unknown> & { _: (string | number)[] }, env: NodeJS.ProcessEnv): UnlockOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const dataDir = str(args.dataDir);
  const container = str(args.container);
  const repo = str(args.repo);
  if ([dataDir, container, repo].filter((x) => x !== undefined).length !== 1) {
    throw new UsageError('give exactly one of --data-dir, --container and --repo', {
      hints: ['--data-dir/--container release the server\'s data-directory lock; --repo removes stale repository locks'],
    });
  }
  if (repo !== undefined) {
    if (args.force === true) {
      throw new UsageError('--force does not apply to --repo', { hints: ['a repository lock is removed only once its holder is gone; live ones never are'] });
    }
    return { connection: connectionFrom(args, env), source: { kind: 'repo', repo, s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env) }, force: false, json: globalOptionsFrom(args).json };
  }
  return {
    connection: connectionFrom(args, env),
    source: dataDir !== undefined ? { kind: 'local', path: dataDir } : { kind: 'docker', container: container! },
    force: args.force === true,
    json: globalOptionsFrom(args).json,
  };
}

async function runRepoUnlock(spec: RepoSpec, json: boolean, ctx: CommandContext): Promise<void> {
  const store = await openStore(spec, { create: false }, ctx);
  await store.close();
  const r = await unlockRepository({
    backend: store.backend, probe: systemProcessProbe, clock: ctx.clock, warn: (m) => ctx.reporter.warn(m),
  });
  ctx.stdout.write(json ? JSON.stringify({ type: 'unlock-repo', ...r }) + '\n' : `${r.message}\n`);
}

export async function runUnlock(opts: UnlockOptions, ctx: CommandContext): Promise<void> {
  if (opts.source.kind === 'repo') return runRepoUnlock(opts.source, opts.json, ctx);
  let files: SharedFiles;
  if (opts.source.kind === 'local') {
    const dir = new LocalDataDir(opts.source.path);
    await dir.check();
    files = new LocalSharedFiles(dir.root);
  } else {
    const dir = await DockerDataDir.open(opts.source.container, { env: ctx.env });
    await dir.check();
    files = new DataDirSharedFiles(dir);
  }
  const client = await ctx.connect(opts.connection);
  const lock = new DataDirLock({ client, reconnect: () => ctx.connect(opts.connection), clock: ctx.clock });
  try {
    const r = await unlockDataDir(
      { database: opts.connection.database ?? 'memgraph', force: opts.force },
      { lock, files, probe: systemProcessProbe, clock: ctx.clock, warn: (m) => ctx.reporter.warn(m) },
    );
    if (opts.json) ctx.stdout.write(JSON.stringify({ type: 'unlock', ...r }) + '\n');
    else if (!ctx.quiet) ctx.stdout.write(`${r.message}\n`);
  } finally {
    await lock.closeExtra();
    await client.close().catch(() => {});
  }
}

export const unlockCommand = defineCommand<UnlockOptions>({
  command: 'unlock',
  describe: 'release a data-directory lock left by a dead mgbackup run (--force: one no lease accounts for), or with --repo stale repository locks',
  groups: ['connection'],
  examples: [
    ['mgbackup unlock --data-dir /var/lib/memgraph', 'release the lock of a dead run, if it is one'],
    ['mgbackup unlock --container memgraph --force', 'also a lock no lease accounts for'],
    ['mgbackup unlock --repo /backups/mg', 'remove repository locks whose process is gone'],
  ],
  builder: (y) => s3Flags(y
    .option('repo', { type: 'string', describe: 'instead: remove the stale repository locks of this repository, a folder or s3://BUCKET/PREFIX (never a live one)' }))
    .option('data-dir', { type: 'string', describe: 'host path of Memgraph\'s data directory (where the lease is)' })
    .option('container', { type: 'string', describe: 'Docker container running Memgraph (Engine API, honours DOCKER_HOST)' })
    .option('force', { type: 'boolean', describe: 'also release a lock without a lease, or with another machine\'s lease that is not stale yet' }),
  toOptions: toUnlockOptions,
  run: runUnlock,
});
