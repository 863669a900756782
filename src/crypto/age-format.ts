// The age v1 file format (age-encryption.org/v1, C2SP's age spec), the parts mgbackup writes itself:
// the header for X25519 recipients or one scrypt passphrase, and the STREAM payload. typage (the
// age-encryption package) encrypts and decrypts payloads in pure JavaScript at about 17 MiB/s here, 20x
// slower than the age CLI; Node's OpenSSL ChaCha20-Poly1305 does the same work at disk speed. The
// header is tiny, and reading it (stanza parsing, every recipient type, the header MAC) stays with
// typage's Decrypter.decryptHeader; our output is checked against typage and the age CLI in tests.
// The payload is sealed and opened in batches of 16 chunks (sealPieces, openPieces): pure functions of
// (key, position, bytes) that chunk-stream.ts runs on this thread or on worker threads.
import {
  createCipheriv, createDecipheriv, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync,
  randomBytes, scryptSync, type KeyObject,
} from 'node:crypto';

export const AGE_VERSION_LINE = 'age-encryption.org/v1';
export const CHUNK = 64 * 1024;
export const TAG = 16;
/** One sealed payload chunk on disk: 64 KiB of data plus its tag (the last chunk may be shorter). */
export const SEALED_CHUNK = CHUNK + TAG;
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

function seal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** Decodes a Bech32 age recipient (age1…) to its 32-byte X25519 public key. */
export function decodeRecipient(recipient: string): Buffer {
  const sep = recipient.lastIndexOf('1');
  if (recipient.slice(0, sep) !== 'age') throw new Error(`not an age recipient: ${recipient}`);
  const words = [...recipient.slice(sep + 1)].map((ch) => BECH32.indexOf(ch));
  if (words.some((w) => w < 0) || words.length < 7) throw new Error('invalid recipient encoding');
  if (bech32Checksum('age', words) !== 1) throw new Error('invalid recipient checksum');
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const w of words.slice(0, -6)) {
    acc = (acc << 5) | w;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (out.length !== 32) throw new Error('recipient key is not 32 bytes');
  return Buffer.from(out);
}

function bech32Checksum(hrp: string, words: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  const values = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31), ...words];
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i]!;
  }
  return chk;
}

const rawPublic = (k: KeyObject) => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');

function x25519Stanza(fileKey: Uint8Array, recipient: string): string {
  const theirs = decodeRecipient(recipient);
  const them = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: theirs.toString('base64url') }, format: 'jwk' });
  const eph = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: them });
  if (shared.every((b) => b === 0)) throw new Error('recipient is a low-order point');
  const ephPub = rawPublic(eph.publicKey);
  const wrapKey = hkdf(shared, Buffer.concat([ephPub, theirs]), 'age-encryption.org/v1/X25519');
  return `-> X25519 ${b64(ephPub)}\n${b64(seal(wrapKey, Buffer.alloc(12), fileKey))}\n`;
}

function scryptStanza(fileKey: Uint8Array, passphrase: string, logN: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(Buffer.from(passphrase, 'utf8'), Buffer.concat([Buffer.from('age-encryption.org/v1/scrypt'), salt]), 32, {
    N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** logN * 8 + (64 << 20),
  });
  return `-> scrypt ${b64(salt)} ${logN}\n${b64(seal(key, Buffer.alloc(12), fileKey))}\n`;
}

/** The header (version line, stanzas, MAC) for a fresh file key. Bodies here are 32 bytes: one short line each. */
export function buildHeader(fileKey: Uint8Array, to: { recipients: string[] } | { passphrase: string; logN: number }): Buffer {
  const stanzas = 'recipients' in to
    ? to.recipients.map((r) => x25519Stanza(fileKey, r)).join('')
    : scryptStanza(fileKey, to.passphrase, to.logN);
  const noMac = `${AGE_VERSION_LINE}\n${stanzas}---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(noMac).digest();
  return Buffer.from(`${noMac} ${b64(mac)}\n`);
}

/** Writes chunk `counter`'s nonce into `n`: an 11-byte big-endian counter, then the "last chunk" flag. */
function setChunkNonce(n: Buffer, counter: number, last: boolean): Buffer {
  n.fill(0, 0, 5);
  n.writeUIntBE(counter, 5, 6); // 2^48 chunks (16 EiB) is more than enough
  n[11] = last ? 1 : 0;
  return n;
}

/** The key of a payload: from the file key and the payload's 16-byte nonce. */
export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return hkdf(fileKey, nonce, 'payload');
}

/** Chunks per batch: the unit handed to a worker thread and written in one go (1 MiB of plaintext). */
export const BATCH_CHUNKS = 16;
export const PLAIN_BATCH = BATCH_CHUNKS * CHUNK;

/**
 * Seals `plain` as consecutive payload chunks numbered from `first`: the sealed bytes, in order, as the
 * cipher's own output buffers (ciphertext, tag, ciphertext, tag, ...). `plain` is whole 64 KiB chunks
 * unless `last` says its final chunk is the payload's last, which may be shorter (or empty, for an empty
 * payload). Nothing is copied or allocated beyond what the cipher returns: a copy into one batch buffer
 * cost a fifth of the time, and fresh batch buffers a page fault per 4 KiB.
 */
export function sealPieces(key: Uint8Array, first: number, plain: Uint8Array, last: boolean): Buffer[] {
  const n = Math.max(1, Math.ceil(plain.length / CHUNK));
  const out: Buffer[] = [];
  const nonce = Buffer.alloc(12);
  for (let i = 0; i < n; i++) {
    const c = createCipheriv('chacha20-poly1305', key, setChunkNonce(nonce, first + i, last && i === n - 1), { authTagLength: TAG });
    const body = c.update(plain.subarray(i * CHUNK, (i + 1) * CHUNK));
    c.final();
    if (body.length > 0) out.push(body);
    out.push(c.getAuthTag());
  }
  return out;
}

/**
 * Reverses sealPieces: `sealed` holds whole sealed chunks numbered from `first`; when `last`, its final
 * chunk must be the payload's last (it may be shorter). Every chunk of the batch is authenticated before
 * any byte of it is returned, with its position: chunks moved, dropped or cut off do not pass.
 */
export function openPieces(key: Uint8Array, first: number, sealed: Uint8Array, last: boolean): Buffer[] {
  const n = Math.max(1, Math.ceil(sealed.length / SEALED_CHUNK));
  const tail = sealed.length - (n - 1) * SEALED_CHUNK;
  if (tail < TAG) throw new PayloadError(sealed.length === 0 ? 'the file ends before its first chunk' : 'the file ends inside a chunk');
  if (last && tail === TAG && first + n - 1 > 0) throw new PayloadError('an empty last chunk follows data');
  const out: Buffer[] = [];
  const nonce = Buffer.alloc(12);
  for (let i = 0; i < n; i++) {
    const body = sealed.subarray(i * SEALED_CHUNK, Math.min(sealed.length, (i + 1) * SEALED_CHUNK));
    const d = createDecipheriv('chacha20-poly1305', key, setChunkNonce(nonce, first + i, last && i === n - 1), { authTagLength: TAG });
    d.setAuthTag(body.subarray(body.length - TAG));
    const plain = d.update(body.subarray(0, body.length - TAG));
    try {
      d.final();
    } catch {
      throw new PayloadError(`chunk ${first + i} does not authenticate`);
    }
    if (plain.length > 0) out.push(plain);
  }
  return out;
}

/**
 * The pieces of a batch in one buffer of its own: what a worker thread hands back (its memory is
 * transferred, not copied; a cipher's tag may live in a shared pool and cannot be transferred alone).
 */
export function joinPieces(pieces: Buffer[]): Buffer {
  let size = 0;
  for (const p of pieces) size += p.length;
  const out = Buffer.allocUnsafeSlow(size);
  let o = 0;
  for (const p of pieces) {
    o += p.copy(out, o);
    // Freed at once (detached): left to the garbage collector, 64 KiB per chunk piles up as fresh memory.
    if (p.byteOffset === 0 && p.buffer.byteLength === p.length && p.length > 4096) (p.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
  }
  return out;
}

/** Thrown for payload damage; age-crypto.ts maps it to the integrity kind. */
export class PayloadError extends Error {}

/** Splits a header off the first bytes of a file: the offset just past the MAC line, or -1 if not there yet. */
export function headerEnd(head: Buffer): number {
  const mac = head.indexOf('\n--- ');
  if (mac < 0) return -1;
  const nl = head.indexOf('\n', mac + 5);
  return nl < 0 ? -1 : nl + 1;
}

/** The payload starts with a 16-byte nonce that, with the file key, gives the payload key. */
export const PAYLOAD_NONCE = 16;

/** Length of the header buildHeader writes for `recipients` X25519 recipients: every line has a fixed length. */
export function x25519HeaderLength(recipients: number): number {
  const key = 43; // 32 bytes, unpadded base64
  return AGE_VERSION_LINE.length + 1 + recipients * ('-> X25519 '.length + key + 1 + key + 1) + '--- '.length + key + 1;
}

/** Plaintext size of a payload of `payloadSize` bytes (nonce included); -1 when no payload has that size. */
export function plainSizeOfPayload(payloadSize: number): number {
  const sealed = payloadSize - PAYLOAD_NONCE;
  if (sealed < TAG) return -1;
  const chunks = Math.ceil(sealed / SEALED_CHUNK);
  const last = sealed - (chunks - 1) * SEALED_CHUNK;
  if (last < TAG || (last === TAG && chunks > 1)) return -1;
  return sealed - chunks * TAG;
}
