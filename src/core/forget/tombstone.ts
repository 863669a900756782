// A forgotten backup's tombstone, `forgetting/<id>.json`: the backup's manifest moved out of its folder.
// Writing it is the moment the backup stops existing (listings skip a folder that has one); the
// manifest in the folder is deleted next, then the files (by --prune), then the tombstone. A run killed
// at any point leaves either a complete, listed backup or an invisible folder that the next prune
// finishes deleting: never a half-deleted backup that is still listed.
import { FORGET_DIR } from '../../store/backup-store.js';
import type { Manifest } from '../../store/manifest.js';

export const FORGET_PREFIX = `${FORGET_DIR}/`;

export interface Tombstone {
  format: 'mgbackup-forgotten';
  id: string;
  forgottenAt: string;
  /** The policy reasons are gone by then; this says which command decided (forget, forget --prune). */
  by: string;
  manifest: Manifest;
}

export function tombstoneKey(id: string): string {
  return `${FORGET_PREFIX}${id}.json`;
}

export function serializeTombstone(t: Tombstone): Buffer {
  return Buffer.from(JSON.stringify(t) + '\n');
}

export function parseTombstone(bytes: Uint8Array): Tombstone | undefined {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Tombstone>;
    if (o.format !== 'mgbackup-forgotten' || typeof o.id !== 'string' || typeof o.manifest !== 'object' || o.manifest === null) return undefined;
    return o as Tombstone;
  } catch {
    return undefined;
  }
}
