// src/store owns the backups in a repository: one folder (key prefix) per backup, named by UTC time and
// a short id, each with manifest.json. In a local repository a backup is assembled in .staging/<id>,
// fsynced and renamed into place, so a crash leaves only staging debris. In a remote one (S3) it is
// assembled in a private local folder and uploaded, the manifest last (remote-store.ts): a backup
// exists once its manifest object does. A published backup that is later damaged is reported as broken.
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../repo/local-backend.js';
import type { RepoBackend } from '../repo/repo-backend.js';
import { fsError, errnoOf } from '../datadir/fs-errors.js';
import type { ExitKind } from '../errors/codes.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { isBackupId } from './backup-id.js';
import { fsyncDir } from './checksum.js';
import { MANIFEST_NAME, type Manifest, parseManifest, serializeManifest } from './manifest.js';

export const STAGING_DIR = '.staging';
/** Tombstones of forgotten backups (`forgetting/<id>.json`, see core/forget/tombstone.ts). */
export const FORGET_DIR = 'forgetting';
export const PIN_DIR = '.pins';
/** `.staging/<id>.owner.json`: who is assembling `.staging/<id>/` (see core/backup/leftovers.ts). */
export const OWNER_SUFFIX = '.owner.json';

export interface StoredBackup {
  id: string;
  dir: string;
  manifest: Manifest;
}

async function mkdirPrivate(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.chmod(dir, 0o700);
}

export class BackupStore {
  /**
   * `root`: the repository folder, or for a remote repository a private local folder (0700) where
   * backups are fetched before use; close() removes the latter.
   */
  protected constructor(readonly root: string, readonly backend: RepoBackend) {}

  /** True when the backups are not local files (S3, memory): staging uploads, readers fetch(). */
  get remote(): boolean {
    return this.backend.kind !== 'local';
  }

  /**
   * Opens the repository, creating a local one (0700) when `create` is set. A backend that is not
   * local gets a RemoteBackupStore (remote-store.ts, loaded only then).
   */
  static async open(repo: string | RepoBackend, opts: { create: boolean }): Promise<BackupStore> {
    // Anything but a plain local folder (S3, memory, an encrypting decorator) is staged and fetched.
    if (typeof repo !== 'string' && !(repo instanceof LocalBackend)) {
      const { RemoteBackupStore } = await import('./remote-store.js');
      // Made by the first fetch only: a create (which stages elsewhere) leaves nothing here if killed.
      return new RemoteBackupStore(path.join(os.tmpdir(), `mgbackup-repo-${randomBytes(8).toString('hex')}`), repo);
    }
    const given = typeof repo === 'string' ? repo : (repo as LocalBackend).root;
    const root = path.resolve(given);
    try {
      const st = await fsp.stat(root);
      if (!st.isDirectory()) throw new MgBackupError('usage', `backup repository ${q(root)} is not a directory`);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw fsError(err, 'open backup repository', root, '--repo');
      if (!opts.create) {
        throw new MgBackupError('notFound', `backup repository ${q(root)} does not exist`, {
          hints: ['check --repo (or MGBACKUP_REPO); `mgbackup create` makes it on first use'],
        });
      }
      try {
        await mkdirPrivate(root);
      } catch (e) {
        throw fsError(e, 'create backup repository', root, '--repo');
      }
    }
    return new BackupStore(root, typeof repo === 'string' ? new LocalBackend(root) : repo);
  }

  /** The repository in messages: the absolute folder, or how the operator named a remote one. */
  get location(): string {
    return this.remote ? this.backend.location : this.root;
  }

  /**
   * The backup as local files, for readers (restore, verify, convert): itself in a local repository;
   * for a remote one every object under its prefix downloaded into the private folder (the readers
   * check each sha256 against the manifest before they use or move anything).
   */
  async fetch(b: StoredBackup, _signal?: AbortSignal): Promise<StoredBackup> {
    return b;
  }

  /** Drops what fetch() downloaded for the backup (verify --all goes through a repository one by one). */
  async release(_b: StoredBackup): Promise<void> {}

  /** Removes the private folder of a remote repository; nothing for a local one. */
  async close(): Promise<void> {}

  /**
   * Starts a backup in the staging area. The owner record (when given) is written and fsynced before
   * the folder exists, so a staging folder without one was never made by a run that wrote them.
   */
  async begin(id: string, owner?: string): Promise<StagingBackup> {
    const dir = path.join(this.root, STAGING_DIR, id);
    try {
      await mkdirPrivate(path.join(this.root, STAGING_DIR));
      if (owner !== undefined) {
        const fh = await fsp.open(dir + OWNER_SUFFIX, 'wx', 0o600);
        try {
          await fh.writeFile(owner);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fsyncDir(path.dirname(dir));
      }
      await fsp.mkdir(dir, { mode: 0o700 });
      await fsp.chmod(dir, 0o700);
      // The pins are hardlinks to the server's files, which hold all the data: private like a backup.
      await mkdirPrivate(path.join(dir, PIN_DIR));
    } catch (err) {
      throw fsError(err, 'create staging folder', dir, '--repo');
    }
    return new StagingBackup(this.root, id, dir);
  }

  /** Every published backup with a valid manifest, oldest first. */
  async list(): Promise<StoredBackup[]> {
    return (await this.scan()).backups;
  }

  /**
   * The repository's folders: usable backups, and the folders that look like backups but cannot be used
   * (manifest missing, truncated or invalid, naming another id, or unreadable for this user). Broken
   * ones are reported, never skipped in silence: an operator must learn that a backup is gone before
   * needing it. Hidden folders (.staging) and plain files are not backups.
   */
  async scan(): Promise<{ backups: StoredBackup[]; broken: BrokenBackup[] }> {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(this.root, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, 'list backup repository', this.root, '--repo');
    }
    const backups: StoredBackup[] = [];
    const broken: BrokenBackup[] = [];
    // A folder with a tombstone was forgotten (core/forget/tombstone.ts): gone, its files wait for a prune.
    const forgotten = new Set((await fsp.readdir(path.join(this.root, FORGET_DIR)).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)));
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (d.name.startsWith('.') || !d.isDirectory() || forgotten.has(d.name)) continue;
      const dir = path.join(this.root, d.name);
      const manifestPath = path.join(dir, MANIFEST_NAME);
      let text: string;
      try {
        text = await fsp.readFile(manifestPath, 'utf8');
      } catch (err) {
        const code = errnoOf(err);
        // A folder without a manifest is a backup only if it is named like one.
        if (code === 'ENOENT') {
          if (isBackupId(d.name)) broken.push({ name: d.name, dir, kind: 'integrity', problem: `has no ${MANIFEST_NAME}` });
          continue;
        }
        const e = fsError(err, 'read', manifestPath);
        const denied = code === 'EACCES' || code === 'EPERM';
        broken.push({
          name: d.name, dir, kind: e.kind === 'notFound' ? 'io' : e.kind, problem: e.message,
          hints: denied ? [`run mgbackup as the user that owns the repository, or fix the permissions of ${q(dir)}`] : e.hints,
        });
        continue;
      }
      let manifest: Manifest;
      try {
        manifest = parseManifest(text, manifestPath);
      } catch (err) {
        const e = err as MgBackupError;
        broken.push({ name: d.name, dir, kind: e.kind, problem: e.message });
        continue;
      }
      if (manifest.id !== d.name) {
        broken.push({ name: d.name, dir, kind: 'integrity', problem: `its ${MANIFEST_NAME} is for backup ${q(manifest.id)}, not ${q(d.name)}` });
        continue;
      }
      backups.push({ id: d.name, dir, manifest });
    }
    return { backups, broken };
  }

  /** A backup by id, by unique id prefix or suffix (the short id), or "latest". */
  async resolve(ref: string): Promise<StoredBackup> {
    if (ref.trim() === '') {
      throw new UsageError(`empty backup reference ${q(ref)}`, {
        hints: ['give a backup id, its short id, or "latest"; `mgbackup list` shows them'],
      });
    }
    const { backups: all, broken } = await this.scan();
    const matches = (name: string) => name === ref || name.startsWith(ref) || name.endsWith(`-${ref}`);
    if (ref === 'latest') {
      const last = all.at(-1);
      if (last) return last;
    } else {
      const hits = all.filter((b) => matches(b.id));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) {
        throw new MgBackupError('usage', `backup reference ${q(ref)} is ambiguous: ${hits.map((h) => h.id).join(', ')}`);
      }
      const bad = broken.filter((b) => matches(b.name));
      if (bad.length === 1) throw brokenError(bad[0]!);
      if (bad.length > 1) {
        throw new MgBackupError('usage', `backup reference ${q(ref)} is ambiguous: ${bad.map((h) => h.name).join(', ')} (all broken)`);
      }
    }
    throw new MgBackupError('notFound', `no backup ${q(ref)} in repository ${q(this.location)}`, {
      hints: ['run `mgbackup list` to see the backups that exist'],
    });
  }
}

/** A folder in the repository that looks like a backup but cannot be used. */
export interface BrokenBackup {
  /** The folder name (usually the backup id). */
  name: string;
  dir: string;
  /** integrity: damaged or inconsistent; io: unreadable; unsupportedVersion: a newer manifest format. */
  kind: ExitKind;
  problem: string;
  hints?: string[];
}

/** The error for using a broken backup: its own exit kind (14 damaged, 16 unreadable, 15 newer format). */
export function brokenError(b: BrokenBackup): MgBackupError {
  const hints = b.hints ?? (b.kind === 'unsupportedVersion'
    ? ['use the mgbackup version that wrote the backup (see mgbackupVersion in the manifest)']
    : ['do not restore from this backup; take a new one or use an older backup that verifies']);
  return new MgBackupError(b.kind, `backup ${q(b.name)} is broken: ${b.problem}`, { hints, details: { id: b.name, path: b.dir } });
}

export class StagingBackup {
  readonly pinDir: string;
  protected readonly dirs = new Set<string>();

  constructor(protected readonly repo: string, readonly id: string, readonly dir: string) {
    this.pinDir = path.join(dir, PIN_DIR);
    this.dirs.add(dir);
  }

  /** Absolute destination for a file of the backup (creating its folder 0700). */
  async destination(rel: string): Promise<string> {
    const dest = path.join(this.dir, rel);
    const parent = path.dirname(dest);
    if (!this.dirs.has(parent)) {
      try {
        await mkdirPrivate(parent);
      } catch (err) {
        throw fsError(err, 'create folder', parent, '--repo');
      }
      this.dirs.add(parent);
    }
    return dest;
  }

  /** Writes the manifest, fsyncs everything and renames the folder into the repository. */
  async publish(manifest: Manifest): Promise<string> {
    const final = path.join(this.repo, this.id);
    const manifestPath = path.join(this.dir, MANIFEST_NAME);
    try {
      await fsp.rm(this.pinDir, { recursive: true, force: true });
      const fh = await fsp.open(manifestPath, 'wx', 0o600);
      try {
        await fh.writeFile(serializeManifest(manifest));
        await fh.sync();
      } finally {
        await fh.close();
      }
      for (const d of [...this.dirs].sort().reverse()) await fsyncDir(d);
      await fsp.rename(this.dir, final);
      await fsyncDir(this.repo);
      await fsp.rm(this.dir + OWNER_SUFFIX, { force: true });
      await fsyncDir(path.dirname(this.dir));
    } catch (err) {
      throw fsError(err, 'publish backup', final, '--repo');
    }
    return final;
  }

  /** Removes the staging folder (then its owner record); used on every failure path. */
  async abort(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => {});
    await fsp.rm(this.dir + OWNER_SUFFIX, { force: true }).catch(() => {});
  }
}
