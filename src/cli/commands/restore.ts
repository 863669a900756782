// `mgbackup restore`: flags -> RestoreOptions -> runRestore (offline) or runOnlineRestore (--online).
// The process-bound facts the core needs (euid, /etc/passwd) are read here, at the I/O boundary.
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { readFileSync } from 'node:fs';
import { defineCommand, connectionFrom, globalOptionsFrom, type Args } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { MgBackupError, UsageError, q } from '../../errors/errors.js';
import { requireDataDir, runRestore, type RestoreOptions, type RestoreResult } from '../../core/restore/restore.js';
import { runOnlineRestore, type OnlineResult } from '../../core/restore/online.js';
import { runContainerRestore } from '../../core/restore/container.js';
import { renderPlanText } from '../../core/restore/summary.js';
import type { PointInTimeResult, PointInTimeTarget } from '../../core/restore/point-in-time.js';
import { DEFAULT_SERVER_DATA_DIR } from '../../datadir/data-dir.js';
import { isStoreReference } from '../../core/restore/source.js';
import { BackupStore } from '../../store/backup-store.js';
import { openStore, s3SettingsFrom, withRepo } from '../repo-access.js';

export interface RestoreCliOptions {
  restore: RestoreOptions;
  online: boolean;
  force: boolean;
  connection: ConnectionOptions;
  serverDataDir: string;
  json: boolean;
  /** Keys for an encrypted repository (src/cli/repo-encryption.ts). */
  encryption?: EncryptionOptions;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const U64_MAX = (1n << 64n) - 1n;

/** --to-time: an ISO 8601 time with its zone (a time without one would mean different instants on different hosts). */
export function parseToTime(v: string): Date {
  const ms = ISO_TIME.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`bad --to-time ${q(v)}`, { hints: ['give an ISO 8601 time with its zone, e.g. --to-time 2026-12-02T10:41:00Z'] });
  }
  return new Date(ms);
}

/** --to-ts: a Memgraph commit timestamp (decimal u64). */
export function parseToTs(v: string): bigint {
  if (!/^\d{1,20}$/.test(v) || BigInt(v) > U64_MAX) {
    throw new UsageError(`bad --to-ts ${q(v)}`, { hints: ['give a commit timestamp as a decimal number, as `mgbackup list` shows it'] });
  }
  return BigInt(v);
}

/** --to-time / --to-ts flags to a target (at most one), or undefined. */
export function pointInTimeFrom(args: Args): PointInTimeTarget | undefined {
  const time = args.toTime === undefined ? undefined : String(args.toTime);
  const ts = args.toTs === undefined ? undefined : String(args.toTs);
  if (time !== undefined && ts !== undefined) throw new UsageError('give one of --to-time and --to-ts');
  if (time !== undefined) return { kind: 'time', time: parseToTime(time) };
  if (ts !== undefined) return { kind: 'ts', ts: parseToTs(ts) };
  return undefined;
}

function toOptions(args: Args, env: NodeJS.ProcessEnv): RestoreCliOptions {
  const pointInTime = pointInTimeFrom(args);
  if (pointInTime !== undefined) return toPointInTimeOptions(args, env, pointInTime);
  // yargs-parser hands a lone "-" positional over as "": that is the archive on stdin.
  const backup = args.backup === '' ? '-' : str(args.backup);
  if (backup === undefined) {
    throw new UsageError('restore needs a backup', { hints: ['pass a backup id or "latest" with --repo, a backup folder, an archive, or "-" for an archive on stdin'] });
  }
  const targetVersion = str(args.targetVersion);
  if (targetVersion !== undefined && !/^\d+\.\d+(\.\d+)?([+~-].*)?$/.test(targetVersion)) {
    throw new UsageError(`bad --target-version ${q(targetVersion)}`, { hints: ['give the Memgraph release of the target server, e.g. --target-version 3.12.0'] });
  }
  const online = args.online === true;
  const connection = connectionFrom(args, env);
  const dataDir = str(args.dataDir);
  const container = str(args.container);
  if (dataDir !== undefined && container !== undefined) {
    throw new UsageError('give one of --data-dir and --container', { hints: ['--data-dir is a host path; --container names a stopped Docker container'] });
  }
  if (container !== undefined && online) {
    throw new UsageError('--online works through --data-dir (the server data directory as this machine sees it)', {
      hints: ['for a running container, pass the host path of its /var/lib/memgraph volume as --data-dir'],
    });
  }
  const repo = str(args.repo) ?? str(env.MGBACKUP_REPO);
  const restore: RestoreOptions = {
    source: { backup, ...(repo === undefined ? {} : { repo, s3: s3SettingsFrom(args) }) },
    dataDir: online || container !== undefined ? dataDir ?? '' : requireDataDir(dataDir),
    ...(container === undefined ? {} : { container }),
    ...(str(args.serverDataDir) === undefined ? {} : { serverDataDir: str(args.serverDataDir)! }),
    snapshotOnly: args.snapshotOnly === true || online,
    dryRun: args.dryRun === true,
    ...(str(args.database) === undefined ? {} : { database: str(args.database)! }),
    ...(str(args.snapshot) === undefined ? {} : { snapshot: str(args.snapshot)! }),
    ...(str(args.owner) === undefined ? {} : { owner: str(args.owner)! }),
    ...(targetVersion === undefined ? {} : { targetVersion }),
    ...(args.probe === true ? { probe: connection } : {}),
  };
  return {
    restore,
    online,
    force: args.force === true,
    connection,
    serverDataDir: str(args.serverDataDir) ?? DEFAULT_SERVER_DATA_DIR,
    json: globalOptionsFrom(args).json,
    encryption: encryptionOptionsFrom(args, env),
  };
}

/** restore --to-time/--to-ts: the repository's timeline picks the base backup, so none is named. */
function toPointInTimeOptions(args: Args, env: NodeJS.ProcessEnv, pointInTime: PointInTimeTarget): RestoreCliOptions {
  const flag = pointInTime.kind === 'time' ? '--to-time' : '--to-ts';
  if (args.backup !== undefined) {
    throw new UsageError(`${flag} picks the base backup itself; drop the backup argument ${q(args.backup)}`, {
      hints: [`mgbackup restore --repo R ${flag} … --data-dir D`],
    });
  }
  for (const [key, name] of [['online', '--online'], ['snapshotOnly', '--snapshot-only'], ['snapshot', '--snapshot']] as const) {
    if (args[key] !== undefined && args[key] !== false) throw new UsageError(`${flag} cannot be combined with ${name}`);
  }
  const repo = str(args.repo) ?? str(env.MGBACKUP_REPO);
  if (repo === undefined) throw new UsageError(`${flag} needs --repo`, { hints: ['pass --repo with the repository holding the base backups and the WAL archive'] });
  const o = toOptions({ ...args, toTime: undefined, toTs: undefined, backup: 'latest' }, env);
  return { ...o, restore: { ...o.restore, pointInTime } };
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Fault-test hook: MGBACKUP_PAUSE_AT_STEP="swapped snapshots" stops the process (SIGSTOP) right after
 * that apply step, so that a test can SIGKILL it at an exact point and check the data directory.
 */
function pauseHook(step: string | undefined): { onStep?: (s: string) => void } {
  if (step === undefined || step === '') return {};
  return { onStep: (s) => { if (s === step || (step.endsWith('*') && s.startsWith(step.slice(0, -1)))) process.kill(process.pid, 'SIGSTOP'); } };
}

function jsonOf(r: RestoreResult): Record<string, unknown> {
  const { plan: _plan, ...rest } = r;
  return { type: 'restore', ...rest };
}

export async function runRestoreCommand(o: RestoreCliOptions, ctx: CommandContext): Promise<void> {
  const { repo, backup } = o.restore.source;
  // Reading a backup out of a repository holds its shared lock, so no prune deletes the files meanwhile.
  if (repo !== undefined && isStoreReference(repo, backup)) {
    const store = await openStore({ repo, s3: o.restore.source.s3 ?? {}, ...(o.encryption ? { encryption: o.encryption } : {}) }, { create: false }, ctx);
    await store.close();
    // The core reads through this backend: for an encrypted repository it is the decrypting one.
    const opened = { ...o, restore: { ...o.restore, source: { ...o.restore.source, backend: store.backend } } };
    return withRepo(store.backend, { mode: 'shared', command: 'restore', write: false }, ctx, () => restoreLocked(opened, ctx));
  }
  return restoreLocked(o, ctx);
}

async function restoreLocked(o: RestoreCliOptions, ctx: CommandContext): Promise<void> {
  const deps = {
    stdin: ctx.stdin,
    signal: ctx.signal,
    clock: ctx.clock,
    reporter: ctx.reporter,
    connect: ctx.connect,
    passwd: readPasswd(),
    env: ctx.env,
    euid: process.geteuid?.(),
    ...pauseHook(ctx.env.MGBACKUP_PAUSE_AT_STEP),
  };
  if (o.restore.source.backup === '-' && ctx.stdinIsTTY) {
    throw new UsageError('no archive on stdin: stdin is a terminal', { hints: ['pipe an archive in: mgbackup restore - --data-dir D < backup.tar.gz'] });
  }
  if (o.online) {
    if (!o.force) {
      throw new MgBackupError('refused', 'an online restore replaces the data of the running server and needs --force', {
        hints: ['RECOVER SNAPSHOT ... FORCE clears the database first; add --force when that is what you want'],
      });
    }
    const r: OnlineResult = await runOnlineRestore({ ...o.restore, connection: o.connection, serverDataDir: o.serverDataDir }, deps);
    for (const w of r.warnings) ctx.reporter.warn(w);
    ctx.recordMetrics?.({ database: r.database });
    if (o.json) ctx.stdout.write(JSON.stringify({ type: 'restore-online', ...r }) + '\n');
    else if (!ctx.quiet) {
      ctx.stdout.write(`recovered ${r.snapshot} on ${o.connection.uri}: vertices ${r.before.vertices ?? '?'} -> ${r.after.vertices ?? '?'}, edges ${r.before.edges ?? '?'} -> ${r.after.edges ?? '?'}\n`);
      if (r.keptAside !== undefined) ctx.stdout.write(`kept the server's previous snapshots/ and wal/ in ${r.keptAside}/\n`);
    }
    return;
  }
  const r = o.restore.container !== undefined
    ? await runContainerRestore(o.restore, o.restore.container, deps)
    : await runRestore(o.restore, deps);
  for (const w of r.warnings) ctx.reporter.warn(w);
  ctx.recordMetrics?.({ database: r.database, files: r.staged.length });
  if (o.json) {
    ctx.stdout.write(JSON.stringify(jsonOf(r)) + '\n');
    return;
  }
  if (ctx.quiet) return;
  // The plan and the next step are the result the operator asked for (cron logs included), so they
  // are written like create's and verify's results, on stdout.
  ctx.stdout.write((r.pointInTime ? renderPointInTime(r.pointInTime) : '') + renderPlanText(r.plan, r.dryRun)
    + (r.dryRun ? 'dry run: nothing was changed\n' : `next step: ${r.nextStep}\n`));
}

export function renderPointInTime(p: PointInTimeResult): string {
  const cut = p.cut === undefined ? '' : `, ${p.cut.name} cut after ${p.cut.kept} transaction(s) (${p.cut.dropped} later left out)`;
  return [
    `point in time: commit ${p.ts}${p.at === undefined ? '' : `, durable by ${p.at}`} (asked: ${p.requested.time ?? `commit ${p.requested.ts}`})`,
    `  from:   backup ${p.baseBackup} (snapshot ${p.snapshot}), ${p.wals.length} archived wal file(s) whole${cut}`,
    `  window: ${p.window.earliest.at} (commit ${p.window.earliest.ts}) .. ${p.window.latest.at} (commit ${p.window.latest.ts})`,
  ].join('\n') + '\n';
}

export const restoreCommand = defineCommand<RestoreCliOptions>({
  command: 'restore [backup]',
  describe: 'stage a verified backup into a stopped Memgraph data directory, or into a running server with --online',
  groups: ['connection', 'repository', 'metrics'],
  examples: [
    ['mgbackup restore latest --repo /backups --data-dir /var/lib/memgraph --dry-run', 'show the plan, change nothing'],
    ['mgbackup restore latest --repo /backups --data-dir /var/lib/memgraph', 'into a stopped server\'s data directory'],
    ['mgbackup restore - --data-dir ./mg_data < backup.tar.zst', 'from an archive on stdin'],
    ['mgbackup restore latest --repo /backups --data-dir /var/lib/memgraph --online --force', 'into the running server (RECOVER SNAPSHOT)'],
  ],
  builder: (y) =>
    y
      .positional('backup', { type: 'string', describe: 'backup id or "latest" (with --repo), a backup folder, an archive, or "-" (archive on stdin)' })
      .option('data-dir', { type: 'string', describe: 'target Memgraph data directory (host path or bind mount)' })
      .option('container', { type: 'string', describe: 'target: a stopped Docker container (its /var/lib/memgraph, via the Engine API; DOCKER_HOST honoured)' })
      .option('snapshot-only', { type: 'boolean', describe: 'stage exactly one snapshot and leave wal/ empty' })
      .option('snapshot', { type: 'string', describe: 'the snapshot to stage (file name in the backup); default: the backup\'s newest' })
      .option('dry-run', { type: 'boolean', describe: 'print the plan (what moves where) and change nothing' })
      .option('owner', { type: 'string', describe: 'owner of written files: memgraph, UID or UID:GID (default 101:103 when the directory belongs to uid 101)' })
      .option('target-version', { type: 'string', describe: 'Memgraph release of the target server, for the durability version guard' })
      .option('probe', { type: 'boolean', describe: 'also refuse when a server answers at --uri' })
      .option('online', { type: 'boolean', describe: 'restore into the running server with RECOVER SNAPSHOT (Memgraph >= 2.22; needs --force)' })
      .option('force', { type: 'boolean', describe: 'confirm that --online replaces the server\'s data' })
      .option('to-time', { type: 'string', describe: 'point-in-time restore (with --repo): the state as of this ISO time, e.g. 2026-12-02T10:41:00Z (never a commit made after it)' })
      .option('to-ts', { type: 'string', describe: 'point-in-time restore (with --repo): the state as of this commit timestamp' })
      .option('server-data-dir', { type: 'string', describe: `the server's own --data-directory, for --online and --container (default ${DEFAULT_SERVER_DATA_DIR})` }),
  toOptions,
  run: runRestoreCommand,
});
