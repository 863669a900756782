// Restore into a stopped Docker container's data directory through the Engine API's archive endpoints
// only (they work on stopped containers; exec does not). The archive API cannot rename or delete, so:
//  1. GET the old snapshots/ and wal/ and PUT them back under .mgbackup-pre-restore-<time>/, then read
//     that copy back and compare hashes: the old files are safe before anything replaces them;
//  2. PUT one tar whose first entries are `snapshots` and `wal` as symlinks, then as directories, then
//     the new files. Docker's untar removes an existing path whenever the entry's type differs (only a
//     directory over a directory merges), so each directory is replaced whole, in one request;
//  3. read the new files back and compare with the manifest.
// Ownership comes from the tar headers (default 101:103, the image's memgraph user).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { MgBackupError, UsageError, q, throwIfAborted } from '../../errors/errors.js';
import { DockerApi, apiError, endpointFromEnv, readAll } from '../../datadir/docker-api.js';
import { hashFile } from '../../store/checksum.js';
import { DURABILITY_DIRS, planRestore, type Owner, type RestorePlan } from './plan.js';
import { DEFAULT_SERVER_DATA_DIR } from '../../datadir/data-dir.js';
import { guardVersions, type TargetVersion } from './version-guard.js';
import { DOCKER_MEMGRAPH_OWNER, parseOwner } from './owner.js';
import { openRestoreSource, verifiedFiles, versionFromRepo, type RestoreDeps, type RestoreOptions, type RestoreResult } from './restore.js';

export interface ContainerInfo {
  id: string;
  image: string;
  running: boolean;
}

export async function inspectStopped(api: DockerApi, name: string): Promise<ContainerInfo> {
  const res = await api.json<{ Id: string; State?: { Running?: boolean }; Config?: { Image?: string } }>('GET', `/containers/${encodeURIComponent(name)}/json`);
  if (res.status === 404) throw new MgBackupError('notFound', `container ${q(name)} does not exist`, { hints: ['check the name with "docker ps -a"'] });
  if (res.status !== 200) throw apiError(res.status, res.data, `inspect container ${q(name)}`);
  const info = { id: res.data.Id, image: res.data.Config?.Image ?? 'memgraph/memgraph', running: res.data.State?.Running === true };
  if (info.running) {
    throw new MgBackupError('busy', `container ${q(name)} is running`, {
      hints: [`stop it first: docker stop ${name}`, 'or restore into the running server with --online --force'],
    });
  }
  return info;
}

function archiveUrl(id: string, abs: string): string {
  return `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(abs)}`;
}

/** Downloads a container directory into `into` (as `into/<basename>`); false when it does not exist. */
export async function download(api: DockerApi, id: string, abs: string, into: string): Promise<boolean> {
  const res = await api.request('GET', archiveUrl(id, abs));
  if (res.status === 404) {
    res.body.resume();
    return false;
  }
  if (res.status !== 200) throw apiError(res.status, await readAll(res.body).then((b) => ({ message: b.toString() })), `read ${q(abs)}`);
  await fsp.mkdir(into, { recursive: true });
  await pipeline(res.body, tar.x({ cwd: into, strict: true, preserveOwner: true }));
  return true;
}

export async function pathExists(api: DockerApi, id: string, abs: string): Promise<boolean> {
  const res = await api.request('HEAD', archiveUrl(id, abs));
  res.body.resume();
  if (res.status === 404) return false;
  if (res.status !== 200) throw apiError(res.status, undefined, `stat ${q(abs)}`);
  return true;
}

async function put(api: DockerApi, id: string, dir: string, body: Readable): Promise<void> {
  const res = await api.request('PUT', archiveUrl(id, dir), body, { 'Content-Type': 'application/x-tar' });
  const text = await readAll(res.body);
  if (res.status !== 200) throw apiError(res.status, { message: text.toString().trim() }, `write into ${q(dir)}`);
}

export interface TarEntry {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink';
  mode: number;
  owner: Owner;
  /** Local file to stream (File entries). */
  source?: string;
  size?: number;
  linkpath?: string;
}

/** A tar stream of the entries in order; file bodies are streamed from disk (bounded memory). */
export function tarStream(entries: TarEntry[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      const size = e.type === 'File' ? e.size ?? 0 : 0;
      const h = new tar.Header({
        path: e.path, type: e.type, mode: e.mode, size, mtime: new Date(), uid: e.owner.uid, gid: e.owner.gid,
        ...(e.linkpath === undefined ? {} : { linkpath: e.linkpath }),
      });
      const block = Buffer.alloc(512);
      h.encode(block, 0);
      yield block;
      if (e.type === 'File' && e.source) {
        let sent = 0;
        for await (const chunk of fs.createReadStream(e.source)) {
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (sent !== size) throw new MgBackupError('integrity', `${q(e.source)} changed size while it was uploaded`);
        const pad = (512 - (size % 512)) % 512;
        if (pad) yield Buffer.alloc(pad);
      }
    }
    yield Buffer.alloc(1024);
  }
  return Readable.from(gen());
}

/** The replacing upload: each durability directory as a symlink (removes the old one), then as a directory. */
export function replacementEntries(plan: RestorePlan, sourceDir: string, owner: Owner): TarEntry[] {
  const entries: TarEntry[] = [];
  for (const d of DURABILITY_DIRS) entries.push({ path: d, type: 'SymbolicLink', linkpath: '.mgbackup-replacing', mode: 0o777, owner });
  for (const d of DURABILITY_DIRS) entries.push({ path: d, type: 'Directory', mode: 0o755, owner });
  for (const s of plan.stage) entries.push({ path: s.to, type: 'File', mode: 0o644, owner, source: path.join(sourceDir, s.from), size: s.size });
  return entries;
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFiles(root, r)));
    else if (d.isFile()) out.push(r);
  }
  return out.sort();
}

export interface ContainerTarget {
  api: DockerApi;
  info: ContainerInfo;
  name: string;
  serverRoot: string;
  /** Local copy of the old snapshots/ and wal/ (tmp/old/<dir>/...). */
  oldDir: string;
  tmp: string;
  close(): Promise<void>;
}

export async function openContainerTarget(name: string, serverRoot: string, env: NodeJS.ProcessEnv, api?: DockerApi): Promise<ContainerTarget> {
  const docker = api ?? new DockerApi(endpointFromEnv(env));
  const info = await inspectStopped(docker, name);
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'mgbackup-container-'));
  const oldDir = path.join(tmp, 'old');
  await fsp.mkdir(oldDir);
  try {
    for (const d of DURABILITY_DIRS) await download(docker, info.id, `${serverRoot}/${d}`, oldDir);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { api: docker, info, name, serverRoot, oldDir, tmp, close: () => fsp.rm(tmp, { recursive: true, force: true }) };
}

/** Entries of the downloaded old directories, as the plan's inventory wants them. */
export async function containerDirs(t: ContainerTarget): Promise<Record<string, string[] | undefined>> {
  const dirs: Record<string, string[] | undefined> = {};
  for (const d of DURABILITY_DIRS) {
    try {
      dirs[d] = (await fsp.readdir(path.join(t.oldDir, d))).sort();
    } catch {
      dirs[d] = undefined;
    }
  }
  return dirs;
}

async function compareTrees(a: string, b: string, what: string): Promise<void> {
  const fa = await listFiles(a);
  const fb = await listFiles(b);
  if (fa.join('\n') !== fb.join('\n')) throw new MgBackupError('io', `${what}: the container holds other files than were uploaded`);
  for (const f of fa) {
    if ((await hashFile(path.join(a, f))).sha256 !== (await hashFile(path.join(b, f))).sha256) {
      throw new MgBackupError('io', `${what}: ${q(f)} differs after upload`);
    }
  }
}

export async function applyToContainer(t: ContainerTarget, plan: RestorePlan, sourceDir: string, owner: Owner): Promise<void> {
  if (plan.storageRoot !== '') throw new UsageError('--container restores the default database only', { hints: ['restore a tenant with --online --force'] });
  const { api, info, serverRoot } = t;
  if (plan.asideDir) {
    const present = DURABILITY_DIRS.filter((d) => fs.existsSync(path.join(t.oldDir, d)));
    await put(api, info.id, serverRoot, tar.c({ cwd: t.oldDir, prefix: plan.asideDir, portable: false }, present) as unknown as Readable);
    const check = path.join(t.tmp, 'aside-check');
    await download(api, info.id, `${serverRoot}/${plan.asideDir}`, check);
    await compareTrees(t.oldDir, path.join(check, plan.asideDir), `moving the old files aside in container ${q(t.name)}`);
  }
  await put(api, info.id, serverRoot, tarStream(replacementEntries(plan, sourceDir, owner)));
  const back = path.join(t.tmp, 'new-check');
  for (const d of DURABILITY_DIRS) await download(api, info.id, `${serverRoot}/${d}`, back);
  for (const s of plan.stage) {
    const h = await hashFile(path.join(back, s.to));
    if (h.sha256 !== s.sha256) {
      throw new MgBackupError('integrity', `${q(s.to)} in container ${q(t.name)} does not match the backup after upload`, {
        hints: [`the old files are in ${serverRoot}/${plan.asideDir ?? '(none)'}; run restore again`],
      });
    }
  }
}

/** --container: the same checks and plan as runRestore, applied through the archive API. */
export async function runContainerRestore(opts: RestoreOptions, name: string, deps: RestoreDeps): Promise<RestoreResult> {
  if (opts.database !== undefined && opts.database !== 'memgraph') {
    throw new UsageError('--container restores the default database only', {
      hints: ['restore a tenant with --online --force --database NAME, or with --data-dir on the volume\'s host path'],
    });
  }
  const warnings: string[] = [];
  const serverRoot = (opts.serverDataDir ?? DEFAULT_SERVER_DATA_DIR).replace(/\/+$/, '');
  const source = await openRestoreSource(opts, deps);
  try {
    const manifest = source.manifest;
    const target = await openContainerTarget(name, serverRoot, deps.env ?? {}, deps.dockerApi);
    try {
      const v = await verifiedFiles(source, opts, deps, true);
      warnings.push(...v.warnings);
      const files = v.files;
      const dirs = await containerDirs(target);
      const tv: TargetVersion | undefined = opts.targetVersion !== undefined
        ? { release: opts.targetVersion, from: 'flag' }
        : await versionFromRepo(opts.source.repo, target.oldDir, '', dirs['snapshots'], opts.source.s3);
      warnings.push(...guardVersions(files.map((f) => ({ path: f.path, durabilityVersion: f.durabilityVersion })), tv));
      // Ownership travels in the tar headers: no local privilege needed.
      const owner = opts.owner === undefined ? DOCKER_MEMGRAPH_OWNER : parseOwner(opts.owner, deps.passwd);
      const description = `container ${q(name)}:${serverRoot}`;
      const plan = planRestore({
        manifest, files, now: deps.clock.now(), owner, snapshotOnly: opts.snapshotOnly,
        target: { dataDir: description, exists: true, storageRoot: '', rootNames: [], dirs },
      });
      if (plan.asideDir && await pathExists(target.api, target.info.id, `${serverRoot}/${plan.asideDir}`)) {
        throw new MgBackupError('refused', `${q(plan.asideDir)} already exists in container ${q(name)}`, { hints: ['run restore again in a second'] });
      }
      const result: RestoreResult = {
        backupId: manifest.id, source: source.description, dataDir: description, database: 'memgraph', storageRoot: '',
        mode: plan.mode, dryRun: opts.dryRun, restoreId: plan.restoreId, staged: plan.stage,
        movedAside: { folder: plan.asideDir, moves: plan.moveAside }, owner: `${owner.uid}:${owner.gid}`, targetVersion: tv,
        resumed: undefined, warnings, nextStep: `start the container: docker start ${name}`, plan,
        ...(source.pointInTime === undefined ? {} : { pointInTime: source.pointInTime }),
      };
      if (opts.dryRun) return result;
      throwIfAborted(deps.signal);
      const step = deps.reporter.step(`uploading ${plan.stage.length} file(s) into ${description}`);
      try {
        await applyToContainer(target, plan, source.dir, owner);
        step.succeed(`restored backup ${manifest.id} into ${description}`);
      } catch (err) {
        step.fail();
        throw err;
      }
      return result;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
