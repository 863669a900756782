// src/crypto owns client-side encryption of repository files: the age format (age-encryption.org/v1).
// Headers are read by the `age-encryption` package (typage, by age's author); the payload, where the
// time goes, is Node's own ChaCha20-Poly1305 (age-format.ts says why). age was chosen over a format of our own
// because the standard `age` CLI can read what we write, so an operator can always get data back without
// mgbackup, and tests check our files against that independent implementation. The payload is
// encrypted in 64 KiB chunks, each authenticated, so large files stream with bounded memory and a
// damaged chunk is detected where it is, never decrypted into garbage. Chunks are sealed and opened in
// 1 MiB batches, on worker threads for large files (chunk-stream.ts): the age CLI's throughput is the bar.
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Decrypter } from 'age-encryption';
import { buildHeader, decodeRecipient, headerEnd, PAYLOAD_NONCE, PayloadError, payloadKey } from './age-format.js';
import { Bytes, fileChunks } from './byte-source.js';
import { fileBatches, openChunks, runBatches, sealChunks, type ByteChunks, type ChunkThreads } from './chunk-stream.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';

/** Who can read what we encrypt: age recipients (age1…), or one passphrase (scrypt). Never both (age's rule). */
export interface EncryptionKeys {
  recipients: string[];
  passphrase?: string;
  /** scrypt work factor (log2 N) for passphrases; age's default is 18. Tests lower it. */
  scryptLogN?: number;
}

/** What may open an encrypted file: identities (AGE-SECRET-KEY-1…) and/or passphrases, tried in turn. */
export interface DecryptionKeys {
  identities: string[];
  passphrases: string[];
}

const RECIPIENT = /^age1[02-9ac-hj-np-z]+$/;
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]+$/;

/** Lines of a recipients or identity file: blanks and `#` comments ignored (the age CLI's file syntax). */
function keyLines(text: string): { line: number; value: string }[] {
  return text.split(/\r?\n/).map((l, i) => ({ line: i + 1, value: l.trim() })).filter((l) => l.value !== '' && !l.value.startsWith('#'));
}

/** Validates recipients given on the command line or read from `where` (a file). */
export function parseRecipients(values: string[], where = '--recipient'): string[] {
  for (const v of values) {
    if (!RECIPIENT.test(v)) {
      throw new UsageError(`${where} ${q(v)} is not an age recipient`, {
        hints: ['an age recipient looks like age1…; make a key pair with `age-keygen -o key.txt` and pass the public key it prints'],
      });
    }
  }
  return values;
}

export function parseRecipientsFile(text: string, file: string): string[] {
  return parseRecipients(keyLines(text).map((l) => l.value), `recipients file ${q(file)}:`);
}

/** An identity file as `age-keygen` writes it. A secret key is never quoted back in a message. */
export function parseIdentityFile(text: string, file: string): string[] {
  const lines = keyLines(text);
  for (const l of lines) {
    if (!IDENTITY.test(l.value)) {
      throw new UsageError(`identity file ${q(file)} line ${l.line} is not an age secret key`, {
        hints: ['pass the file written by `age-keygen` (lines starting with AGE-SECRET-KEY-1)'],
      });
    }
  }
  if (lines.length === 0) {
    throw new UsageError(`identity file ${q(file)} holds no age secret key`, {
      hints: ['pass the file written by `age-keygen` (lines starting with AGE-SECRET-KEY-1)'],
    });
  }
  return lines.map((l) => l.value);
}

/** Checks the keys and builds the header for a fresh file key. */
function header(keys: EncryptionKeys): { fileKey: Buffer; header: Buffer } {
  if (keys.passphrase !== undefined && keys.recipients.length > 0) {
    throw new UsageError('a passphrase and recipients cannot be combined', {
      hints: ['use either --recipient/--recipients-file or a passphrase (MGBACKUP_PASSPHRASE), not both'],
    });
  }
  if (keys.passphrase === undefined && keys.recipients.length === 0) {
    throw new UsageError('encryption needs a recipient or a passphrase', {
      hints: ['pass --recipient age1… (or --recipients-file FILE), or set MGBACKUP_PASSPHRASE'],
    });
  }
  for (const r of parseRecipients(keys.recipients)) {
    try {
      decodeRecipient(r);
    } catch {
      throw new UsageError(`--recipient ${q(r)} is not an age recipient (its checksum does not match)`, {
        hints: ['copy the public key exactly as `age-keygen` printed it'],
      });
    }
  }
  const fileKey = randomBytes(16);
  const to = keys.passphrase !== undefined
    ? { passphrase: keys.passphrase, logN: keys.scryptLogN ?? 18 }
    : { recipients: keys.recipients };
  return { fileKey, header: buildHeader(fileKey, to) };
}

/** Decrypters by keys object: building one derives every identity's public key, a few milliseconds. */
const decrypters = new WeakMap<DecryptionKeys, Promise<Decrypter>>();

/** typage is loaded only to read a header: encrypting, and start-up, do without it. */
async function decrypter(keys: DecryptionKeys): Promise<Decrypter> {
  if (keys.identities.length === 0 && keys.passphrases.length === 0) {
    throw new UsageError('this data is encrypted: a key is needed to read it', {
      hints: ['pass --identity FILE (an age identity file) or set MGBACKUP_PASSPHRASE'],
    });
  }
  let d = decrypters.get(keys);
  if (d === undefined) {
    d = import('age-encryption').then(({ Decrypter }) => {
      const dec = new Decrypter();
      for (const i of keys.identities) dec.addIdentity(i);
      for (const p of keys.passphrases) dec.addPassphrase(p);
      return dec;
    });
    d.catch(() => decrypters.delete(keys));
    decrypters.set(keys, d);
  }
  return d;
}

/** Turns failures into the project's kinds: a key that does not fit is 11, damaged bytes are 14. */
export function decryptError(err: unknown, what: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/no identity matched/.test(msg)) {
    return new MgBackupError('authFailed', `cannot decrypt ${what}: none of the given keys opens it`, {
      cause: err, hints: ['pass the identity file (--identity) or passphrase (MGBACKUP_PASSPHRASE) it was encrypted with'],
    });
  }
  if (err instanceof PayloadError || /invalid header HMAC/.test(msg)) {
    return new MgBackupError('integrity', `${what} is damaged: its encrypted data does not authenticate (${msg})`, { cause: err });
  }
  return new MgBackupError('integrity', `${what} is not a readable age-encrypted file (${msg})`, { cause: err });
}

/**
 * Encrypts a byte stream, as an iterable of buffers: the header (with the payload nonce), then sealed
 * batches of 64 KiB chunks (chunk-stream.ts). The keys are checked before this returns. Memory stays at a
 * few 1 MiB batches whatever the size.
 */
export function encryptIterable(src: ByteChunks, keys: EncryptionKeys, opts: ChunkThreads = {}): AsyncGenerator<Buffer> {
  const h = header(keys);
  return (async function* () {
    const nonce = randomBytes(PAYLOAD_NONCE);
    yield Buffer.concat([h.header, nonce]);
    yield* sealChunks(payloadKey(h.fileKey, nonce), src, opts);
  })();
}

/**
 * Output streams work up to 2 MiB ahead of their reader: the next batch is sealed while the reader still
 * writes the last one (with a stream's default 64 KiB, this thread waited for every write).
 */
export const AHEAD = { objectMode: false, highWaterMark: 2 << 20 } as const;

/** Encrypts a stream; memory stays at a few 1 MiB batches whatever the size. */
export async function encryptStream(src: Readable, keys: EncryptionKeys, opts: ChunkThreads = {}): Promise<Readable> {
  return closingSource(Readable.from(encryptIterable(src, keys, opts), AHEAD), src);
}

/** Destroying the output destroys the source too, even before the first read (which starts the work). */
function closingSource(out: Readable, src: Readable): Readable {
  out.once('close', () => {
    if (!src.destroyed) src.destroy();
  });
  return out;
}

/** Headers are a few hundred bytes per recipient; anything far larger is not an age header. */
const MAX_HEADER = 1 << 20;

/** Reads the header off a byte source, leaving the source at the payload. */
async function readHeader(src: Bytes, what: string): Promise<Buffer> {
  const magic = Buffer.from(AGE_MAGIC);
  const { head, found } = await src.readUntil((h) => {
    if (!h.subarray(0, magic.length).equals(magic.subarray(0, Math.min(h.length, magic.length)))) return 0;
    return headerEnd(h);
  }, MAX_HEADER);
  if (found && isAgeEncrypted(head)) return head;
  await src.close();
  throw decryptError(new Error(isAgeEncrypted(head) ? 'the header is incomplete' : 'no age header'), what);
}

/**
 * Decrypts a byte stream, as an iterable of plaintext buffers. The header (and so the key check) is read
 * before this resolves; damage later in the data surfaces as an `integrity` error from the iteration.
 */
export async function decryptIterable(src: AsyncIterable<Uint8Array | string>, keys: DecryptionKeys, what: string, opts: ChunkThreads = {}): Promise<AsyncGenerator<Buffer>> {
  const d = await decrypter(keys);
  const bytes = new Bytes(src[Symbol.asyncIterator]());
  let fileKey: Uint8Array;
  try {
    const head = await readHeader(bytes, what);
    fileKey = await d.decryptHeader(head);
  } catch (err) {
    await bytes.close().catch(() => {});
    throw decryptError(err, what);
  }
  return (async function* () {
    try {
      const { head: nonce, found } = await bytes.readUntil((h) => (h.length >= PAYLOAD_NONCE ? PAYLOAD_NONCE : -1), PAYLOAD_NONCE);
      if (!found) throw new PayloadError('the file ends before the payload nonce');
      yield* openChunks(payloadKey(fileKey, nonce), bytes, opts);
    } catch (err) {
      throw decryptError(err, what);
    } finally {
      await bytes.close();
    }
  })();
}

/**
 * Decrypts a stream. The header (and so the key check) is read before this resolves; damage later in
 * the data surfaces as an `integrity` error on the returned stream. `what` names the file in errors.
 */
export async function decryptStream(src: Readable, keys: DecryptionKeys, what: string, opts: ChunkThreads = {}): Promise<Readable> {
  return closingSource(Readable.from(await decryptIterable(src, keys, what, opts), AHEAD), src);
}

export async function encryptBytes(data: Uint8Array, keys: EncryptionKeys): Promise<Uint8Array> {
  return collect(encryptIterable([data], keys));
}

export async function decryptBytes(data: Uint8Array, keys: DecryptionKeys, what: string): Promise<Uint8Array> {
  return collect(await decryptIterable((async function* () { yield data; })(), keys, what));
}

async function collect(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of s) chunks.push(c);
  return Buffer.concat(chunks);
}

/** How much of a file is read first for its header: a header longer than this goes the streaming way. */
const FILE_HEAD = 64 * 1024;

/**
 * Decrypts an open file, which it owns (closed at the end, on error, or when the stream is destroyed).
 * The sealed batches are read at their offsets straight into reused buffers: the tight loop of a local
 * repository's reads. Errors as decryptStream's.
 */
export async function decryptFile(fh: FileHandle, keys: DecryptionKeys, what: string, opts: ChunkThreads = {}): Promise<Readable> {
  let plain: AsyncGenerator<Buffer>;
  try {
    const d = await decrypter(keys);
    const size = (await fh.stat()).size;
    const head = Buffer.allocUnsafe(Math.min(size, FILE_HEAD));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const end = headerEnd(head.subarray(0, bytesRead));
    if (end >= 0 && end + PAYLOAD_NONCE > bytesRead && bytesRead === size) throw new PayloadError('the file ends before the payload nonce');
    if (end < 0 || end + PAYLOAD_NONCE > bytesRead) {
      if (bytesRead < head.length || size <= FILE_HEAD) {
        throw new Error(isAgeEncrypted(head.subarray(0, bytesRead)) ? 'the header is incomplete' : 'no age header');
      }
      return Readable.from(await decryptIterable(fileChunks(fh), keys, what, opts), AHEAD);
    }
    if (!isAgeEncrypted(head)) throw new Error('no age header');
    const fileKey = await d.decryptHeader(head.subarray(0, end));
    const key = payloadKey(fileKey, head.subarray(end, end + PAYLOAD_NONCE));
    plain = (async function* () {
      try {
        const spare: Buffer[] = [];
        yield* runBatches('open', key, fileBatches(fh, end + PAYLOAD_NONCE, size, spare), spare, opts);
      } catch (err) {
        throw decryptError(err, what);
      }
    })();
  } catch (err) {
    await fh.close().catch(() => {});
    throw decryptError(err, what);
  }
  const out = Readable.from(plain, AHEAD);
  out.once('close', () => void fh.close().catch(() => {}));
  return out;
}

/** The age header's first line: lets readers tell encrypted objects from plain ones without a key. */
export const AGE_MAGIC = 'age-encryption.org/v1\n';

export function isAgeEncrypted(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, AGE_MAGIC.length)).toString('latin1') === AGE_MAGIC;
}

/** The file key from a complete header (ranged reads decrypt the header and then only the chunks they need). */
export async function fileKeyOf(head: Uint8Array, keys: DecryptionKeys, what: string): Promise<Uint8Array> {
  try {
    return await (await decrypter(keys)).decryptHeader(head);
  } catch (err) {
    throw decryptError(err, what);
  }
}
