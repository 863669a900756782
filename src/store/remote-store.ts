// Backups in a repository that is not a local folder (S3; memory in tests). Pins are hardlinks, so a
// backup is still assembled in a local folder (the store's private folder); publishing uploads each
// file, checks the sha256 the backend computed against the one taken while copying, and puts the
// manifest LAST: a backup exists only once its manifest object does. The owner record
// `.staging/<id>.owner.json` is put before the first data object and deleted after the manifest, so
// objects of an upload that was cut are never listed, and the next run's cleanup
// (core/backup/leftovers.ts) knows whose they are and removes them once their run is gone.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import { deleteKeys, dirNames, listAll, type DownloadOptions, type PutResult, type RepoBackend } from '../repo/repo-backend.js';
import { isBackupId } from './backup-id.js';
import { BackupStore, FORGET_DIR, OWNER_SUFFIX, PIN_DIR, STAGING_DIR, StagingBackup, type BrokenBackup, type StoredBackup } from './backup-store.js';
import { copyAndHash } from './checksum.js';
import { storedOf } from './stored-file.js';
import { MANIFEST_NAME, type Manifest, parseManifest, serializeManifest } from './manifest.js';
import { EncryptedBackend } from '../repo/encrypted-backend.js';
import { summaryKey, writeBackupSummary } from '../repo/backup-summary.js';

/** Objects moved at once by publish and fetch. */
const PARALLEL = 4;

/** Manifests read at once by scan (small objects: the request's latency is what counts). */
const SCAN_PARALLEL = 8;

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>, signal?: AbortSignal, parallel = PARALLEL): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      throwIfAborted(signal);
      await fn(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}

/** The names of `<prefix><name><suffix>` objects directly under a small folder (owner records, tombstones). */
async function idsUnder(backend: RepoBackend, prefix: string, suffix: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const o of backend.list(prefix)) {
    const rest = o.key.slice(prefix.length);
    if (rest.endsWith(suffix)) ids.add(rest.slice(0, -suffix.length));
  }
  return ids;
}

/**
 * One object into a new local file (refusing to overwrite, fsynced): in parallel ranged GETs where the
 * backend has them (S3Backend.download), else as one get() stream. Its size and sha256 come back.
 */
export async function downloadObject(backend: RepoBackend, key: string, dest: string, opts: DownloadOptions = {}): Promise<PutResult> {
  if (backend.download) return backend.download(key, dest, opts);
  return copyAndHash(await backend.get(key), dest, {
    ...(opts.mode === undefined ? {} : { mode: opts.mode }), ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export const ownerKey = (id: string): string => `${STAGING_DIR}/${id}${OWNER_SUFFIX}`;

/**
 * Where this machine assembles backup <id> for a remote repository: a fixed place per user (not the
 * store's temp folder), so that the run that cleans a killed upload's objects also removes its local
 * copies (cleanRemoteRepository) when it runs on the same machine.
 */
export function localStagingDir(id: string): string {
  return path.join(os.tmpdir(), `mgbackup-staging-${process.getuid?.() ?? 'user'}`, id);
}

export class RemoteBackupStore extends BackupStore {
  private readonly fetched = new Map<string, Promise<StoredBackup>>();
  private rootMade: Promise<void> | undefined;

  override async begin(id: string, owner?: string): Promise<StagingBackup> {
    // The owner record goes first: without it, cleanup would take the objects for a broken backup.
    if (owner !== undefined) await this.backend.put(ownerKey(id), Buffer.from(owner));
    const dir = localStagingDir(id);
    await fsp.mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
    await fsp.chmod(path.dirname(dir), 0o700);
    await fsp.mkdir(path.join(dir, PIN_DIR), { recursive: true, mode: 0o700 });
    return new RemoteStagingBackup(this.backend, path.dirname(dir), id, dir);
  }

  /**
   * The backups: the repository's top-level folders (one delimiter listing on S3, never a walk through
   * the WAL archive's objects), less those being uploaded (`.staging/<id>.owner.json`) or forgotten
   * (`forgetting/<id>.json`), each with its manifest read, several at once.
   */
  override async scan(): Promise<{ backups: StoredBackup[]; broken: BrokenBackup[] }> {
    const [names, staged, forgotten] = await Promise.all([
      dirNames(this.backend, ''),
      idsUnder(this.backend, `${STAGING_DIR}/`, OWNER_SUFFIX),
      idsUnder(this.backend, `${FORGET_DIR}/`, '.json'),
    ]);
    // Being uploaded, or cut and waiting for cleanup: not a backup (yet), not broken either.
    const candidates = names.filter((n) => !n.startsWith('.') && !forgotten.has(n) && !staged.has(n));
    const found = new Array<{ backup?: StoredBackup; broken?: BrokenBackup } | undefined>(candidates.length);
    await inParallel([...candidates.keys()], async (i) => {
      const name = candidates[i]!;
      const dir = `${this.location}/${name}`;
      let manifest: Manifest;
      try {
        manifest = parseManifest(Buffer.from(await this.backend.getBytes(`${name}/${MANIFEST_NAME}`)).toString('utf8'), `${dir}/${MANIFEST_NAME}`);
      } catch (err) {
        if (!(err instanceof MgBackupError) || err.kind === 'authFailed' || err.kind === 'cannotConnect') throw err;
        // Other top-level folders (archive/, locks/, forgetting/) have no manifest and are not backups.
        if (err.kind === 'notFound') {
          if (isBackupId(name)) found[i] = { broken: { name, dir, kind: 'integrity', problem: `has no ${MANIFEST_NAME}` } };
          return;
        }
        found[i] = { broken: { name, dir, kind: err.kind, problem: err.message } };
        return;
      }
      found[i] = manifest.id === name
        ? { backup: { id: name, dir, manifest } }
        : { broken: { name, dir, kind: 'integrity', problem: `its ${MANIFEST_NAME} is for backup ${q(manifest.id)}, not ${q(name)}` } };
    }, undefined, SCAN_PARALLEL);
    return {
      backups: found.flatMap((f) => (f?.backup ? [f.backup] : [])),
      broken: found.flatMap((f) => (f?.broken ? [f.broken] : [])),
    };
  }

  /** Downloads every object under the backup's prefix (extras too: verify reports them) once per run. */
  override fetch(b: StoredBackup, signal?: AbortSignal): Promise<StoredBackup> {
    let p = this.fetched.get(b.id);
    if (p === undefined) {
      p = this.download(b, signal);
      this.fetched.set(b.id, p);
    }
    return p;
  }

  private async download(b: StoredBackup, signal?: AbortSignal): Promise<StoredBackup> {
    // The private folder (random name, 0700), made once; a folder already there is not ours: mkdir fails.
    this.rootMade ??= fsp.mkdir(this.root, { mode: 0o700 }).then(() => {});
    await this.rootMade;
    const dir = path.join(this.root, 'fetched', b.id);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    // The clear summary of an encrypted repository describes the backup; it is not one of its files.
    const objects = (await listAll(this.backend, `${b.id}/`)).filter((o) => o.key !== summaryKey(b.id));
    const made = new Set<string>([dir]);
    await inParallel(objects, async (o) => {
      const rel = o.key.slice(b.id.length + 1);
      const dest = path.join(dir, ...rel.split('/'));
      const parent = path.dirname(dest);
      if (!made.has(parent)) {
        await fsp.mkdir(parent, { recursive: true, mode: 0o700 });
        made.add(parent);
      }
      // No fsync: this is a private temporary copy (lost with a crash, as the run itself), and restore
      // fsyncs the copy it stages into the target; syncing here cost ~20% of a 1 GiB download.
      await downloadObject(this.backend, o.key, dest, { mode: 0o600, size: o.size, sync: false, ...(signal ? { signal } : {}) });
    }, signal);
    return { ...b, dir };
  }

  override async release(b: StoredBackup): Promise<void> {
    const p = this.fetched.get(b.id);
    if (p === undefined) return;
    this.fetched.delete(b.id);
    await p.catch(() => {});
    await fsp.rm(path.join(this.root, 'fetched', b.id), { recursive: true, force: true });
  }

  override async close(): Promise<void> {
    await fsp.rm(this.root, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}

/** A backup assembled locally for a remote repository; publish uploads it, the manifest last. */
export class RemoteStagingBackup extends StagingBackup {
  constructor(private readonly backend: RepoBackend, localRoot: string, id: string, dir: string) {
    super(localRoot, id, dir);
  }

  override async publish(manifest: Manifest): Promise<string> {
    await fsp.rm(this.pinDir, { recursive: true, force: true });
    await inParallel(manifest.files, async (f) => {
      const key = `${this.id}/${f.path}`;
      const put = await this.backend.put(key, fs.createReadStream(path.join(this.dir, ...f.path.split('/'))));
      // What arrived is what was copied (and hashed) from the server's files, or the backup is refused.
      // A compressed file is compared in its stored form (the plain hash was taken while compressing).
      const want = storedOf(f);
      if (put.sha256 !== want.sha256 || put.size !== want.size) {
        throw new MgBackupError('integrity', `uploaded ${q(key)} has sha256 ${put.sha256} (${put.size} bytes), the copy had ${want.sha256} (${want.size} bytes)`, {
          hints: ['the staged file changed during the upload; run the backup again'],
        });
      }
    });
    // An encrypted repository keeps a clear summary for `list` without a key (written before the manifest).
    if (this.backend instanceof EncryptedBackend) await writeBackupSummary(this.backend, manifest);
    await this.backend.put(`${this.id}/${MANIFEST_NAME}`, Buffer.from(serializeManifest(manifest)));
    await this.backend.delete(ownerKey(this.id));
    await fsp.rm(this.dir, { recursive: true, force: true });
    return `${this.backend.location}/${this.id}`;
  }

  /** Removes what was uploaded (never a manifest: publish puts it last), the local folder, the owner record. */
  override async abort(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => {});
    try {
      const keys = (await listAll(this.backend, `${this.id}/`)).map((o) => o.key);
      if (keys.includes(`${this.id}/${MANIFEST_NAME}`)) return;
      await deleteKeys(this.backend, keys);
      await this.backend.delete(ownerKey(this.id));
    } catch {
      // Unreachable storage: the owner record stays, and the next run's cleanup removes the objects.
    }
  }
}
