// A RepoBackend that encrypts object bodies with age on put and decrypts them on get, over any other
// backend (docs/repository-format.md, "Encryption"). Every stored object is a plain age file, so an operator
// can read any of them with `age -d -i key.txt` and no mgbackup. Only what must be readable without a key
// stays in the clear: the marker, the passphrase-wrapped repository key, lock records and the backup
// summaries that `list` shows (isClearKey).
//
// Sizes follow the RepoBackend contract (the plaintext size) without reading the objects: every object of
// a repository is encrypted to the same recipients, whose number the marker records, and our headers have
// fixed-length lines, so the header length is known and the payload arithmetic (64 KiB chunks plus a
// 16-byte tag each) gives the plaintext size from the stored size.
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AHEAD, decryptFile, decryptStream, encryptIterable, fileKeyOf, type DecryptionKeys } from '../crypto/age-crypto.js';
import { CHUNK, PAYLOAD_NONCE, SEALED_CHUNK, payloadKey, plainSizeOfPayload, x25519HeaderLength } from '../crypto/age-format.js';
import { openChunks } from '../crypto/chunk-stream.js';
import { MgBackupError, q } from '../errors/errors.js';
import { LOCKS_PREFIX } from './repo-lock.js';
import { checkKey, dirNames, type GetRange, type ObjectInfo, type PutOptions, type PutResult, type RepoBackend } from './repo-backend.js';
import { MARKER_KEY } from './repository.js';

/** The passphrase-wrapped repository identity (passphrase mode): `keyFile` in the marker names it. */
export const KEY_FILE_PREFIX = 'mgbackup-key-';
/** A backup's clear summary, what `list` shows without a key. */
export const SUMMARY_NAME = 'summary.json';

/** Objects stored as they are: needed before a key is at hand, or by every holder of a lock. */
export function isClearKey(key: string): boolean {
  return key === MARKER_KEY || key.startsWith(LOCKS_PREFIX) || (key.startsWith(KEY_FILE_PREFIX) && !key.includes('/')) ||
    /^[^/]+\/summary\.json$/.test(key);
}

export interface EncryptedBackendKeys {
  /** Every recipient of the repository, in full (age1…): needed to write. Undefined: read only. */
  recipients?: string[];
  /** How many recipients the repository has (the marker's fingerprints): fixes the header length. */
  recipientCount: number;
  /** Identities (AGE-SECRET-KEY-1…) that open the objects: needed to read. Empty: write only. */
  identities: string[];
}

export class EncryptedBackend implements RepoBackend {
  readonly encrypted = true;
  private readonly headerLength: number;
  /** One keys object for every read, so the decrypter built for it is reused (age-crypto.ts). */
  private readonly decryptionKeys: DecryptionKeys;
  /**
   * File keys of headers opened before: a ranged get reads the header each time, and unwrapping it
   * (X25519) costs more than reading a megabyte. A header (fresh ephemeral share, MAC) belongs to one file.
   */
  private readonly fileKeys = new Map<string, Uint8Array>();

  constructor(readonly inner: RepoBackend, private readonly keys: EncryptedBackendKeys) {
    this.headerLength = x25519HeaderLength(keys.recipientCount);
    this.decryptionKeys = { identities: keys.identities, passphrases: [] };
  }

  get location(): string { return this.inner.location; }
  get kind(): RepoBackend['kind'] { return this.inner.kind; }

  async put(key: string, body: Readable | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    checkKey(key);
    if (isClearKey(key)) return this.inner.put(key, body, opts);
    const recipients = this.writeRecipients(key);
    const hash = createHash('sha256');
    let size = 0;
    // The signal is checked here too: encryption regroups the body into 1 MiB batches and holds the last
    // one back, so the inner backend may see the whole body only after an abort during it.
    const signal = opts?.signal;
    const check = () => {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    };
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const c of body instanceof Uint8Array ? [body] : body) {
        const chunk: Uint8Array = typeof c === 'string' ? Buffer.from(c) : c;
        check();
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
      check();
    }
    const sealed = Readable.from(encryptIterable(counted(), { recipients }), AHEAD);
    // An inner put that gives up, even before reading, releases the body (its file descriptor).
    sealed.once('close', () => {
      if (body instanceof Readable && !body.destroyed) body.destroy();
    });
    await this.inner.put(key, sealed, { ...opts, digest: false });
    return { size, sha256: hash.digest('hex') };
  }

  /** False when opened with recipients only: it writes, and reads only the clear objects. */
  get canRead(): boolean {
    return this.keys.identities.length > 0;
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    checkKey(key);
    if (isClearKey(key)) return this.inner.putIfAbsent(key, body);
    const sealed = await collect(encryptIterable([body], { recipients: this.writeRecipients(key) }));
    return this.inner.putIfAbsent(key, sealed);
  }

  async get(key: string, range?: GetRange): Promise<Readable> {
    checkKey(key);
    if (isClearKey(key)) return this.inner.get(key, range);
    const keys = this.readKeys(key);
    if (range === undefined || ((range.start ?? 0) === 0 && range.end === undefined)) {
      // A local object is read straight from its file, batch by batch; a file that cannot be opened
      // (missing, unreadable) goes through the inner backend, which reports it in its own words.
      const file = this.inner.localPath(key);
      const fh = file === undefined ? undefined : await fsp.open(file, 'r').catch(() => undefined);
      if (fh !== undefined) return decryptFile(fh, keys, this.what(key));
      return decryptStream(await this.inner.get(key), keys, this.what(key));
    }
    return this.getRange(key, range, keys);
  }

  async getBytes(key: string): Promise<Uint8Array> {
    if (isClearKey(key)) return this.inner.getBytes(key);
    return collect(await this.get(key));
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.inner.stat(key);
    return info === undefined ? undefined : this.plainInfo(info);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const info of this.inner.list(prefix)) yield this.plainInfo(info);
  }

  delete(key: string): Promise<void> { return this.inner.delete(key); }

  /** Keys are in the clear: the inner backend's folder listing (or a walk) gives the same names. */
  listDirs(prefix: string): Promise<string[]> { return dirNames(this.inner, prefix); }

  deleteMany(keys: readonly string[]): Promise<void> {
    if (this.inner.deleteMany) return this.inner.deleteMany(keys);
    return Promise.all(keys.map((k) => this.inner.delete(k))).then(() => {});
  }

  /** Only clear objects have a usable local file: the others hold ciphertext. */
  localPath(key: string): string | undefined {
    return isClearKey(key) ? this.inner.localPath(key) : undefined;
  }

  /** The plaintext size of a stored object, from its stored size; -1 when no age file of ours has that size. */
  plainSize(storedSize: number): number {
    return plainSizeOfPayload(storedSize - this.headerLength);
  }

  private plainInfo(info: ObjectInfo): ObjectInfo {
    if (isClearKey(info.key)) return info;
    // A stored size that no object of ours can have (a truncated file) is listed as 0; reading it fails with 14.
    return { ...info, size: Math.max(0, this.plainSize(info.size)) };
  }

  /**
   * Seeks by chunk: the header gives the file key, then only the sealed chunks that hold [start, end) are
   * fetched and authenticated, and the slice is cut out of them.
   */
  private async getRange(key: string, range: GetRange, keys: DecryptionKeys): Promise<Readable> {
    // The size and the header in parallel: one round trip less on S3.
    const [info, head] = await Promise.all([
      this.inner.stat(key),
      this.inner.get(key, { start: 0, end: this.headerLength + PAYLOAD_NONCE }).then(collect),
    ]);
    if (info === undefined) throw new MgBackupError('notFound', `object ${q(key)} not found in repository ${q(this.location)}`);
    const size = this.plainSize(info.size);
    if (size < 0) throw new MgBackupError('integrity', `${this.what(key)} is damaged: its stored size ${info.size} is not that of an encrypted object`);
    const start = Math.min(Math.max(0, range.start ?? 0), size);
    const end = Math.min(Math.max(start, range.end ?? size), size);
    const fileKey = await this.fileKey(head.subarray(0, this.headerLength), keys, key);
    if (start === end) return Readable.from([]);
    const first = Math.floor(start / CHUNK);
    const last = Math.floor((end - 1) / CHUNK);
    const lastIndex = Math.max(0, Math.ceil(size / CHUNK) - 1);
    const payload = this.headerLength + PAYLOAD_NONCE;
    const sealed = await this.inner.get(key, {
      start: payload + first * SEALED_CHUNK,
      end: Math.min(info.size, payload + (last + 1) * SEALED_CHUNK),
    });
    const what = this.what(key);
    const plain = openChunks(payloadKey(fileKey, head.subarray(this.headerLength)), sealed, { first, lastFinal: last === lastIndex });
    return Readable.from((async function* () {
      let skip = start - first * CHUNK;
      let left = end - start;
      try {
        for await (const chunk of plain) {
          const from = Math.min(skip, chunk.length);
          skip -= from;
          const out = chunk.subarray(from, from + left);
          left -= out.length;
          if (out.length > 0) yield out;
        }
      } catch (err) {
        throw damaged(err as Error, what);
      }
    })(), { objectMode: false });
  }

  private async fileKey(header: Buffer, keys: DecryptionKeys, key: string): Promise<Uint8Array> {
    const id = header.toString('latin1');
    let fileKey = this.fileKeys.get(id);
    if (fileKey === undefined) {
      fileKey = await fileKeyOf(header, keys, this.what(key));
      if (this.fileKeys.size >= 1024) this.fileKeys.delete(this.fileKeys.keys().next().value!);
      this.fileKeys.set(id, fileKey);
    }
    return fileKey;
  }

  private what(key: string): string {
    return `repository object ${q(key)} in ${q(this.location)}`;
  }

  private writeRecipients(key: string): string[] {
    if (this.keys.recipients === undefined) {
      throw new MgBackupError('refused', `cannot write ${this.what(key)}: the repository is encrypted and no recipient list to encrypt to was given`, {
        hints: ['pass every recipient of the repository (--recipient or --recipients-file), or the passphrase of a passphrase repository'],
      });
    }
    return this.keys.recipients;
  }

  private readKeys(key: string): DecryptionKeys {
    if (this.keys.identities.length === 0) throw noKey(this.location, key);
    return this.decryptionKeys;
  }
}

/** Exit 11: the repository is encrypted and nothing that could open it was given. */
export function noKey(location: string, key?: string): MgBackupError {
  return new MgBackupError('authFailed', `repository ${q(location)} is encrypted${key === undefined ? '' : ` (reading ${q(key)})`} and no key was given`, {
    hints: ['pass --identity FILE (an age identity file), or the passphrase (env MGBACKUP_PASSPHRASE or --passphrase-file FILE)'],
  });
}

function damaged(err: Error, what: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  return new MgBackupError('integrity', `${what} is damaged: its encrypted data does not authenticate (${err.message})`, { cause: err });
}

async function collect(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of s) chunks.push(c);
  return Buffer.concat(chunks);
}

