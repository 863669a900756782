// src/store owns the backup repository on disk: one folder per backup, named by UTC time and a short id,
// each with manifest.json. A backup is assembled in .staging/<id>, fsynced and renamed into place, so a
// folder without a complete manifest is never listed, and a crash leaves only staging debris.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsError, errnoOf } from '../datadir/fs-errors.js';
import { MgBackupError, q } from '../errors/errors.js';
import { isBackupId } from './backup-id.js';
import { fsyncDir } from './checksum.js';
import { MANIFEST_NAME, type Manifest, parseManifest, serializeManifest } from './manifest.js';

export const STAGING_DIR = '.staging';
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
  private constructor(readonly root: string) {}

  /** Opens the repository, creating it (0700) when `create` is set. */
  static async open(repo: string, opts: { create: boolean }): Promise<BackupStore> {
    const root = path.resolve(repo);
    try {
      const st = await fsp.stat(root);
      if (!st.isDirectory()) throw new MgBackupError('usage', `backup repository ${q(root)} is not a directory`);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw fsError(err, 'open backup repository', root);
      if (!opts.create) {
        throw new MgBackupError('notFound', `backup repository ${q(root)} does not exist`, {
          hints: ['check --repo (or MGBACKUP_REPO); `mgbackup create` makes it on first use'],
        });
      }
      try {
        await mkdirPrivate(root);
      } catch (e) {
        throw fsError(e, 'create backup repository', root);
      }
    }
    return new BackupStore(root);
  }

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
      throw fsError(err, 'create staging folder', dir);
    }
    return new StagingBackup(this.root, id, dir);
  }

  /** Every published backup with a valid manifest, oldest first; anything else is ignored. */
  async list(): Promise<StoredBackup[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.root);
    } catch (err) {
      throw fsError(err, 'list backup repository', this.root);
    }
    const out: StoredBackup[] = [];
    for (const name of names.sort()) {
      if (!isBackupId(name)) continue;
      const dir = path.join(this.root, name);
      try {
        const manifest = parseManifest(await fsp.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), path.join(dir, MANIFEST_NAME));
        if (manifest.id !== name) continue;
        out.push({ id: name, dir, manifest });
      } catch {
        continue;
      }
    }
    return out;
  }

  /** A backup by id, by unique id prefix or suffix (the short id), or "latest". */
  async resolve(ref: string): Promise<StoredBackup> {
    const all = await this.list();
    if (ref === 'latest') {
      const last = all.at(-1);
      if (last) return last;
    } else {
      const hits = all.filter((b) => b.id === ref || b.id.startsWith(ref) || b.id.endsWith(`-${ref}`));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) {
        throw new MgBackupError('usage', `backup reference ${q(ref)} is ambiguous: ${hits.map((h) => h.id).join(', ')}`);
      }
    }
    throw new MgBackupError('notFound', `no backup ${q(ref)} in repository ${q(this.root)}`, {
      hints: ['run `mgbackup list` to see the backups that exist'],
    });
  }
}

export class StagingBackup {
  readonly pinDir: string;
  private readonly dirs = new Set<string>();

  constructor(private readonly repo: string, readonly id: string, readonly dir: string) {
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
        throw fsError(err, 'create folder', parent);
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
      throw fsError(err, 'publish backup', final);
    }
    return final;
  }

  /** Removes the staging folder (then its owner record); used on every failure path. */
  async abort(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => {});
    await fsp.rm(this.dir + OWNER_SUFFIX, { force: true }).catch(() => {});
  }
}
