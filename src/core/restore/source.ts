// Where a restore reads from: a backup in the store (`--repo R <id>|latest`), a backup folder, or an
// archive made by `create --archive` (a file, or `-` for stdin). Every form ends as a local folder with
// manifest.json at its top; archives are unpacked into a private temp folder first, outside the target,
// so that verification happens before anything is written to the data directory.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { MgBackupError, UsageError, q, throwIfAborted } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { MANIFEST_NAME, parseManifest, type Manifest } from '../../store/manifest.js';
import { isBackupId } from '../../store/backup-id.js';

export interface SourceSpec {
  /** Backup id, 'latest', a folder, an archive path, or '-' (archive on stdin). */
  backup: string;
  repo?: string;
}

export interface OpenedSource {
  /** Folder holding manifest.json and snapshots/, wal/. */
  dir: string;
  manifest: Manifest;
  /** For the operator: `backup "id" in repo "R"`, `archive "x.tar.gz"`, ... */
  description: string;
  /** Removes the unpacked temp folder of an archive; no-op otherwise. */
  close(): Promise<void>;
}

export interface SourceIo {
  stdin: NodeJS.ReadableStream;
  signal?: AbortSignal;
  /** Parent of the temp folder for archives (default os.tmpdir()). */
  tmpDir?: string;
}

async function readManifestIn(dir: string, where: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw new MgBackupError('notFound', `${where} has no ${MANIFEST_NAME}`, {
        hints: ['a backup that has no manifest is incomplete (interrupted create); pick another with "mgbackup list"'],
      });
    }
    throw fsError(err, 'read', file);
  }
  return parseManifest(text, file);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Complete backups of a repository (a parseable manifest), oldest first by name. */
export async function listRepoBackups(repo: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(repo);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw new MgBackupError('notFound', `backup repository ${q(repo)} does not exist`, { hints: ['check --repo'] });
    }
    throw fsError(err, 'read', repo);
  }
  const complete: string[] = [];
  for (const name of names.filter(isBackupId).sort()) {
    try {
      await readManifestIn(path.join(repo, name), name);
      complete.push(name);
    } catch {
      // Incomplete or foreign folders are not backups; `list` ignores them the same way.
    }
  }
  return complete;
}

async function fromRepo(repo: string, id: string): Promise<OpenedSource> {
  let chosen = id;
  if (id === 'latest') {
    const all = await listRepoBackups(repo);
    if (all.length === 0) {
      throw new MgBackupError('notFound', `backup repository ${q(repo)} has no complete backup`, { hints: ['run "mgbackup create" first'] });
    }
    chosen = all[all.length - 1]!;
  } else if (!(await isDir(path.join(repo, id)))) {
    throw new MgBackupError('notFound', `backup ${q(id)} is not in repository ${q(repo)}`, {
      hints: [`see "mgbackup list --repo ${repo}" for the backups it holds`],
    });
  }
  const dir = path.join(repo, chosen);
  const manifest = await readManifestIn(dir, `backup ${q(chosen)}`);
  return { dir, manifest, description: `backup ${q(chosen)} in repository ${q(repo)}`, close: async () => {} };
}

/** The folder holding manifest.json: the unpack root or its single top-level folder. */
async function findManifestDir(root: string, where: string): Promise<string> {
  if (fs.existsSync(path.join(root, MANIFEST_NAME))) return root;
  const subs = (await fsp.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory());
  for (const d of subs) if (fs.existsSync(path.join(root, d.name, MANIFEST_NAME))) return path.join(root, d.name);
  throw new MgBackupError('integrity', `${where} holds no ${MANIFEST_NAME}`, {
    hints: ['pass an archive made by "mgbackup create --archive"'],
  });
}

async function fromArchive(input: NodeJS.ReadableStream, where: string, io: SourceIo): Promise<OpenedSource> {
  const tmp = await fsp.mkdtemp(path.join(io.tmpDir ?? os.tmpdir(), 'mgbackup-restore-'));
  const close = () => fsp.rm(tmp, { recursive: true, force: true });
  try {
    // tar detects gzip and zstd by their magic bytes; entries with absolute paths or '..' are stripped.
    await pipeline(input, tar.x({ cwd: tmp, strict: true }), { signal: io.signal });
    const dir = await findManifestDir(tmp, where);
    const manifest = await readManifestIn(dir, where);
    return { dir, manifest, description: where, close };
  } catch (err) {
    await close();
    throwIfAborted(io.signal);
    if (err instanceof MgBackupError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    if (/zstd/i.test(msg)) {
      throw new MgBackupError('unsupportedVersion', `cannot unpack ${where}: zstd needs Node.js 22.15 or newer (${msg})`, {
        hints: ['unpack it with "zstd -d" and pass the .tar, or run mgbackup on a newer Node.js'],
      });
    }
    throw new MgBackupError('integrity', `cannot unpack ${where}: ${msg}`, {
      cause: err,
      hints: ['the archive is damaged or truncated; copy it again or pick another backup'],
    });
  }
}

export async function openSource(spec: SourceSpec, io: SourceIo): Promise<OpenedSource> {
  const { backup, repo } = spec;
  if (backup === '-') return fromArchive(io.stdin, 'archive on stdin', io);
  if (repo !== undefined && (backup === 'latest' || isBackupId(backup))) return fromRepo(repo, backup);
  if (backup === 'latest') throw new UsageError('"latest" needs --repo', { hints: ['pass --repo with the backup repository'] });
  let st: fs.Stats;
  try {
    st = await fsp.stat(backup);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw new MgBackupError('notFound', `backup ${q(backup)} does not exist`, {
        hints: repo === undefined
          ? ['pass a backup folder, an archive, "-" for stdin, or --repo R with a backup id or "latest"']
          : [`see "mgbackup list --repo ${repo}" for the backups it holds`],
      });
    }
    throw fsError(err, 'read', backup);
  }
  if (st.isDirectory()) {
    const manifest = await readManifestIn(backup, `backup folder ${q(backup)}`);
    return { dir: path.resolve(backup), manifest, description: `backup folder ${q(backup)}`, close: async () => {} };
  }
  return fromArchive(fs.createReadStream(backup), `archive ${q(backup)}`, io);
}
