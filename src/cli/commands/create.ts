// `mgbackup create`: flags -> CreateOptions -> runCreate. The flow itself is src/core/backup/create.ts.
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { connectionFrom, defineCommand, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { readServerFacts } from '../../bolt/server-facts.js';
import { createBackup, formatBytes, type CreateResult } from '../../core/backup/create.js';
import { DEFAULT_SERVER_DATA_DIR, type DataDir } from '../../datadir/data-dir.js';
import { LocalDataDir } from '../../datadir/local-data-dir.js';
import { MgBackupError, UsageError, q } from '../../errors/errors.js';
import { ARCHIVE_GZIP_LEVEL, compressionFor, writeArchive } from '../../store/archive.js';
import { levelFlag } from '../../io/compression.js';
import { repoCompressionFrom, type RepoCompression } from '../../store/stored-file.js';
import { LocalSharedFiles } from '../../core/backup/shared-files.js';
import { selfContained } from '../../core/restore/archived-wal.js';
import type { BackupStore } from '../../store/backup-store.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { openStore, s3SettingsFrom, withRepo } from '../repo-access.js';

export interface CreateOptions {
  connection: ConnectionOptions;
  repo: string;
  s3: S3Settings;
  encryption: EncryptionOptions;
  source: { kind: 'local'; path: string } | { kind: 'docker'; container: string };
  /** The server's own --data-directory when given (translation for bind mounts); else inferred. */
  serverDataDir?: string;
  snapshotOnly: boolean;
  wait: boolean;
  waitTimeoutMs: number;
  labels: Record<string, string>;
  tags: string[];
  pin: boolean;
  archive?: string;
  /** Compression level of the archive; undefined = the default (zstd 3, gzip 1). */
  archiveLevel?: number;
  /** Then copy the backup into this repository (mgbackup copy). */
  copyTo?: string;
  /** How files go into the repository (--repo-compression, --repo-compression-level; default zstd 3). */
  compression: RepoCompression;
  json: boolean;
}

export function repoFrom(args: Args, env: NodeJS.ProcessEnv): string {
  const repo = typeof args.repo === 'string' && args.repo !== '' ? args.repo : env.MGBACKUP_REPO;
  if (!repo) throw new UsageError('no backup repository given', { hints: ['pass --repo DIR or set MGBACKUP_REPO'] });
  return repo;
}

export function repoFlag(y: Argv): Argv {
  return y.option('repo', { type: 'string', describe: 'backup repository folder (env MGBACKUP_REPO)' });
}

function toCreateOptions(args: Args, env: NodeJS.ProcessEnv): CreateOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const dataDir = str(args.dataDir);
  const container = str(args.container);
  if ((dataDir === undefined) === (container === undefined)) {
    throw new UsageError('give exactly one of --data-dir and --container', {
      hints: ['--data-dir is the host path of Memgraph\'s data directory; --container names a Docker container'],
    });
  }
  const labels: Record<string, string> = {};
  for (const l of list(args.label)) {
    const m = /^([^=]+)=(.*)$/.exec(l);
    if (!m) throw new UsageError(`label ${q(l)} is not KEY=VALUE`);
    labels[m[1]!] = m[2]!;
  }
  const waitTimeout = Number(args.waitTimeout ?? 600);
  if (!Number.isFinite(waitTimeout) || waitTimeout <= 0) throw new UsageError(`--wait-timeout ${q(args.waitTimeout)} is not a positive number of seconds`);
  const archive = str(args.archive);
  const archiveLevel = levelFlag(args.compressLevel, archive === undefined ? 'none' : compressionFor(archive),
    archive === undefined ? 'it applies to --archive, and none was given' : `archive ${q(archive)} is not compressed`,
    'write the archive as .tar.zst or .tar.gz, or drop --compress-level', archive?.endsWith('gz') ? ARCHIVE_GZIP_LEVEL : undefined);
  const json = globalOptionsFrom(args).json;
  if (archive === '-' && json) throw new UsageError('--archive - and --json both want stdout', { hints: ['write the archive to a file, or drop --json'] });
  return {
    connection: connectionFrom(args, env),
    repo: repoFrom(args, env),
    s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env),
    source: dataDir !== undefined ? { kind: 'local', path: dataDir } : { kind: 'docker', container: container! },
    ...(str(args.serverDataDir) !== undefined ? { serverDataDir: str(args.serverDataDir)! } : {}),
    snapshotOnly: args.snapshotOnly === true,
    wait: args.wait === true,
    waitTimeoutMs: waitTimeout * 1000,
    labels,
    tags: list(args.tag),
    pin: args.pin === true,
    ...(archive !== undefined ? { archive } : {}),
    ...(archiveLevel !== undefined ? { archiveLevel } : {}),
    ...(str(args.copyTo) !== undefined ? { copyTo: str(args.copyTo)! } : {}),
    compression: repoCompressionFrom(args.repoCompression, args.repoCompressionLevel),
    json,
  };
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function renderCreateText(r: CreateResult): string {
  return [
    `backup ${r.id}`,
    `  path:        ${r.path}`,
    `  files:       ${r.files.length} (${formatBytes(r.bytes)}${r.compression === 'none' ? '' : `, ${formatBytes(r.storedBytes)} stored with ${r.compression}`})`,
    ...(r.archived.length > 0 ? [`  wal archive: ${r.archived.length} file(s) referenced (${formatBytes(r.archived.reduce((n, a) => n + a.size, 0))}, stored once)`] : []),
    `  lock window: ${r.lockWindowMs.toFixed(1)} ms (files pinned by ${r.pinnedBy})`,
    `  total:       ${(r.durations.totalMs / 1000).toFixed(2)} s (snapshot ${(r.durations.snapshotMs / 1000).toFixed(2)} s, copy ${(r.durations.copyMs / 1000).toFixed(2)} s)`,
  ].join('\n') + '\n';
}

/** The URI as recorded in the lease: never with credentials. */
export function serverName(uri: string | undefined): string {
  if (uri === undefined) return 'unknown';
  try {
    const u = new URL(uri);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//');
  }
}

export async function runCreate(opts: CreateOptions, ctx: CommandContext): Promise<void> {
  if (opts.archive === '-' && ctx.stdoutIsTTY) {
    throw new MgBackupError('refused', 'refusing to write an archive to a terminal', { hints: ['redirect stdout to a file or a pipe'] });
  }
  // Known before anything can fail, so a failed run's metrics carry the same labels as a successful one.
  ctx.recordMetrics?.({ database: opts.connection.database ?? 'memgraph' });
  const serverRoot = opts.serverDataDir ?? DEFAULT_SERVER_DATA_DIR;
  const dataDir: DataDir = opts.source.kind === 'local'
    ? new LocalDataDir(opts.source.path, serverRoot)
    : await (await import('../../datadir/docker-data-dir.js')).DockerDataDir.open(opts.source.container, { env: ctx.env, serverRoot });
  const store = await openStore(opts, { create: true }, ctx);
  try {
    await createIn(store, dataDir, opts, ctx);
  } finally {
    await store.close();
  }
}

async function createIn(store: BackupStore, dataDir: DataDir, opts: CreateOptions, ctx: CommandContext): Promise<void> {
  // The shared repository lock: other creates, watch and restores go on; a prune waits for this backup.
  const result = await withRepo(store.backend, { mode: 'shared', command: 'create', write: true, need: opts.compression.codec === 'none' ? 2 : 3 }, ctx, async () => {
    const client = await ctx.connect(opts.connection);
    let result: CreateResult;
    try {
      result = await createBackup(
        { ...(opts.connection.database !== undefined ? { database: opts.connection.database } : {}),
          snapshotOnly: opts.snapshotOnly, wait: opts.wait, waitTimeoutMs: opts.waitTimeoutMs,
          labels: opts.labels, tags: opts.tags, pin: opts.pin, mgbackupVersion: packageVersion(),
          server: serverName(opts.connection.uri), compression: opts.compression,
          ...(opts.serverDataDir !== undefined ? { serverDataDir: opts.serverDataDir } : {}) },
        {
          client, reconnect: () => ctx.connect(opts.connection), readFacts: readServerFacts,
          dataDir, store, clock: ctx.clock, reporter: ctx.reporter, signal: ctx.signal, probe: systemProcessProbe,
          ...(opts.source.kind === 'local' ? { shared: new LocalSharedFiles((dataDir as LocalDataDir).root) } : {}),
        },
      );
    } finally {
      await client.close().catch(() => {});
    }
    if (opts.archive !== undefined) {
      const step = ctx.reporter.step(`writing archive ${opts.archive}`);
      // WAL the backup keeps in the repository's WAL archive goes into the single file too.
      const local = await store.fetch(await store.resolve(result.id), ctx.signal);
      const self = await selfContained(local.dir, local.manifest, store.backend);
      try {
        await writeArchive(self?.dir ?? local.dir, self?.manifest ?? local.manifest,
          opts.archive === '-' ? ctx.stdout as NodeJS.WritableStream & import('node:stream').Writable : opts.archive,
          compressionFor(opts.archive), ctx.signal, opts.archiveLevel);
      } finally {
        await self?.close();
      }
      step.succeed(`archive ${opts.archive} written`);
    }
    return result;
  });
  ctx.recordMetrics?.({
    database: opts.connection.database ?? 'memgraph', bytes: result.bytes, files: result.files.length, lockWindowSeconds: result.lockWindowMs / 1000,
  });
  const copy = opts.copyTo === undefined ? undefined
    : await (await import('./copy.js')).copyAfterCreate(opts.repo, opts.copyTo, result.id, { s3: opts.s3, encryption: opts.encryption }, ctx);
  if (opts.json) ctx.stdout.write(JSON.stringify({ type: 'backup', ...result, ...(opts.archive ? { archive: opts.archive } : {}), ...(copy ? { copy } : {}) }) + '\n');
  else {
    const text = renderCreateText(result) + (copy ? `  copied to:   ${copy.to} (${copy.copied} file(s), ${formatBytes(copy.bytes)}${copy.skipped > 0 ? `, ${copy.skipped} already there` : ''})\n` : '');
    if (opts.archive === '-' || ctx.quiet) ctx.reporter.info(text.trimEnd());
    else ctx.stdout.write(text);
  }
}

export const createCommand = defineCommand<CreateOptions>({
  command: 'create',
  describe: 'take an online backup into the backup repository (lock held for milliseconds)',
  groups: ['connection', 'repository', 'metrics'],
  examples: [
    ['mgbackup create --repo /backups --data-dir /var/lib/memgraph', 'Memgraph runs on this host'],
    ['mgbackup create --repo /backups --container memgraph', 'Memgraph runs in a Docker container'],
    ['mgbackup create --repo /backups --data-dir ./mg_data --tag nightly --label env=prod', 'tag and label the backup'],
    ['mgbackup create --repo /backups --data-dir /var/lib/memgraph --archive /offsite/db.tar.zst', 'also write one compressed file'],
    ['mgbackup create --repo /backups --data-dir /var/lib/memgraph --copy-to s3://offsite/mg', 'take a backup here and ship it off-site'],
    ['mgbackup create --repo /backups --data-dir /var/lib/memgraph --repo-compression none', 'store Memgraph\'s files uncompressed (default: zstd level 3)'],
    ['mgbackup create --quiet --metrics-file /var/lib/node_exporter/mgbackup.prom', 'from cron: no output, metrics for Prometheus'],
  ],
  builder: (y) => y
    .option('data-dir', { type: 'string', describe: 'host path of Memgraph\'s data directory (also a bind mount)' })
    .option('container', { type: 'string', describe: 'Docker container running Memgraph (Engine API; DOCKER_HOST honoured)' })
    .option('server-data-dir', { type: 'string', describe: 'the server\'s own --data-directory, only when it sees the data under another path than --data-dir (e.g. a bind mount); inferred otherwise' })
    .option('snapshot-only', { type: 'boolean', describe: 'back up the snapshot alone, without WAL files' })
    .option('wait', { type: 'boolean', describe: 'if someone else holds the data-directory lock, wait for it instead of failing' })
    .option('wait-timeout', { type: 'number', describe: 'seconds to wait with --wait (default 600)' })
    .option('label', { type: 'string', array: true, describe: 'KEY=VALUE stored in the manifest (repeatable)' })
    .option('tag', { type: 'string', array: true, describe: 'tag stored in the manifest (repeatable)' })
    .option('pin', { type: 'boolean', describe: 'pin the backup: forget never forgets it (undo with mgbackup unpin)' })
    .option('archive', { type: 'string', describe: 'also write the backup as one file: out.tar, out.tar.gz, out.tar.zst, or - for stdout' })
    .option('compress-level', { type: 'string', describe: 'compression level of --archive: zstd 1..19 (default 3), gzip 1..9 (default 1)' })
    .option('repo-compression', { type: 'string', choices: ['zstd', 'gzip', 'none'], describe: 'how the backup\'s files are stored in the repository, compressed before any encryption (default zstd)' })
    .option('repo-compression-level', { type: 'string', describe: 'level of --repo-compression: zstd 1..19 (default 3), gzip 1..9 (default 6)' })
    .option('copy-to', { type: 'string', describe: 'then copy the backup (and the archived WAL it needs) into this repository: a folder or s3://BUCKET/PREFIX' }),
  toOptions: toCreateOptions,
  run: runCreate,
});
