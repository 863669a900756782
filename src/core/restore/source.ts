// Where a restore reads from: a backup in the store (`--repo R <id>|latest`), a backup folder, or an
// archive made by `create --archive` (a file, or `-` for stdin). Every form ends as a local folder with
// manifest.json at its top; archives are unpacked into a private temp folder first, outside the target,
// so that verification happens before anything is written to the data directory.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { MgBackupError, UsageError, q, throwIfAborted } from '../../errors/errors.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { createDecompressor } from '../../io/compression.js';
import { MANIFEST_NAME, parseManifest, type Manifest, type ManifestFile } from '../../store/manifest.js';
import { BackupStore, type StoredBackup } from '../../store/backup-store.js';
import { LocalBackend } from '../../repo/local-backend.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { openRepo, type S3Settings } from '../../repo/repo-url.js';
import { plainView } from '../../store/stored-file.js';
import { archivedFiles, joinArchived } from './archived-wal.js';
import { assertNoUnlisted } from './verify.js';

export interface SourceSpec {
  /** Backup id, 'latest', a folder, an archive path, or '-' (archive on stdin). */
  backup: string;
  /** A folder or s3://bucket/prefix (repo/repo-url.ts). */
  repo?: string;
  /** For an s3:// repo: endpoint, path style, region (the SDK's AWS_* chain otherwise). */
  s3?: S3Settings;
  /** The repository already opened by the caller (e.g. wrapped to decrypt); else opened from repo + s3. */
  backend?: RepoBackend;
}

export interface OpenedSource {
  /** Folder holding manifest.json and snapshots/, wal/. */
  dir: string;
  manifest: Manifest;
  /** For the operator: `backup "id" in repo "R"`, `archive "x.tar.gz"`, ... */
  description: string;
  /** Removes the unpacked temp folder of an archive; no-op otherwise. */
  close(): Promise<void>;
  /**
   * Set when the backup was left in its remote repository (SourceIo.direct): `dir` is empty, and the
   * files are downloaded straight into the target's staging folder (remote-files.ts).
   */
  remote?: RemoteBackup;
}

/** A backup left in its remote repository: where each of its files lies. */
export interface RemoteBackup {
  backend: RepoBackend;
  /** The key of a manifest path: under the backup's prefix, or in the wal archive. */
  keyOf(file: string): string;
  /** Paths whose objects lie in the wal archive (format 2 `archived`), not under the backup's prefix. */
  archived: ReadonlySet<string>;
}

export interface SourceIo {
  stdin: NodeJS.ReadableStream;
  signal?: AbortSignal;
  /** Parent of the temp folder for archives (default os.tmpdir()). */
  tmpDir?: string;
  /**
   * A compressed snapshot stays compressed (its entry keeps `stored`): the caller verifies and stages
   * it by streaming (offline restore), so the biggest file is neither decompressed twice nor held twice
   * on disk. Compressed WAL files are decompressed all the same (the chain rule reads them).
   */
  keepCompressedSnapshot?: boolean;
  /**
   * A backup in a remote repository is not downloaded here: the caller stages its files straight from
   * the repository (offline restore). A backup keeping WAL in the wal archive is downloaded all the same.
   */
  direct?: boolean;
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

/** Complete backups of a repository (valid manifest), oldest first; `list` shows the same ones. */
export async function listRepoBackups(repo: string, s3: S3Settings = {}): Promise<StoredBackup[]> {
  const store = await BackupStore.open(await openRepo(repo, s3), { create: false });
  try {
    return await store.list();
  } finally {
    await store.close();
  }
}

/** With --repo the argument is a store reference (id, short id, "latest") unless it names a path. */
export function isStoreReference(_repo: string, backup: string): boolean {
  return !backup.includes('/') && !/\.(tar|tgz|tzst|gz|zst)$/.test(backup);
}

async function fromRepo(spec: SourceSpec, ref: string, io: SourceIo): Promise<OpenedSource> {
  const store = await BackupStore.open(spec.backend ?? await openRepo(spec.repo!, spec.s3 ?? {}), { create: false });
  try {
    // A remote backup is downloaded into the store's private folder; restore checks every sha256
    // against the manifest before anything moves into the target.
    const found = await store.resolve(ref);
    const description = `backup ${q(found.id)} in repository ${q(spec.repo)}`;
    if (io.direct && store.remote) {
      // Archived WAL is listed from its records, and staged from the archive like the backup's own files.
      const archived = await archivedFiles(found.manifest, store.backend);
      const keys = new Map(archived.map((a) => [a.file.path, a.key]));
      const manifest = archived.length === 0 ? found.manifest : { ...found.manifest, files: [...found.manifest.files, ...archived.map((a) => a.file)] };
      const remote: RemoteBackup = { backend: store.backend, keyOf: (file) => keys.get(file) ?? `${found.id}/${file}`, archived: new Set(keys.keys()) };
      return { dir: '', manifest, description, remote, close: () => store.close() };
    }
    const b = await store.fetch(found, io.signal);
    const opened = await withArchived(b.dir, b.manifest, store.backend, description, io);
    return { ...opened, close: async () => { await opened.close(); await store.close(); } };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** A format 2 backup whose WAL lives in the repository's archive (`backend`): joined in (archived-wal.ts). */
async function withArchived(dir: string, manifest: Manifest, backend: RepoBackend, description: string, io: SourceIo): Promise<OpenedSource> {
  const joined = await joinArchived(dir, manifest, backend, io.tmpDir === undefined ? {} : { tmpDir: io.tmpDir });
  if (joined === undefined) return plainSource({ dir, manifest, description, close: async () => {} }, io);
  return plainSource({ ...joined, description }, io);
}

/**
 * A backup with compressed files (format 3) as a folder of Memgraph's bytes: each compressed file is
 * decompressed into a private temp folder and checked against its plain sha256 there, before restore
 * verifies and stages anything (the rest of restore then reads plain files with random access, as for
 * an uncompressed backup). Unlisted files in the backup folder are refused first, as `verify` does.
 */
async function plainSource(o: OpenedSource, io: SourceIo): Promise<OpenedSource> {
  if (!o.manifest.files.some((f) => f.stored !== undefined)) return o;
  try {
    await assertNoUnlisted(o.dir, o.manifest.files);
    const v = await plainView(o.dir, o.manifest.files, {
      ...(io.tmpDir === undefined ? {} : { tmpDir: io.tmpDir }), ...(io.signal ? { signal: io.signal } : {}),
      ...(io.keepCompressedSnapshot ? { keep: (f: ManifestFile) => f.kind === 'snapshot' } : {}),
    });
    if (v === undefined) return o;
    return { dir: v.dir, manifest: { ...o.manifest, files: v.files }, description: o.description, close: async () => { await v.close(); await o.close(); } };
  } catch (err) {
    await o.close().catch(() => {});
    throw err;
  }
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

const ZSTD_MAGIC = 0xfd2fb528;

/** The first bytes of a stream, and a stream that still yields everything. */
async function peek(input: NodeJS.ReadableStream, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    seen.push(b);
    len += b.length;
  }
  const head = Buffer.concat(seen);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  }
  return { head, rest: Readable.from(all(), { objectMode: false }) };
}

/** An entry path that would leave the unpack folder: absolute, or with a ".." segment. */
function unsafeEntry(p: string): boolean {
  return p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split(/[\\/]/).includes('..');
}

async function fromArchive(input: NodeJS.ReadableStream, where: string, io: SourceIo): Promise<OpenedSource> {
  const tmp = await fsp.mkdtemp(path.join(io.tmpDir ?? os.tmpdir(), 'mgbackup-restore-'));
  // A retry covers a last file handle tar is still closing; the folder is ours alone.
  const close = () => fsp.rm(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  const unsafe: string[] = [];
  let unpack: Duplex | undefined;
  try {
    // tar detects gzip by its magic bytes; zstd goes through our own node:zlib decompressor, the one
    // `create` pairs with. Entries that would land outside the folder are not written at all but
    // recorded, so that unpacking ends normally (no half-written folder racing the cleanup) and the
    // archive is then refused as hostile.
    const { head, rest } = await peek(input, 4);
    unpack = tar.x({
      cwd: tmp,
      strict: true,
      filter: (p) => {
        if (!unsafeEntry(p)) return true;
        unsafe.push(p);
        return false;
      },
    }) as unknown as Duplex;
    if (head.length >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC) await pipeline(rest, createDecompressor('zstd')!, unpack, { signal: io.signal });
    else await pipeline(rest, unpack, { signal: io.signal });
    if (unsafe.length > 0) {
      throw new MgBackupError('integrity', `${where} holds an entry outside its folder: ${q(unsafe[0])}`, {
        hints: ['mgbackup never writes such entries; this is not an archive made by "mgbackup create --archive": do not use it'],
      });
    }
    const dir = await findManifestDir(tmp, where);
    const manifest = await readManifestIn(dir, where);
    if ((manifest.archived ?? []).length > 0) {
      // `create --archive` writes such WAL into the file; a folder packed by hand lacks it.
      throw new MgBackupError('integrity', `${where} holds backup ${q(manifest.id)} without the ${manifest.archived!.length} wal file(s) it keeps in its repository's wal archive`, {
        hints: ['restore it from its repository (--repo R), or export it with "mgbackup create --archive", which packs that wal in'],
      });
    }
    return await plainSource({ dir, manifest, description: where, close }, io);
  } catch (err) {
    // The unpacker may still be writing queued entries after the pipeline failed: let it finish first.
    const u = unpack;
    if (u && !u.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        const done = () => { clearTimeout(t); resolve(); };
        u.once('close', done);
        u.once('finish', done);
      });
    }
    try {
      await close();
    } catch (rmErr) {
      throw new MgBackupError('io', `cannot remove the temporary folder ${q(tmp)}: ${(rmErr as Error).message}`, { hints: [`remove ${tmp} by hand`] });
    }
    throwIfAborted(io.signal);
    if (err instanceof MgBackupError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new MgBackupError('integrity', `cannot unpack ${where}: ${msg}`, {
      cause: err,
      hints: ['the archive is damaged or truncated; copy it again or pick another backup'],
    });
  }
}

export async function openSource(spec: SourceSpec, io: SourceIo): Promise<OpenedSource> {
  const { backup, repo } = spec;
  if (backup === '-') return fromArchive(io.stdin, 'archive on stdin', io);
  // With --repo the argument is a store reference (id, short id, "latest") unless it names a path.
  if (repo !== undefined && isStoreReference(repo, backup)) return fromRepo(spec, backup, io);
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
    // A backup folder sits in its repository: archived WAL is looked up next to it.
    return withArchived(path.resolve(backup), manifest, new LocalBackend(path.dirname(path.resolve(backup))), `backup folder ${q(backup)}`, io);
  }
  return fromArchive(fs.createReadStream(backup), `archive ${q(backup)}`, io);
}
