// src/crypto owns client-side encryption of repository files: the age format (age-encryption.org/v1).
// Headers are read by the `age-encryption` package (typage, by age's author); the payload, where the
// time goes, is Node's own ChaCha20-Poly1305 (age-format.ts says why). age was chosen over a format of our own
// because the standard `age` CLI can read what we write, so an operator can always get data back without
// mgbackup, and tests check our files against that independent implementation. The payload is
// encrypted in 64 KiB chunks, each authenticated, so large files stream with bounded memory and a
// damaged chunk is detected where it is, never decrypted into garbage.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { Decrypter } from 'age-encryption';
import { buildHeader, decodeRecipient, decryptPayload, encryptPayload, headerEnd, PayloadError } from './age-format.js';
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

function decrypter(keys: DecryptionKeys): Decrypter {
  if (keys.identities.length === 0 && keys.passphrases.length === 0) {
    throw new UsageError('this data is encrypted: a key is needed to read it', {
      hints: ['pass --identity FILE (an age identity file) or set MGBACKUP_PASSPHRASE'],
    });
  }
  const d = new Decrypter();
  for (const i of keys.identities) d.addIdentity(i);
  for (const p of keys.passphrases) d.addPassphrase(p);
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

/** Encrypts a stream; memory stays at a few 64 KiB chunks whatever the size. */
export async function encryptStream(src: Readable, keys: EncryptionKeys): Promise<Readable> {
  const h = header(keys);
  return pipeline(src, encryptPayload(h.fileKey, h.header), () => {});
}

/** Headers are a few hundred bytes per recipient; anything far larger is not an age header. */
const MAX_HEADER = 1 << 20;

/** Reads the header off a stream, leaving the stream positioned at the payload. */
async function readHeader(src: Readable, what: string): Promise<Buffer> {
  let head = Buffer.alloc(0);
  for await (const chunk of src.iterator({ destroyOnReturn: false })) {
    head = Buffer.concat([head, Buffer.from(chunk as Uint8Array)]);
    if (!head.subarray(0, AGE_MAGIC.length).equals(Buffer.from(AGE_MAGIC).subarray(0, Math.min(head.length, AGE_MAGIC.length)))) break;
    const end = headerEnd(head);
    if (end >= 0) {
      if (end < head.length) src.unshift(head.subarray(end));
      return head.subarray(0, end);
    }
    if (head.length > MAX_HEADER) break;
  }
  src.destroy();
  throw decryptError(new Error(isAgeEncrypted(head) ? 'the header is incomplete' : 'no age header'), what);
}

/**
 * Decrypts a stream. The header (and so the key check) is read before this resolves; damage later in
 * the data surfaces as an `integrity` error on the returned stream. `what` names the file in errors.
 */
export async function decryptStream(src: Readable, keys: DecryptionKeys, what: string): Promise<Readable> {
  const d = decrypter(keys);
  const head = await readHeader(src, what);
  let fileKey: Uint8Array;
  try {
    fileKey = await d.decryptHeader(head);
  } catch (err) {
    src.destroy();
    throw decryptError(err, what);
  }
  // The consumer sees our error kinds, not the payload's own errors.
  const plain = pipeline(src, decryptPayload(fileKey), () => {});
  const out = new PassThrough();
  plain.once('error', (err) => out.destroy(decryptError(err, what)));
  out.once('close', () => { if (!plain.readableEnded) plain.destroy(); });
  return plain.pipe(out);
}

export async function encryptBytes(data: Uint8Array, keys: EncryptionKeys): Promise<Uint8Array> {
  return collect(await encryptStream(Readable.from([Buffer.from(data)]), keys));
}

export async function decryptBytes(data: Uint8Array, keys: DecryptionKeys, what: string): Promise<Uint8Array> {
  return collect(await decryptStream(Readable.from([Buffer.from(data)]), keys, what));
}

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The age header's first line: lets readers tell encrypted objects from plain ones without a key. */
export const AGE_MAGIC = 'age-encryption.org/v1\n';

export function isAgeEncrypted(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, AGE_MAGIC.length)).toString('latin1') === AGE_MAGIC;
}

/** The file key from a complete header (ranged reads decrypt the header and then only the chunks they need). */
export async function fileKeyOf(head: Uint8Array, keys: DecryptionKeys, what: string): Promise<Uint8Array> {
  try {
    return await decrypter(keys).decryptHeader(head);
  } catch (err) {
    throw decryptError(err, what);
  }
}
