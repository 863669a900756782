// src/core/restore owns `mgbackup restore`: putting a verified backup into a Memgraph data directory so
// that Memgraph's own startup recovery (rules in plan.ts) recovers exactly the backed-up state, without
// ever deleting what was there and without racing a running server; or, with --online, handing the
// snapshot to a running server through RECOVER SNAPSHOT (online.ts), or uploading into a stopped
// Docker container through the archive API (container.ts).
// Order of work: open source -> choose files -> server check -> verify -> version guard -> owner ->
// finish an interrupted restore -> plan -> (dry-run stops here) -> apply. Nothing before apply writes.
// A backup in a remote repository is not downloaded to be verified: apply downloads each file once into
// its staging folder, where the sha256, headers and WAL chain are checked before the swap (remote-files.ts).
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, UsageError, q, throwIfAborted } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { looksLikeMemgraph } from '../../datadir/data-dir.js';
import { assertNoServerHolds } from '../../datadir/server-lock.js';
import type { Clock } from '../clock.js';
import type { Reporter } from '../reporter.js';
import type { ConnectionOptions, GraphClient } from '../../bolt/graph-client.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { openSource, listRepoBackups, type SourceSpec, type OpenedSource, type RemoteBackup } from './source.js';
import { verifyBackup } from './verify.js';
import { guardVersions, type TargetVersion } from './version-guard.js';
import { chooseOwner, ownerOf, parseOwner } from './owner.js';
import { resolveStorageRoot } from './tenant.js';
import { DURABILITY_DIRS, chainOf, planRestore, selectFiles, type RestorePlan, type TargetInventory } from './plan.js';
import { applyPlan, readJournal, resumeInterrupted } from './apply.js';
import { nextStepFor } from './summary.js';
import { readHeaderOf } from './verify.js';
import type { DockerApi } from '../../datadir/docker-api.js';
import type { ManifestFile } from '../../store/manifest.js';
import { openPointInTime, type PointInTimeResult, type PointInTimeTarget } from './point-in-time.js';
import { checkRemoteBackup, remoteStageSource, stagedChain, type StageSource } from './remote-files.js';

export interface RestoreOptions {
  source: SourceSpec;
  dataDir: string;
  /** A stopped Docker container instead of --data-dir (archive API). */
  container?: string;
  /** The server's own data directory (inside the container, or for --online). */
  serverDataDir?: string;
  database?: string;
  snapshotOnly: boolean;
  snapshot?: string;
  dryRun: boolean;
  owner?: string;
  targetVersion?: string;
  /** Bolt-probe this address and refuse when a server answers. */
  probe?: ConnectionOptions;
  /** --to-time / --to-ts: roll the newest base backup before it forward through the WAL archive. */
  pointInTime?: PointInTimeTarget;
}

export interface RestoreDeps {
  stdin: NodeJS.ReadableStream;
  signal?: AbortSignal;
  clock: Clock;
  reporter: Reporter;
  connect?: (opts: ConnectionOptions) => Promise<GraphClient>;
  /** Text of /etc/passwd (for --owner memgraph); '' when unknown. */
  passwd: string;
  euid: number | undefined;
  /** Test seam: the kernel lock table instead of /proc/locks. */
  procLocks?: string;
  tmpDir?: string;
  /** For the Docker endpoint (DOCKER_HOST). */
  env?: NodeJS.ProcessEnv;
  /** Test seam: a Docker API to use for --container. */
  dockerApi?: DockerApi;
  /** Narration of apply steps (also a seam to interrupt apply in tests). */
  onStep?: (step: string) => void;
}

export interface RestoreResult {
  backupId: string;
  source: string;
  dataDir: string;
  database: string;
  storageRoot: string;
  mode: RestorePlan['mode'];
  dryRun: boolean;
  restoreId: string;
  staged: RestorePlan['stage'];
  movedAside: { folder: string | undefined; moves: RestorePlan['moveAside'] };
  owner: string | undefined;
  targetVersion: TargetVersion | undefined;
  resumed: { restoreId: string; backupId: string; action: 'completed' | 'discarded' | 'pending' } | undefined;
  warnings: string[];
  nextStep: string;
  plan: RestorePlan;
  /** --to-time / --to-ts: the exact commit and time restored to, and from what. */
  pointInTime?: PointInTimeResult;
}

async function inventory(dataDir: string, storageRoot: string): Promise<TargetInventory> {
  const root = path.join(dataDir, storageRoot);
  let rootNames: string[] = [];
  let exists = true;
  try {
    rootNames = await fsp.readdir(root);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw fsError(err, 'read', root);
    exists = false;
  }
  const dirs: Record<string, string[] | undefined> = {};
  for (const d of DURABILITY_DIRS) {
    try {
      dirs[d] = (await fsp.readdir(path.join(root, d))).sort();
    } catch (err) {
      // ENOTDIR: the marker file of an interrupted swap (apply.ts) stands where wal/ was.
      if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'ENOTDIR') throw fsError(err, 'read', path.join(root, d));
      dirs[d] = undefined;
    }
  }
  return { dataDir, exists, storageRoot, rootNames, dirs };
}

/** A non-empty folder that is not Memgraph's is never written to: a typo must not scatter files in /home. */
function checkTargetShape(inv: TargetInventory): void {
  const meaningful = inv.rootNames.filter((n) => !n.startsWith('.mgbackup-'));
  if (inv.exists && meaningful.length > 0 && !looksLikeMemgraph(inv.rootNames)) {
    throw new MgBackupError('notFound', `data directory ${q(inv.dataDir)} is not empty and not a Memgraph data directory (no snapshots/, wal/ or .lock)`, {
      hints: ['point --data-dir at Memgraph\'s --data-directory, or at a new or empty folder'],
    });
  }
}

/** The target's version from the newest backup in --repo whose files share a UUID with the target's snapshots. */
export async function versionFromRepo(repo: string | undefined, dataDir: string, storageRoot: string, snapshots: string[] | undefined, s3: S3Settings = {}): Promise<TargetVersion | undefined> {
  if (repo === undefined || !snapshots?.length) return undefined;
  const uuids = new Set<string>();
  for (const name of snapshots) {
    try {
      uuids.add((await readHeaderOf(path.join(dataDir, storageRoot, 'snapshots', name), name)).uuid);
    } catch {
      // Not a readable snapshot: Memgraph skips it too.
    }
  }
  let backups;
  try {
    backups = await listRepoBackups(repo, s3);
  } catch {
    return undefined;
  }
  for (const b of backups.reverse()) {
    if (b.manifest.files.some((f) => uuids.has(f.uuid))) return { release: b.manifest.memgraph.version, from: 'manifest' };
  }
  return undefined;
}

/** The target is a directory or does not exist yet; a file (or a path through one) is a usage error. */
export async function assertTargetIsDirectory(dataDir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await fsp.stat(dataDir)).isDirectory();
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    if (code !== 'ENOTDIR') throw fsError(err, 'stat', dataDir);
    isDir = false;
  }
  if (!isDir) {
    throw new UsageError(`--data-dir ${q(dataDir)} is not a directory`, {
      hints: ['pass Memgraph\'s data directory (--data-directory), or a new or empty folder to create'],
    });
  }
}

async function probeBolt(deps: RestoreDeps, conn: ConnectionOptions): Promise<void> {
  if (!deps.connect) return;
  let client: GraphClient;
  try {
    client = await deps.connect(conn);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'cannotConnect') return;
    throw err;
  }
  await client.close();
  throw new MgBackupError('busy', `a server answers at ${q(conn.uri)}`, {
    hints: ['stop Memgraph before an offline restore, or use --online --force to restore into the running server'],
  });
}

/** A source whose files are chosen already: a point in time (files laid out by point-in-time.ts). */
export interface PreparedSource extends OpenedSource {
  files?: ManifestFile[];
  pointInTime?: PointInTimeResult;
  warnings?: string[];
  /** Where apply takes the files from when not the folder `dir` (point-in-time.ts, direct). */
  stageSource?: StageSource;
}

/** The backup (or the point in time) to restore, opened. */
export async function openRestoreSource(opts: RestoreOptions, deps: Pick<RestoreDeps, 'stdin' | 'signal' | 'tmpDir' | 'clock'>,
  keepCompressedSnapshot = false, direct = false): Promise<PreparedSource> {
  if (opts.pointInTime === undefined) return openSource(opts.source, { stdin: deps.stdin, signal: deps.signal, tmpDir: deps.tmpDir, keepCompressedSnapshot, direct });
  return openPointInTime({
    repo: opts.source.repo!, ...(opts.source.s3 ? { s3: opts.source.s3 } : {}), target: opts.pointInTime, now: deps.clock.now(),
    ...(opts.source.backend ? { backend: opts.source.backend } : {}),
    ...(opts.database === undefined ? {} : { database: opts.database }),
    ...(deps.tmpDir === undefined ? {} : { tmpDir: deps.tmpDir }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    direct,
  });
}

/**
 * The files to stage, verified: a backup's chosen snapshot and chain (every file hashed first, as
 * `verify` does), or a point in time's files (hashed while they are copied: apply refuses a mismatch
 * before anything is swapped in, and a large snapshot is read once instead of twice).
 */
export async function verifiedFiles(
  source: PreparedSource, opts: RestoreOptions, deps: Pick<RestoreDeps, 'reporter' | 'signal'>, checkNow = false,
): Promise<{ files: ManifestFile[]; warnings: string[] }> {
  if (source.files !== undefined) {
    // Where a mismatch would only show after the target changed (a container upload), hash first.
    if (checkNow) await verifyBackup(source.dir, source.files, source.files, { listedOnly: true, ...(deps.signal ? { signal: deps.signal } : {}) });
    return { files: source.files, warnings: source.warnings ?? [] };
  }
  const manifest = source.manifest;
  const candidates = selectFiles(manifest, { snapshotOnly: opts.snapshotOnly, ...(opts.snapshot === undefined ? {} : { snapshot: opts.snapshot }) });
  const step = deps.reporter.step(`verifying ${manifest.files.length} file(s) of ${source.description}`);
  try {
    const v = await verifyBackup(source.dir, manifest.files, candidates, { signal: deps.signal });
    const files = chainOf(source.dir, candidates, v.verified.find((x) => x.file.kind === 'snapshot')?.header);
    step.succeed(`verified ${source.description}`);
    return { files, warnings: v.warnings };
  } catch (err) {
    step.fail();
    throw err;
  }
}

/**
 * The files to stage from a backup left in its remote repository: the snapshot and every WAL of its
 * UUID, checked as far as they can be without downloading them (remote-files.ts); their sha256 is
 * checked while apply downloads them into staging, and the chain is narrowed there.
 */
async function checkedRemoteFiles(
  source: PreparedSource, backup: RemoteBackup, opts: RestoreOptions, deps: Pick<RestoreDeps, 'reporter' | 'signal'>,
): Promise<{ files: ManifestFile[]; warnings: string[] }> {
  const manifest = source.manifest;
  const candidates = selectFiles(manifest, { snapshotOnly: opts.snapshotOnly, ...(opts.snapshot === undefined ? {} : { snapshot: opts.snapshot }) });
  const step = deps.reporter.step(`checking ${manifest.files.length} file(s) of ${source.description}`);
  try {
    await checkRemoteBackup(backup, manifest, candidates, deps.signal);
    step.succeed(`checked ${source.description}; the files are verified as they are downloaded`);
    return { files: candidates, warnings: [] };
  } catch (err) {
    step.fail();
    throw err;
  }
}

export async function runRestore(opts: RestoreOptions, deps: RestoreDeps): Promise<RestoreResult> {
  const warnings: string[] = [];
  const dataDir = path.resolve(opts.dataDir);
  await assertTargetIsDirectory(dataDir);
  // A compressed snapshot is verified and staged by streaming it (apply.ts decompresses while it copies).
  // A backup in a remote repository stays there until apply downloads its files into staging
  // (remote-files.ts); a dry run downloads and verifies it first, as verify does.
  const source = await openRestoreSource(opts, deps, true, !opts.dryRun);
  try {
    const manifest = source.manifest;
    const storageRoot = await resolveStorageRoot(dataDir, opts.database);
    const root = path.join(dataDir, storageRoot);
    const said = new Set<string>();
    const lockProbe = {
      ...(deps.procLocks === undefined ? {} : { procLocks: deps.procLocks }),
      warn: (m: string) => {
        if (!said.has(m)) deps.reporter.warn(m);
        said.add(m);
      },
    };
    await assertNoServerHolds(root, lockProbe);
    if (storageRoot !== '') await assertNoServerHolds(dataDir, lockProbe);
    if (opts.probe) await probeBolt(deps, opts.probe);

    const v = source.remote !== undefined ? await checkedRemoteFiles(source, source.remote, opts, deps) : await verifiedFiles(source, opts, deps);
    const files = v.files;
    warnings.push(...v.warnings);
    throwIfAborted(deps.signal);

    let inv = await inventory(dataDir, storageRoot);
    checkTargetShape(inv);
    const target: TargetVersion | undefined = opts.targetVersion !== undefined
      ? { release: opts.targetVersion, from: 'flag' }
      : await versionFromRepo(opts.source.repo, dataDir, storageRoot, inv.dirs['snapshots'], opts.source.s3);
    warnings.push(...guardVersions(files.map((f) => ({ path: f.path, durabilityVersion: f.durabilityVersion })), target));

    const explicit = opts.owner === undefined ? undefined : parseOwner(opts.owner, deps.passwd);
    const owner = chooseOwner({ explicit, container: false, dataDirOwner: await ownerOf(dataDir), euid: deps.euid });
    const rootOwner = await ownerOf(dataDir);
    if (owner && rootOwner && rootOwner.uid !== owner.uid) {
      warnings.push(`the data directory is owned by uid ${rootOwner.uid} but the restored files by uid ${owner.uid}; Memgraph must run as the owner of ${q(dataDir)}`);
    }

    let resumed: RestoreResult['resumed'];
    let resumedAside: string | undefined;
    const pending = await readJournal(dataDir, storageRoot);
    if (pending && opts.dryRun) {
      resumed = { restoreId: pending.restoreId, backupId: pending.backupId, action: 'pending' };
      warnings.push(`restore ${q(pending.restoreId)} of backup ${q(pending.backupId)} was interrupted; a real run completes it first`);
    } else if (pending) {
      const r = (await resumeInterrupted(dataDir, storageRoot, { ...(deps.onStep ? { onStep: deps.onStep } : {}) }))!;
      resumed = { restoreId: r.journal.restoreId, backupId: r.journal.backupId, action: r.action };
      resumedAside = r.journal.asideDir;
      deps.reporter.info(`${r.action} the interrupted restore ${r.journal.restoreId} of backup ${r.journal.backupId}`);
      inv = await inventory(dataDir, storageRoot);
    }

    const plan = planRestore({ manifest, files, target: inv, now: deps.clock.now(), owner, snapshotOnly: opts.snapshotOnly });
    const result: RestoreResult = {
      backupId: manifest.id,
      source: source.description,
      dataDir,
      database: opts.database ?? 'memgraph',
      storageRoot,
      mode: plan.mode,
      dryRun: opts.dryRun,
      restoreId: plan.restoreId,
      // What lands in the target (plain files): how a file is stored in the backup is not part of it.
      staged: plan.stage.map(({ stored: _s, uuid: _u, ...step }) => step),
      movedAside: { folder: plan.asideDir, moves: plan.moveAside },
      owner: owner ? `${owner.uid}:${owner.gid}` : undefined,
      targetVersion: target,
      resumed,
      warnings,
      nextStep: nextStepFor({ dataDir, storageRoot, owner, memgraphVersion: target?.release ?? manifest.memgraph.version }),
      plan,
      ...(source.pointInTime === undefined ? {} : { pointInTime: source.pointInTime }),
    };
    // A re-run of the very restore that was interrupted is complete once its swap finished.
    if (resumed?.action === 'completed' && resumed.backupId === manifest.id && !opts.dryRun) {
      return { ...result, restoreId: resumed.restoreId, movedAside: { folder: resumedAside, moves: [] } };
    }
    if (opts.dryRun) return result;

    // The server could have started while we verified: check once more just before writing.
    await assertNoServerHolds(root, lockProbe);
    const applyStep = deps.reporter.step(`staging ${plan.stage.length} file(s) into ${q(root)}`);
    try {
      const remote = source.remote;
      const from = remote !== undefined ? remoteStageSource((rel) => ({ backend: remote.backend, key: remote.keyOf(rel) })) : source.stageSource ?? source.dir;
      await applyPlan(plan, from, {
        ...(deps.signal ? { signal: deps.signal } : {}),
        // Downloaded straight into staging: headers and the WAL chain are read there, before the swap.
        ...(remote === undefined ? {} : { narrow: (dir: string) => stagedChain(dir, files) }),
        onStep: (s) => {
          applyStep.update(s);
          deps.onStep?.(s);
        },
      });
      applyStep.succeed(`restored backup ${manifest.id} into ${q(root)}`);
    } catch (err) {
      applyStep.fail();
      throw err;
    }
    // apply narrowed plan.stage to the chain when it could read the files only once staged.
    result.staged = plan.stage.map(({ stored: _s, uuid: _u, ...step }) => step);
    return result;
  } finally {
    await source.close();
  }
}

export function requireDataDir(dataDir: string | undefined): string {
  if (dataDir === undefined || dataDir === '') {
    throw new UsageError('restore needs a target: --data-dir D or --container NAME', {
      hints: ['pass --data-dir with the host path of Memgraph\'s --data-directory (a bind mount works too), or --container with a stopped container'],
    });
  }
  return dataDir;
}
