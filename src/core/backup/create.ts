// src/core/backup owns the backup use cases: create (this file), list and verify. The create flow, in
// the order Memgraph's guide gives and with the lock window kept to O(files):
//   facts -> clean dead runs' leftovers -> claim the lease (lease.ts; STATUS: never touch someone else's
//   lock) -> CREATE SNAPSHOT (before the lock, so the window does not grow with snapshot time) -> lease
//   "locking" -> LOCK -> confirm the snapshot, list WALs -> pin (hardlinks) -> UNLOCK -> drop the lease
//   -> read headers, select, copy + sha256 + fsync -> manifest -> rename into the store.
// UNLOCK runs on every path where the lock can be ours; the staging folder is removed on every failure;
// what a SIGKILL leaves (lease, staging, pins) carries an owner record the next run judges.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync } from 'node:fs';
import path from 'node:path';
import { FdSource } from '../../format/byte-source.js';
import { walSpan } from '../../format/recovery-chain.js';
import type { GraphClient } from '../../bolt/graph-client.js';
import { serverMessageOf } from '../../bolt/classify.js';
import { versionAtLeast, type ServerFacts } from '../../bolt/server-facts.js';
import type { DataDir, PinSet, PinnedFile } from '../../datadir/data-dir.js';
import { readDurabilityHeader, type DurabilityHeader } from '../../datadir/durability-header.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel, parseWalName, storageRoot } from '../../datadir/layout.js';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { ensureRepoFormat } from '../../repo/repository.js';
import { makeBackupId } from '../../store/backup-id.js';
import type { BackupStore, StagingBackup } from '../../store/backup-store.js';
import fsp from 'node:fs/promises';
import fs from 'node:fs';
import { copyAndHash } from '../../store/checksum.js';
import { MANIFEST_FORMAT, manifestVersionFor, type ArchivedRef, type Manifest, type ManifestFile } from '../../store/manifest.js';
import { copyStored, type RepoCompression } from '../../store/stored-file.js';
import { ARCHIVE_PREFIX, archiveWal } from '../../repo/wal-archive.js';
import type { Clock } from '../clock.js';
import type { Reporter } from '../reporter.js';
import { DataDirLock, busyError } from './data-dir-lock.js';
import { acquireLease, type Lease } from './lease.js';
import { DATA_PIN_OWNER, DATA_PIN_PREFIX, cleanDataDir, cleanStore, describeLeftover, type Leftover } from './leftovers.js';
import { newOwner, serializeOwner, type ProcessProbe } from './run-owner.js';
import { DataDirSharedFiles, type SharedFiles } from './shared-files.js';
import { snapshotRelPath } from './server-paths.js';
import { chooseSnapshot, findNewSnapshot, selectWals, walCandidates, type WalInfo } from './select-files.js';
import { pinnedReadAt } from './pinned-read.js';
import { formatBytes } from '../format-bytes.js';

/** Exported so the grammar-oracle test parses the real text (test/grammar). */
export const CREATE_SNAPSHOT_QUERY = 'CREATE SNAPSHOT';

export interface CreateDeps {
  client: GraphClient;
  reconnect: () => Promise<GraphClient>;
  readFacts: (client: GraphClient) => Promise<ServerFacts>;
  dataDir: DataDir;
  store: BackupStore;
  clock: Clock;
  reporter: Reporter;
  signal?: AbortSignal;
  randomId?: () => string;
  /** Who we are, and whether other runs are alive (leases and leftovers). */
  probe: ProcessProbe;
  /** The data directory's root for lease and pin-owner files; defaults to going through dataDir. */
  shared?: SharedFiles;
  /** The repository's storage (WAL archive, marker); defaults to the local folder of `store`. */
  repo?: RepoBackend;
  /** Test hook: called at each named step, so tests can interrupt or fault exactly there. */
  onStep?: (step: CreateStep) => Promise<void> | void;
}

export type CreateStep = 'facts' | 'status' | 'snapshot' | 'locked' | 'pinned' | 'unlocked' | 'copied' | 'published';

export interface CreateRequest {
  /** Tenant name; undefined = the server's default database. */
  database?: string;
  snapshotOnly: boolean;
  wait: boolean;
  waitTimeoutMs: number;
  labels: Record<string, string>;
  tags: string[];
  /** create --pin: the manifest says `pinned`, so forget keeps the backup. */
  pin?: boolean;
  mgbackupVersion: string;
  /** The server URI without credentials, recorded in the lease for the operator. */
  server?: string;
  /** The server's own --data-directory, given only when its paths need translating (bind mounts). */
  serverDataDir?: string;
  /**
   * How the backup's files and archived WAL are stored, compressed before any encryption. undefined:
   * as they are (the command passes its default, zstd 3, DEFAULT_REPO_COMPRESSION).
   */
  compression?: RepoCompression;
}

export interface CreateResult {
  id: string;
  path: string;
  files: { path: string; kind: string; size: number; sha256: string }[];
  bytes: number;
  /** Bytes stored for the backup's own files (compressed size; `bytes` when stored as they are). */
  storedBytes: number;
  compression: RepoCompression['codec'];
  lockWindowMs: number;
  durations: { totalMs: number; snapshotMs: number; copyMs: number };
  pinnedBy: string;
  warnings: string[];
  /** Dead runs' leftovers found before starting (and removed when their owner was provably gone). */
  leftovers: Leftover[];
  /** WAL files referenced in the repository's WAL archive instead of copied (stored there once). */
  archived: ArchivedRef[];
}

const SNAPSHOT_BUSY = 'Another snapshot creation is already in progress';

export async function createBackup(req: CreateRequest, deps: CreateDeps): Promise<CreateResult> {
  const { clock, reporter, signal } = deps;
  const step = async (s: CreateStep) => {
    await deps.onStep?.(s);
    throwIfAborted(signal);
  };
  const repo = deps.repo ?? deps.store.backend;
  const compression: RepoCompression = req.compression ?? { codec: 'none' };
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    reporter.warn(m);
  };
  const t0 = clock.monotonicMs();
  const createdAt = clock.now();

  const facts = await deps.readFacts(deps.client);
  checkServer(facts, warn);
  await deps.dataDir.check();
  await step('facts');

  const shared = deps.shared ?? new DataDirSharedFiles(deps.dataDir);
  const leftovers = [
    ...await cleanDataDir(shared, deps.probe, clock.now()),
    ...await cleanStore(deps.store, deps.probe, clock.now()),
  ];
  for (const l of leftovers) warn(describeLeftover(l));

  const database = req.database ?? facts.databaseName ?? 'memgraph';
  const id = makeBackupId(createdAt, deps.randomId);
  const owner = newOwner(deps.probe, {
    token: `${id}-${deps.probe.self().pid}`, backupId: id, server: req.server ?? 'unknown', database, now: createdAt,
  });
  const lock = new DataDirLock({ client: deps.client, reconnect: deps.reconnect, clock });
  const lease = await acquireLease(
    { owner, database, wait: req.wait, timeoutMs: req.waitTimeoutMs, ...(signal ? { signal } : {}) },
    { files: shared, probe: deps.probe, clock, lock, warn, info: (m) => reporter.info(m) },
  );
  try {
    return await createUnderLease();
  } finally {
    // A lock that may still be ours keeps its lease: the next run (or `mgbackup unlock`) releases both.
    if (lock.mayHold) lease.abandon();
    else await lease.release().catch(() => {});
  }

  async function createUnderLease(): Promise<CreateResult> {
    await step('status');
    const tenantUuid = database !== 'memgraph' ? facts.databaseUuid : undefined;
    let root = storageRoot(tenantUuid);
    if (tenantUuid !== undefined && (await deps.dataDir.stat(root))?.type !== 'dir') {
      throw otherServerError(deps.dataDir.description, `it has no ${q(root)} for database ${q(database)}`);
    }
    const before = versionAtLeast(facts.version, [3, 5, 0]) ? [] : await deps.dataDir.list(joinRel(root, SNAPSHOTS_DIR));
    const tSnap = clock.monotonicMs();
    let snapshotDurableAt = clock.now();
    const snapStep = reporter.step('creating snapshot');
    let ourSnapshot: string;
    try {
      const serverPath = await createSnapshot(deps.client, clock, signal);
      // Everything the snapshot holds was durable once CREATE SNAPSHOT answered: the timestamp map's
      // "ts durable at or before at" (docs/repository-format.md) for the snapshot's durable ts.
      snapshotDurableAt = clock.now();
      if (serverPath !== undefined) {
        const rel = req.serverDataDir !== undefined ? deps.dataDir.fromServerPath(serverPath) : snapshotRelPath(serverPath);
        root = path.posix.dirname(path.posix.dirname(rel)).replace(/^\.$/, '');
        ourSnapshot = path.posix.basename(rel);
        if (!chooseSnapshot(await deps.dataDir.list(joinRel(root, SNAPSHOTS_DIR)), ourSnapshot)) {
          throw otherServerError(deps.dataDir.description, `the snapshot the server just wrote (${q(serverPath)}) is not in it`);
        }
      } else {
        const found = findNewSnapshot(before, await deps.dataDir.list(joinRel(root, SNAPSHOTS_DIR)));
        if (!found) throw otherServerError(deps.dataDir.description, 'CREATE SNAPSHOT succeeded but no new snapshot appeared in it');
        ourSnapshot = found;
      }
      snapStep.succeed(`snapshot ${ourSnapshot} created`);
    } catch (err) {
      snapStep.fail();
      throw err;
    }
    const snapshotMs = clock.monotonicMs() - tSnap;
    await step('snapshot');

    // An older repository becomes format 2 (3 when this backup is compressed) with this backup: said
    // once, on stderr, even in cron.
    await ensureRepoFormat(repo, { now: clock.now(), mgbackupVersion: req.mgbackupVersion, info: (m) => reporter.warn(m), need: compression.codec === 'none' ? 2 : 3 });
    const staging = await deps.store.begin(id, serializeOwner(owner));
    const pinOwner = `${DATA_PIN_PREFIX}${id}`;
    let pins: PinSet | undefined;
    let lockStart = 0;
    let lockWindowMs = 0;
    try {
      await shared.replace(`${pinOwner}/${DATA_PIN_OWNER}`, serializeOwner(owner));
      try {
        await lockUnderLease(lease);
        lockStart = clock.monotonicMs();
        await step('locked');
        const snapEntries = await deps.dataDir.list(joinRel(root, SNAPSHOTS_DIR));
        const choice = chooseSnapshot(snapEntries, ourSnapshot);
        if (!choice) {
          throw new MgBackupError('notFound', `snapshot ${q(ourSnapshot)} disappeared before the lock and no newer snapshot exists`, {
            hints: ['something deleted the snapshot directory contents; re-run the backup'],
          });
        }
        if (choice.replacedOurs) {
          warn(`snapshot ${choice.name} replaced ours (${ourSnapshot}) through retention before the lock; backing up ${choice.name}`);
        }
        const wals = req.snapshotOnly ? [] : walCandidates(await deps.dataDir.list(joinRel(root, WAL_DIR)));
        const paths = [joinRel(root, SNAPSHOTS_DIR, choice.name), ...wals.map((w) => joinRel(root, WAL_DIR, w))];
        pins = await deps.dataDir.pin(paths, { stagingDir: staging.pinDir, id, ...(signal ? { signal } : {}) });
        await step('pinned');
      } finally {
        if (lock.mayHold) {
          await lock.unlock();
          lockWindowMs = clock.monotonicMs() - lockStart;
        }
        await lock.closeExtra();
      }
      await lease.release();
      await step('unlocked');
      const copied = pins.files.filter((f) => f.method === 'copy');
      if (copied.length > 0) {
        warn(`hardlinks were impossible for ${copied.length} file(s) in ${deps.dataDir.description}; they were copied while the lock was held`);
      }

      const tCopy = clock.monotonicMs();
      const { files, archived } = await selectAndCopy(pins, staging, req.snapshotOnly, deps, warn, { backend: repo, now: clock.now() }, compression);
      const copyMs = clock.monotonicMs() - tCopy;
      await pins.release();
      await shared.remove(pinOwner);
      await step('copied');

      const snap = files.find((f) => f.kind === 'snapshot')!;
      if (facts.databaseUuid !== undefined && snap.uuid !== facts.databaseUuid) {
        warn(`the snapshot's UUID ${snap.uuid} differs from the database UUID ${facts.databaseUuid} the server reports`);
      }
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        formatVersion: manifestVersionFor({ files, archived }),
        id,
        createdAt: createdAt.toISOString(),
        mgbackupVersion: req.mgbackupVersion,
        memgraph: { version: facts.version, role: facts.role, storageMode: facts.storageMode ?? 'unknown' },
        database: { name: req.database ?? facts.databaseName ?? 'memgraph', uuid: facts.databaseUuid ?? snap.uuid },
        counts: { vertices: facts.vertexCount ?? null, edges: facts.edgeCount ?? null },
        snapshotOnly: req.snapshotOnly,
        source: deps.dataDir.description,
        files,
        timings: { totalMs: 0, snapshotMs: round(snapshotMs), lockWindowMs: round(lockWindowMs), copyMs: round(copyMs) },
        labels: req.labels,
        tags: req.tags,
        warnings,
        observed: { ts: snap.durableTs!, at: snapshotDurableAt.toISOString() },
        ...(archived.length > 0 ? { archived } : {}),
        ...(req.pin ? { pinned: true } : {}),
      };
      manifest.timings.totalMs = round(clock.monotonicMs() - t0);
      const finalPath = await staging.publish(manifest);
      await step('published');
      return {
        id,
        path: finalPath,
        files: files.map((f) => ({ path: f.path, kind: f.kind, size: f.size, sha256: f.sha256 })),
        bytes: files.reduce((n, f) => n + f.size, 0),
        storedBytes: files.reduce((n, f) => n + (f.stored?.size ?? f.size), 0),
        compression: compression.codec,
        archived,
        lockWindowMs: manifest.timings.lockWindowMs,
        durations: { totalMs: manifest.timings.totalMs, snapshotMs: manifest.timings.snapshotMs, copyMs: manifest.timings.copyMs },
        pinnedBy: pins.where,
        warnings,
        leftovers,
      };
    } catch (err) {
      await pins?.release().catch(() => {});
      await shared.remove(pinOwner).catch(() => {});
      await staging.abort();
      throw err;
    }
  }

  /**
   * LOCK with the lease marked "locking" first. "Already locked" here is a lock someone took without a
   * lease (an operator): theirs, never ours to release; --wait polls until they release it.
   */
  async function lockUnderLease(l: Lease): Promise<void> {
    const started = clock.monotonicMs();
    let delay = 250;
    for (;;) {
      await l.markLocking();
      if ((await lock.lock()) === 'locked') return;
      await l.markClaimed();
      if (!req.wait || clock.monotonicMs() - started >= req.waitTimeoutMs) throw busyError('cannot lock');
      do {
        await clock.sleep(delay, signal);
        delay = Math.min(delay * 2, 2000);
      } while ((await lock.status()) === 'locked');
    }
  }
}

function otherServerError(description: string, why: string): MgBackupError {
  return new MgBackupError('usage', `${description} belongs to another server: ${why}`, {
    hints: [
      'pass --data-dir with the path of this server\'s own --data-directory as seen from here',
      'use --server-data-dir only when the server sees that directory under another path (a bind mount)',
    ],
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function checkServer(facts: ServerFacts, warn: (m: string) => void): void {
  const mode = facts.storageMode;
  if (mode === 'ON_DISK_TRANSACTIONAL') {
    throw new MgBackupError('refused', 'the database uses ON_DISK_TRANSACTIONAL storage, which has no snapshots to back up', {
      hints: ['use `mgbackup dump` for on-disk databases'],
    });
  }
  if (mode === 'IN_MEMORY_ANALYTICAL') {
    warn('storage mode IN_MEMORY_ANALYTICAL: there is no WAL, and CREATE SNAPSHOT blocks writers while it runs');
  }
  if (facts.role === 'replica' && !versionAtLeast(facts.version, [3, 8, 0])) {
    throw new MgBackupError('unsupportedVersion', `memgraph ${facts.version} refuses CREATE SNAPSHOT on a replica (allowed since 3.8)`, {
      hints: ['back up the main instance instead, or upgrade to Memgraph 3.8 or newer'],
    });
  }
}

/** CREATE SNAPSHOT, retrying with backoff while a periodic snapshot runs. Returns the server path if given. */
async function createSnapshot(client: GraphClient, clock: Clock, signal: AbortSignal | undefined): Promise<string | undefined> {
  let delay = 200;
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await client.run(CREATE_SNAPSHOT_QUERY);
      const p = rows[0]?.['path'];
      return typeof p === 'string' ? p : undefined;
    } catch (err) {
      if (!serverMessageOf(err).includes(SNAPSHOT_BUSY) || attempt >= 8) throw err;
      await clock.sleep(delay, signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

interface CopiedFile extends ManifestFile {}

/**
 * The commit timestamps a copied WAL spans, for the manifest: the restore timeline (list, restore
 * --to-time) then reads them instead of decoding the file on every run. Named by a finalized name, or
 * decoded from the copy (a `_current` file, at most one WAL segment). Nothing when it does not decode:
 * verify reports that.
 */
function walSpanOf(file: string): { fromTs?: string; toTs?: string } {
  try {
    const fd = openSync(file, 'r');
    try {
      const span = walSpan(file, () => new FdSource(fd, fstatSync(fd).size));
      return span === undefined ? {} : { fromTs: span.fromTs.toString(), toTs: span.toTs.toString() };
    } finally {
      closeSync(fd);
    }
  } catch {
    return {};
  }
}

/** Whether the repository archives this storage's WAL (`watch` ran for it): then WAL goes there, once. */
async function hasArchive(backend: RepoBackend, uuid: string): Promise<boolean> {
  for await (const o of backend.list(`${ARCHIVE_PREFIX}${uuid}/`)) if (o.key.endsWith('.json')) return true;
  return false;
}

async function hashPinned(pin: PinnedFile): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of await pin.open()) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Copies the snapshot and the WAL it needs into the staging folder. When the repository has a WAL
 * archive for the snapshot's storage, finalized WAL files go into the archive instead (archiveWal:
 * nothing is written when the same bytes are there already) and the manifest references them. A
 * `_current` file stays in the backup: the archive keeps only the newest prefix of such a file and
 * replaces it as it grows, so a reference to it would not last.
 */
async function selectAndCopy(
  pins: PinSet, staging: StagingBackup, snapshotOnly: boolean, deps: CreateDeps, warn: (m: string) => void,
  archive: { backend: RepoBackend; now: Date }, compression: RepoCompression,
): Promise<{ files: CopiedFile[]; archived: ArchivedRef[] }> {
  const headerOf = async (f: PinnedFile): Promise<DurabilityHeader> => readDurabilityHeader(pinnedReadAt(f), f.path);
  const [snapPin, ...walPins] = pins.files;
  const snapHeader = await headerOf(snapPin!);
  if (snapHeader.kind !== 'snapshot') {
    throw new MgBackupError('integrity', `${q(snapPin!.path)} is named like a snapshot but is a WAL file`);
  }
  const wals: (WalInfo & { pin: PinnedFile })[] = [];
  for (const pin of walPins) {
    try {
      const header = await headerOf(pin);
      if (header.kind === 'wal') wals.push({ name: path.posix.basename(pin.path), parsed: parseWalName(path.posix.basename(pin.path))!, header, pin });
    } catch (err) {
      // Memgraph keeps unreadable WALs too but never replays them; a backup should not carry them.
      warn(`skipped WAL ${pin.path}: ${(err as Error).message}`);
    }
  }
  const selection = snapshotOnly ? { selected: [], warnings: [] } : selectWals({ uuid: snapHeader.uuid, durableTs: snapHeader.durableTs! }, wals);
  for (const w of selection.warnings) warn(w);
  const toArchive = selection.selected.length > 0 && await hasArchive(archive.backend, snapHeader.uuid)
    ? selection.selected.filter((w) => !w.parsed.current) as (WalInfo & { pin: PinnedFile })[]
    : [];

  const todo: { pin: PinnedFile; header: DurabilityHeader; dest: string }[] = [
    { pin: snapPin!, header: snapHeader, dest: `${SNAPSHOTS_DIR}/${path.posix.basename(snapPin!.path)}` },
    ...selection.selected.filter((w) => !toArchive.includes(w as WalInfo & { pin: PinnedFile }))
      .map((w) => ({ pin: (w as WalInfo & { pin: PinnedFile }).pin, header: w.header, dest: `${WAL_DIR}/${w.name}` })),
  ];
  const total = [...todo.map((t) => t.pin), ...toArchive.map((w) => w.pin)].reduce((n, p) => n + p.size, 0);
  let done = 0;
  const progress = deps.reporter.step(`copying ${todo.length + toArchive.length} file(s), ${formatBytes(total)}`);
  const out: CopiedFile[] = [];
  const archived: ArchivedRef[] = [];
  try {
    for (const t of todo) {
      throwIfAborted(deps.signal);
      const dest = await staging.destination(t.dest);
      const copyOpts = {
        mode: 0o600,
        signal: deps.signal,
        onBytes: (n: number) => {
          done += n;
          progress.update(`copying ${formatBytes(done)} / ${formatBytes(total)}`);
        },
      };
      let span: { fromTs?: string; toTs?: string } = {};
      let r: Awaited<ReturnType<typeof copyStored>>;
      if (t.header.kind === 'wal' && compression.codec !== 'none') {
        // The commit span is decoded from the plain bytes: a WAL (one segment, small) is copied plain
        // first, then compressed from that copy, which is what was hashed.
        const plainCopy = `${dest}.plain`;
        try {
          const p = await copyAndHash(await t.pin.open(), plainCopy, copyOpts);
          span = walSpanOf(plainCopy);
          r = await copyStored(fs.createReadStream(plainCopy), dest, compression, { mode: 0o600, ...(deps.signal ? { signal: deps.signal } : {}) });
          if (r.plain.sha256 !== p.sha256) throw new MgBackupError('io', `WAL ${q(t.pin.path)} changed in the staging folder while it was compressed`);
        } finally {
          await fsp.rm(plainCopy, { force: true });
        }
      } else {
        r = await copyStored(await t.pin.open(), dest, compression, copyOpts);
        if (t.header.kind === 'wal') span = walSpanOf(dest);
      }
      const file: CopiedFile = {
        path: t.dest, kind: t.header.kind, size: r.plain.size, sha256: r.plain.sha256,
        ...(r.stored ? { stored: r.stored } : {}),
        durabilityVersion: t.header.version, uuid: t.header.uuid, pinnedBy: t.pin.method,
      };
      if (t.header.seqNum !== undefined) file.seqNum = t.header.seqNum.toString();
      if (t.header.durableTs !== undefined) file.durableTs = t.header.durableTs.toString();
      if (t.header.kind === 'wal') Object.assign(file, span);
      out.push(file);
    }
    for (const w of toArchive) {
      throwIfAborted(deps.signal);
      const toTs = w.parsed.toTs!;
      const r = await archiveWal(archive.backend, {
        name: w.name, uuid: w.header.uuid, epoch: w.header.epochId, seq: w.header.seqNum!, fromTs: w.parsed.fromTs!, toTs,
        durabilityVersion: w.header.version, finalized: true, size: w.pin.size, open: () => w.pin.open(),
      }, {
        now: archive.now, hash: () => hashPinned(w.pin), ...(deps.signal ? { signal: deps.signal } : {}), compression,
        // Finalized before it was pinned: its last commit was durable by then.
        observed: [{ ts: toTs.toString(), at: archive.now.toISOString() }],
      });
      done += w.pin.size;
      archived.push({ key: r.record.dataKey, sha256: r.record.sha256, size: r.record.size, ...(r.record.stored ? { stored: r.record.stored } : {}) });
    }
    progress.succeed(`copied ${todo.length} file(s), ${formatBytes(done)}${archived.length > 0 ? `; ${archived.length} wal file(s) in the wal archive` : ''}`);
  } catch (err) {
    progress.fail();
    throw err;
  }
  return { files: out, archived };
}

// Kept exported from here: list, verify and create's summary import it from this module.
export { formatBytes };
