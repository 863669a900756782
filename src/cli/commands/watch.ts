// `mgbackup watch`: flags -> WatchOptions -> runWatchCommand. The loop itself is src/core/watch/watch.ts;
// this file opens the data directory, the repository and the event sink (text on stderr or JSON lines on stdout).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { connectionFrom, defineCommand, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { readServerFacts } from '../../bolt/server-facts.js';
import { cleanRemoteRepository, cleanRepository } from '../../core/backup/leftovers.js';
import { DataDirSharedFiles, LocalSharedFiles, type SharedFiles } from '../../core/backup/shared-files.js';
import { describeEvent, type WatchEvent } from '../../core/watch/events.js';
import { chokidarChanges, timerOnly } from '../../core/watch/file-changes.js';
import { tenantRoot } from '../../core/watch/tenant-root.js';
import { runWatch } from '../../core/watch/watch.js';
import type { DataDir } from '../../datadir/data-dir.js';
import { LocalDataDir } from '../../datadir/local-data-dir.js';
import { UsageError, q } from '../../errors/errors.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { LocalBackend } from '../../repo/local-backend.js';
import { encryptionOptionsFrom, openEncryption, type EncryptionOptions } from '../repo-encryption.js';
import { OWNER_SUFFIX, STAGING_DIR } from '../../store/backup-store.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { repoBackend, s3SettingsFrom } from '../repo-access.js';
import { repoFrom, serverName } from './create.js';
import { repoCompressionFrom, type RepoCompression } from '../../store/stored-file.js';

export interface WatchOptions {
  connection: ConnectionOptions;
  repo: string;
  s3: S3Settings;
  source: { kind: 'local'; path: string } | { kind: 'docker'; container: string };
  once: boolean;
  maxLagS: number;
  onGap: 'fail' | 'warn';
  json: boolean;
  quiet: boolean;
  encryption: EncryptionOptions;
  /** How archived WAL is stored (--repo-compression, --repo-compression-level; default zstd 3). */
  compression: RepoCompression;
}

const RESCAN_MS = 10_000;
/** Failed passes are retried this long (a server restart, a remount) before watch exits with the error. */
const RETRY_FOR_MS = 5 * 60_000;

function toWatchOptions(args: Args, env: NodeJS.ProcessEnv): WatchOptions {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const dataDir = str(args.dataDir);
  const container = str(args.container);
  if ((dataDir === undefined) === (container === undefined)) {
    throw new UsageError('give exactly one of --data-dir and --container', {
      hints: ['--data-dir is the host path of Memgraph\'s data directory; --container names a Docker container'],
    });
  }
  const maxLag = args.maxLag === undefined ? 60 : Number(args.maxLag);
  if (!Number.isFinite(maxLag) || maxLag <= 0 || maxLag > 86_400) {
    throw new UsageError(`--max-lag ${q(String(args.maxLag))} is not a number of seconds between 0 and 86400`);
  }
  const onGap = args.onGap === undefined ? 'fail' : String(args.onGap);
  if (onGap !== 'fail' && onGap !== 'warn') throw new UsageError(`--on-gap ${q(onGap)} is not "fail" or "warn"`);
  const g = globalOptionsFrom(args);
  return {
    connection: connectionFrom(args, env),
    repo: repoFrom(args, env),
    s3: s3SettingsFrom(args),
    source: dataDir !== undefined ? { kind: 'local', path: dataDir } : { kind: 'docker', container: container! },
    once: args.once === true,
    maxLagS: maxLag,
    onGap,
    json: g.json,
    quiet: g.quiet,
    encryption: encryptionOptionsFrom(args, env),
    compression: repoCompressionFrom(args.repoCompression, args.repoCompressionLevel),
  };
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Events as JSON lines on stdout (--json), else as text on stderr, timestamped when it is not a terminal. */
function eventSink(opts: WatchOptions, ctx: CommandContext): (e: WatchEvent) => void {
  return (e) => {
    const at = ctx.clock.now().toISOString();
    if (opts.json) {
      ctx.stdout.write(JSON.stringify({ at, ...e }) + '\n');
      return;
    }
    const loud = e.type === 'gap' || e.type === 'retry' || e.type === 'vanished';
    if (opts.quiet && !loud) return;
    if (opts.quiet && loud) return ctx.reporter.warn(describeEvent(e));
    ctx.stderr?.write(`${ctx.stderrIsTTY ? '' : `${at} `}${describeEvent(e)}\n`);
  };
}

export async function runWatchCommand(opts: WatchOptions, ctx: CommandContext): Promise<void> {
  const dataDir: DataDir = opts.source.kind === 'local'
    ? new LocalDataDir(opts.source.path)
    : await (await import('../../datadir/docker-data-dir.js')).DockerDataDir.open(opts.source.container, { env: ctx.env });
  const localRoot = opts.source.kind === 'local' ? (dataDir as LocalDataDir).root : undefined;
  const shared: SharedFiles = localRoot !== undefined ? new LocalSharedFiles(localRoot) : new DataDirSharedFiles(dataDir);
  const raw = await repoBackend(opts);
  const repoRoot = raw instanceof LocalBackend ? raw.root : undefined;
  if (repoRoot !== undefined) await fsp.mkdir(repoRoot, { recursive: true, mode: 0o700 }).catch(() => {});
  const backend = await openEncryption(opts.encryption, raw, ctx);
  const database = opts.connection.database ?? 'memgraph';
  const root = database === 'memgraph' ? '' : await tenantRootOf(opts.connection, ctx, dataDir, database);
  const connect = () => ctx.connect(opts.connection);
  await runWatch(
    {
      database, root, once: opts.once, maxLagMs: opts.maxLagS * 1000, onGap: opts.onGap, rescanMs: RESCAN_MS,
      retryForMs: RETRY_FOR_MS, server: serverName(opts.connection.uri), mgbackupVersion: packageVersion(),
      // Queue behind a create's lease only briefly: the pass goes on to the prefix, which bounds the lag.
      leaseWaitMs: Math.min(10_000, opts.maxLagS * 500),
      compression: opts.compression,
    },
    {
      backend, dataDir, shared, connect, probe: systemProcessProbe, clock: ctx.clock, signal: ctx.signal,
      emit: eventSink(opts, ctx), warn: (m) => ctx.reporter.warn(m), info: (m) => ctx.reporter.info(m),
      changes: () => (localRoot !== undefined ? chokidarChanges(path.join(localRoot, root)) : Promise.resolve(timerOnly())),
      cleanRepository: () => (repoRoot !== undefined ? cleanRepository(repoRoot, systemProcessProbe, ctx.clock.now()) : cleanRemoteRepository(raw, systemProcessProbe, ctx.clock.now())),
      staging: async (id) => {
        // The repository's staging area (same filesystem as the archive, and cleaned by the next run when
        // this one dies); a temp folder for the pins of a data directory reached through Docker or of a
        // remote repository.
        const local = localRoot !== undefined && repoRoot !== undefined;
        const base = local ? path.join(repoRoot, STAGING_DIR) : os.tmpdir();
        await fsp.mkdir(base, { recursive: true, mode: 0o700 });
        const dir = path.join(base, id);
        const ownerFile = dir + OWNER_SUFFIX;
        return {
          dir,
          owner: async (text) => { if (local) await fsp.writeFile(ownerFile, text, { mode: 0o600 }); },
          remove: async () => {
            await fsp.rm(dir, { recursive: true, force: true });
            await fsp.rm(ownerFile, { force: true });
          },
        };
      },
    },
  );
}

/** A tenant's storage root needs its uuid, which only the server knows. */
async function tenantRootOf(conn: ConnectionOptions, ctx: CommandContext, dataDir: DataDir, database: string): Promise<string> {
  const client = await ctx.connect(conn);
  try {
    const facts = await readServerFacts(client);
    if (facts.databaseUuid === undefined) throw new UsageError(`the server did not report a uuid for database ${q(database)}`);
    return await tenantRoot(dataDir, database, facts.databaseUuid);
  } finally {
    await client.close().catch(() => {});
  }
}

export const watchCommand = defineCommand<WatchOptions>({
  command: 'watch',
  describe: 'archive WAL files continuously into the repository (finalized files and the committed prefix of the open one)',
  groups: ['connection', 'repository'],
  examples: [
    ['mgbackup watch --data-dir /var/lib/memgraph', 'archive until stopped (repository: --repo or env MGBACKUP_REPO)'],
    ['mgbackup watch --data-dir /var/lib/memgraph --once', 'one pass, for cron or a Kubernetes CronJob'],
    ['mgbackup watch --container memgraph --json', 'through the Docker API; events as JSON lines'],
  ],
  builder: (y) => y
    .option('data-dir', { type: 'string', describe: 'host path of Memgraph\'s data directory (also a bind mount)' })
    .option('container', { type: 'string', describe: 'Docker container running Memgraph (Engine API; no file events, rescans on a timer)' })
    .option('once', { type: 'boolean', describe: 'archive what is there now and exit (cron, Kubernetes CronJob)' })
    .option('max-lag', { type: 'number', describe: 'seconds the archive may lag behind the open WAL file\'s last commit (default 60)' })
    .option('on-gap', { type: 'string', choices: ['fail', 'warn'], describe: 'a WAL file deleted before it was archived: exit 14 (fail, default) or report it and go on (warn)' })
    .option('repo-compression', { type: 'string', choices: ['zstd', 'gzip', 'none'], describe: 'how archived WAL files are stored in the repository, compressed before any encryption (default zstd)' })
    .option('repo-compression-level', { type: 'string', describe: 'level of --repo-compression: zstd 1..19 (default 3), gzip 1..9 (default 6)' })
    .epilog('SIGINT, SIGTERM and SIGHUP stop it cleanly (exit 130); started again, it resumes from what the archive holds.'),
  toOptions: toWatchOptions,
  run: runWatchCommand,
});
