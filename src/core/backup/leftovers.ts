// What a killed create leaves behind, and who may remove it. A create writes an owner record before
// it makes anything that can outlive it: `.staging/<id>.owner.json` in the repository (for the
// staging folder with its half-copied files and `.pins/` hardlinks) and `.mgbackup-pin-<id>/owner.json`
// in the data directory (for hardlinks made there when the repository is on another filesystem). A
// leftover is removed only when its owner is provably gone (run-owner.ts): a live run's files, or
// files without an owner record (written by mgbackup before 0.x), are never touched, only reported.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { errnoOf, fsError } from '../../datadir/fs-errors.js';
import { deleteKeys, listAll, type RepoBackend } from '../../repo/repo-backend.js';
import { OWNER_SUFFIX, STAGING_DIR, type BackupStore } from '../../store/backup-store.js';
import { MANIFEST_NAME } from '../../store/manifest.js';
import { localStagingDir } from '../../store/remote-store.js';
import { describeOwner, describeState, isGone, ownerState, parseOwner, type ProcessProbe, type RunOwner } from './run-owner.js';
import type { SharedFiles } from './shared-files.js';

export const DATA_PIN_PREFIX = '.mgbackup-pin-';
export const DATA_PIN_OWNER = 'owner.json';

export interface Leftover {
  where: 'repository' | 'data directory';
  /** Path relative to the repository or data directory. */
  path: string;
  action: 'removed' | 'kept';
  reason: string;
  owner?: RunOwner;
}

export function describeLeftover(l: Leftover): string {
  const what = `${l.where === 'repository' ? 'repository' : 'data-directory'} leftover ${l.path}`;
  return l.action === 'removed' ? `removed ${what}: ${l.reason}` : `kept ${what}: ${l.reason}`;
}

function judge(owner: RunOwner | undefined, probe: ProcessProbe, now: Date): { remove: boolean; reason: string } | undefined {
  if (owner === undefined) return { remove: false, reason: 'it has no owner record, so mgbackup cannot tell whether a run still uses it; remove it by hand if no backup is running' };
  const state = ownerState(owner, probe, now);
  if (!isGone(state)) return undefined; // a live run's: not a leftover
  return { remove: true, reason: `left by ${describeOwner(owner)}, ${describeState(state)}` };
}

/** Cleans `.staging/` in the repository. */
export async function cleanRepository(repoRoot: string, probe: ProcessProbe, now: Date): Promise<Leftover[]> {
  const staging = path.join(repoRoot, STAGING_DIR);
  let names: string[];
  try {
    names = await fsp.readdir(staging);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw fsError(err, 'read', staging, '--repo');
  }
  const ids = new Set(names.map((n) => (n.endsWith(OWNER_SUFFIX) ? n.slice(0, -OWNER_SUFFIX.length) : n)).filter((n) => !n.includes('.tmp-')));
  const out: Leftover[] = [];
  for (const id of [...ids].sort()) {
    const ownerFile = path.join(staging, id + OWNER_SUFFIX);
    const owner = parseOwner(await fsp.readFile(ownerFile, 'utf8').catch(() => undefined));
    const verdict = judge(owner, probe, now);
    if (!verdict) continue;
    const rel = `${STAGING_DIR}/${id}`;
    if (verdict.remove) {
      try {
        await fsp.rm(path.join(staging, id), { recursive: true, force: true });
        await fsp.rm(ownerFile, { force: true });
        for (const n of names.filter((x) => x.startsWith(`${id}${OWNER_SUFFIX}.tmp-`))) await fsp.rm(path.join(staging, n), { force: true });
      } catch (err) {
        throw fsError(err, 'remove a dead run\'s leftover', path.join(staging, id), '--repo');
      }
    }
    out.push({ where: 'repository', path: rel, action: verdict.remove ? 'removed' : 'kept', reason: verdict.reason, ...(owner ? { owner } : {}) });
  }
  return out;
}

/** Cleans the store's staging leftovers, wherever the repository lives. */
export function cleanStore(store: BackupStore, probe: ProcessProbe, now: Date): Promise<Leftover[]> {
  return store.remote ? cleanRemoteRepository(store.backend, probe, now) : cleanRepository(store.root, probe, now);
}

/**
 * A remote repository's leftovers: the objects `<id>/…` of an upload whose owner record
 * `.staging/<id>.owner.json` remains (remote-store.ts). With the manifest there the backup was
 * published and only the record is left over; without it every object of the prefix goes.
 */
export async function cleanRemoteRepository(backend: RepoBackend, probe: ProcessProbe, now: Date, dryRun = false): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const o of await listAll(backend, `${STAGING_DIR}/`)) {
    if (!o.key.endsWith(OWNER_SUFFIX)) continue;
    const id = o.key.slice(STAGING_DIR.length + 1, -OWNER_SUFFIX.length);
    if (id.includes('/')) continue;
    const owner = parseOwner(Buffer.from(await backend.getBytes(o.key).catch(() => new Uint8Array())).toString('utf8') || undefined);
    const verdict = judge(owner, probe, now);
    if (!verdict) continue;
    if (verdict.remove && !dryRun) {
      const keys = (await listAll(backend, `${id}/`)).map((x) => x.key);
      if (!keys.includes(`${id}/${MANIFEST_NAME}`)) await deleteKeys(backend, keys);
      await backend.delete(o.key);
      // Its local copies, when the dead run assembled them on this machine.
      await fsp.rm(localStagingDir(id), { recursive: true, force: true }).catch(() => {});
    }
    out.push({ where: 'repository', path: `${STAGING_DIR}/${id}`, action: verdict.remove ? 'removed' : 'kept', reason: verdict.reason, ...(owner ? { owner } : {}) });
  }
  return out;
}

/** Cleans `.mgbackup-pin-<id>/` folders (and interrupted lease take-overs) in the data directory root. */
export async function cleanDataDir(files: SharedFiles, probe: ProcessProbe, now: Date): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const name of await files.names()) {
    let owner: RunOwner | undefined;
    if (name.startsWith(DATA_PIN_PREFIX)) owner = parseOwner(await files.read(`${name}/${DATA_PIN_OWNER}`));
    else if (/^\.mgbackup-lease-.*\.dead-/.test(name)) owner = parseOwner(await files.read(name));
    else continue;
    const verdict = judge(owner, probe, now);
    if (!verdict) continue;
    if (verdict.remove) await files.remove(name);
    out.push({ where: 'data directory', path: name, action: verdict.remove ? 'removed' : 'kept', reason: verdict.reason, ...(owner ? { owner } : {}) });
  }
  return out;
}
