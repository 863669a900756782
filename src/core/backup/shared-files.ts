// The few file operations the lease and the leftover cleanup need in the server's data directory, the
// one place every mgbackup run that can lock this server shares (the repository may differ per run).
// Local paths get real atomicity: exclusive creation by link(2), replacement by rename(2). A data
// directory reached through the Docker API has no such primitives; there the operations fall back to
// check-then-write, and the README names the residual race.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DataDir } from '../../datadir/data-dir.js';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';

export interface SharedFiles {
  /** Creates `name` with `data` unless it exists; false when it does. */
  createExclusive(name: string, data: string): Promise<boolean>;
  read(name: string): Promise<string | undefined>;
  /** Replaces the content of `name` in one step (readers see old or new, never half). */
  replace(name: string, data: string): Promise<void>;
  /** Moves `name` away to `to`; false when `name` does not exist (someone else moved it first). */
  moveAway(name: string, to: string): Promise<boolean>;
  /** Removes a file or a folder tree; no error when it is gone. */
  remove(name: string): Promise<void>;
  /** Names directly in the root. */
  names(): Promise<string[]>;
}

export class LocalSharedFiles implements SharedFiles {
  constructor(readonly root: string) {}

  private abs(name: string): string {
    return path.join(this.root, name);
  }

  private async writeTemp(name: string, data: string): Promise<string> {
    const tmp = this.abs(`${name}.tmp-${randomBytes(4).toString('hex')}`);
    await fsp.mkdir(path.dirname(tmp), { recursive: true, mode: 0o700 });
    const fh = await fsp.open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  }

  private async syncDir(file: string): Promise<void> {
    const fh = await fsp.open(path.dirname(file), 'r');
    try {
      await fh.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the file itself is synced.
    } finally {
      await fh.close();
    }
  }

  async createExclusive(name: string, data: string): Promise<boolean> {
    const dest = this.abs(name);
    try {
      const tmp = await this.writeTemp(name, data);
      try {
        await fsp.link(tmp, dest);
      } catch (err) {
        if (errnoOf(err) === 'EEXIST') return false;
        throw err;
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      await this.syncDir(dest);
      return true;
    } catch (err) {
      throw fsError(err, 'write', dest);
    }
  }

  async read(name: string): Promise<string | undefined> {
    try {
      return await fsp.readFile(this.abs(name), 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
      throw fsError(err, 'read', this.abs(name));
    }
  }

  async replace(name: string, data: string): Promise<void> {
    const dest = this.abs(name);
    try {
      const tmp = await this.writeTemp(name, data);
      await fsp.rename(tmp, dest);
      await this.syncDir(dest);
    } catch (err) {
      throw fsError(err, 'write', dest);
    }
  }

  async moveAway(name: string, to: string): Promise<boolean> {
    try {
      await fsp.rename(this.abs(name), this.abs(to));
      return true;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false;
      throw fsError(err, 'rename', this.abs(name));
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await fsp.rm(this.abs(name), { recursive: true, force: true });
    } catch (err) {
      throw fsError(err, 'remove', this.abs(name));
    }
  }

  async names(): Promise<string[]> {
    try {
      return (await fsp.readdir(this.root)).sort();
    } catch (err) {
      throw fsError(err, 'list', this.root);
    }
  }
}

/** Over any DataDir (Docker, memory): no atomic primitives, so check-then-write. */
export class DataDirSharedFiles implements SharedFiles {
  constructor(private readonly dataDir: DataDir) {}

  async createExclusive(name: string, data: string): Promise<boolean> {
    if ((await this.dataDir.stat(name)) !== undefined) return false;
    await this.dataDir.write(name, Buffer.from(data), { mode: 0o600 });
    return true;
  }

  async read(name: string): Promise<string | undefined> {
    if ((await this.dataDir.stat(name))?.type !== 'file') return undefined;
    const chunks: Buffer[] = [];
    for await (const c of await this.dataDir.read(name)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async replace(name: string, data: string): Promise<void> {
    await this.dataDir.write(name, Buffer.from(data), { mode: 0o600 });
  }

  async moveAway(name: string, to: string): Promise<boolean> {
    const text = await this.read(name);
    if (text === undefined) return false;
    await this.dataDir.write(to, Buffer.from(text), { mode: 0o600 });
    await this.dataDir.remove(name);
    return true;
  }

  async remove(name: string): Promise<void> {
    await this.dataDir.remove(name);
  }

  async names(): Promise<string[]> {
    return (await this.dataDir.list('')).map((e) => e.name);
  }
}
