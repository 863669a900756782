// One object from the source repository into the target, unless the target already holds the same
// bytes. "The same" is decided by the sha256 the source promises (manifest or WAL record): an object
// the target has with that size is hashed where it is, and kept when it matches, so a re-run after an
// interrupted copy uploads only what is missing. A source object that does not match its promise is
// refused (14) without publishing anything (verified-body.ts).
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { EncryptedBackend } from '../../repo/encrypted-backend.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { hashStream, verifiedBody, type Expected } from './verified-body.js';

export interface Tally {
  /** Data objects written into the target. */
  copied: number;
  /** Data objects the target already had with the same sha256. */
  skipped: number;
  /** Bytes written into the target (data objects). */
  bytes: number;
}

export const emptyTally = (): Tally => ({ copied: 0, skipped: 0, bytes: 0 });

export function addTally(into: Tally, t: Tally): void {
  into.copied += t.copied;
  into.skipped += t.skipped;
  into.bytes += t.bytes;
}

/** Builds the refusal for a source object that is not what its manifest or record says. */
export type Refusal = (key: string, why: string) => MgBackupError;

export class ObjectCopier {
  /** Called with the byte count of every chunk sent (progress). */
  onBytes: ((n: number) => void) | undefined;

  constructor(readonly from: RepoBackend, readonly to: RepoBackend, private readonly signal?: AbortSignal) {}

  /** Copies `key` (same key on both sides) when the target lacks it; counts into `tally`. */
  async copy(key: string, expected: Expected, tally: Tally, refuse: Refusal): Promise<void> {
    throwIfAborted(this.signal);
    if (await this.targetHas(key, expected)) {
      tally.skipped++;
      return;
    }
    let source;
    try {
      source = await this.from.get(key);
    } catch (err) {
      if (err instanceof MgBackupError && err.kind === 'notFound') throw refuse(key, 'it is missing');
      throw err;
    }
    const put = await this.to.put(key, verifiedBody(source, expected, (why) => refuse(key, why), this.onBytes), this.signal ? { signal: this.signal } : {});
    // The body was checked on its way; the backend's own count of what it stored must agree too.
    if (put.sha256 !== expected.sha256 || put.size !== expected.size) {
      await this.to.delete(key);
      throw new MgBackupError('io', `${q(this.to.location)} stored ${put.size} bytes with sha256 ${put.sha256} for ${q(key)}, ${expected.size} bytes with sha256 ${expected.sha256} were sent`, {
        hints: ['the target storage changed the bytes; check it, then run copy again'],
      });
    }
    tally.copied++;
    tally.bytes += put.size;
  }

  /** The target holds `key` with exactly these bytes (hashed where it is: an earlier, interrupted run's). */
  async targetHas(key: string, expected: Expected): Promise<boolean> {
    const st = await this.to.stat(key);
    if (st === undefined || st.size !== expected.size) return false;
    // Without a key that reads the target, a whole object (puts are atomic) of the right size is it.
    if (this.to instanceof EncryptedBackend && !this.to.canRead) return true;
    const found = await hashStream(await this.to.get(key));
    return found.size === expected.size && found.sha256 === expected.sha256;
  }

  /** A small object (manifest, record) as it is in the source; undefined when it is not there. */
  async sourceBytes(key: string): Promise<Uint8Array | undefined> {
    return bytesOrUndefined(this.from, key);
  }

  /**
   * A small object as the target has it; 'unreadable' when it is there but the target is encrypted and
   * was opened with its recipients only (a write-only copy). Puts are atomic, so an object that is
   * there is whole: callers then take it as present without comparing it.
   */
  async targetBytes(key: string): Promise<Uint8Array | undefined | 'unreadable'> {
    try {
      return await bytesOrUndefined(this.to, key);
    } catch (err) {
      if (err instanceof MgBackupError && err.kind === 'authFailed' && this.to instanceof EncryptedBackend && !this.to.canRead) return 'unreadable';
      throw err;
    }
  }
}

async function bytesOrUndefined(backend: RepoBackend, key: string): Promise<Uint8Array | undefined> {
  // Asked first, because an encrypted repository opened with recipients only (a write-only copy into
  // a new repository) can say whether an object exists but not read it.
  if ((await backend.stat(key)) === undefined) return undefined;
  try {
    return await backend.getBytes(key);
  } catch (err) {
    if (err instanceof MgBackupError && err.kind === 'notFound') return undefined;
    throw err;
  }
}
