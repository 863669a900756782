// The age v1 file format (age-encryption.org/v1, C2SP's age spec), the parts mgbackup writes itself:
// the header for X25519 recipients or one scrypt passphrase, and the STREAM payload. typage (the
// age-encryption package) encrypts and decrypts payloads in pure JavaScript at about 17 MiB/s here, 20x
// slower than the age CLI; Node's OpenSSL ChaCha20-Poly1305 does the same work at disk speed. The
// header is tiny, and reading it (stanza parsing, every recipient type, the header MAC) stays with
// typage's Decrypter.decryptHeader; our output is checked against typage and the age CLI in tests.
import {
  createCipheriv, createDecipheriv, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync,
  randomBytes, scryptSync, type KeyObject,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const AGE_VERSION_LINE = 'age-encryption.org/v1';
export const CHUNK = 64 * 1024;
const TAG = 16;
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

function chunkNonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(counter, 5, 6); // 11-byte big-endian counter; 2^48 chunks (16 EiB) is more than enough
  n[11] = last ? 1 : 0;
  return n;
}

/**
 * The payload as a Transform: 16-byte nonce, then 64 KiB chunks sealed with ChaCha20-Poly1305. One
 * chunk is held back so the last one can carry the "last" flag; an empty input gives one empty last chunk.
 */
export function encryptPayload(fileKey: Uint8Array, header?: Uint8Array): Transform {
  const nonce = randomBytes(16);
  const key = hkdf(fileKey, nonce, 'payload');
  let counter = 0;
  let pending: Buffer = Buffer.alloc(0);
  return new Transform({
    construct(cb) {
      if (header !== undefined) this.push(header);
      this.push(nonce);
      cb();
    },
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      // Seal straight from the incoming buffer; only a partial chunk (< 64 KiB) is ever copied. At least
      // one byte stays back: only the end of input says which chunk is last.
      let off = 0;
      if (pending.length > 0) {
        const take = Math.min(CHUNK - pending.length, chunk.length);
        pending = Buffer.concat([pending, chunk.subarray(0, take)]);
        off = take;
        if (pending.length === CHUNK && off < chunk.length) {
          this.push(seal(key, chunkNonce(counter++, false), pending));
          pending = Buffer.alloc(0);
        }
      }
      while (chunk.length - off > CHUNK) {
        this.push(seal(key, chunkNonce(counter++, false), chunk.subarray(off, off + CHUNK)));
        off += CHUNK;
      }
      if (off < chunk.length) pending = pending.length === 0 ? Buffer.from(chunk.subarray(off)) : Buffer.concat([pending, chunk.subarray(off)]);
      cb();
    },
    flush(cb: TransformCallback) {
      this.push(seal(key, chunkNonce(counter++, true), pending));
      cb();
    },
  });
}

/** Thrown for payload damage; age-crypto.ts maps it to the integrity kind. */
export class PayloadError extends Error {}

/** Reverses encryptPayload after the header. Every chunk is authenticated before any byte of it is passed on. */
export function decryptPayload(fileKey: Uint8Array): Transform {
  let key: Buffer | undefined;
  let head: Buffer = Buffer.alloc(0);
  let counter = 0;
  let pending: Buffer = Buffer.alloc(0);
  const open = (body: Buffer, last: boolean): Buffer => {
    if (body.length < TAG) throw new PayloadError('the file ends inside a chunk');
    const d = createDecipheriv('chacha20-poly1305', key!, chunkNonce(counter, last), { authTagLength: TAG });
    d.setAuthTag(body.subarray(body.length - TAG));
    let out: Buffer;
    try {
      out = Buffer.concat([d.update(body.subarray(0, body.length - TAG)), d.final()]);
    } catch {
      throw new PayloadError(`chunk ${counter} does not authenticate`);
    }
    counter++;
    return out;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        if (key === undefined) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 16) return cb();
          key = hkdf(fileKey, head.subarray(0, 16), 'payload');
          chunk = head.subarray(16);
        }
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length > CHUNK + TAG) {
          this.push(open(pending.subarray(0, CHUNK + TAG), false));
          pending = pending.subarray(CHUNK + TAG);
        }
        cb();
      } catch (err) {
        cb(err instanceof PayloadError ? err : new PayloadError((err as Error).message));
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (key === undefined) throw new PayloadError('the file ends before the payload nonce');
        const out = open(pending, true);
        if (out.length === 0 && counter > 1) throw new PayloadError('an empty last chunk follows data');
        this.push(out);
        cb();
      } catch (err) {
        cb(err instanceof PayloadError ? err : new PayloadError((err as Error).message));
      }
    },
  });
}

/** Splits a header off the first bytes of a file: the offset just past the MAC line, or -1 if not there yet. */
export function headerEnd(head: Buffer): number {
  const mac = head.indexOf('\n--- ');
  if (mac < 0) return -1;
  const nl = head.indexOf('\n', mac + 5);
  return nl < 0 ? -1 : nl + 1;
}

/** One sealed payload chunk on disk: 64 KiB of data plus its tag (the last chunk may be shorter). */
export const SEALED_CHUNK = CHUNK + TAG;
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

/**
 * Decrypts sealed chunks `first`, `first + 1`, … of a payload whose last chunk is `lastIndex`: the ranged
 * read, which seeks to a chunk boundary instead of decrypting from the start. Every chunk is authenticated
 * with its position, so chunks cut from elsewhere do not pass.
 */
export function decryptChunks(fileKey: Uint8Array, nonce: Uint8Array, first: number, lastIndex: number): Transform {
  const key = hkdf(fileKey, nonce, 'payload');
  let counter = first;
  let pending: Buffer = Buffer.alloc(0);
  const open = (body: Buffer): Buffer => {
    const d = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, counter === lastIndex), { authTagLength: TAG });
    if (body.length < TAG) throw new PayloadError('the file ends inside a chunk');
    d.setAuthTag(body.subarray(body.length - TAG));
    try {
      const out = Buffer.concat([d.update(body.subarray(0, body.length - TAG)), d.final()]);
      counter++;
      return out;
    } catch {
      throw new PayloadError(`chunk ${counter} does not authenticate`);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= SEALED_CHUNK && counter < lastIndex) {
          this.push(open(pending.subarray(0, SEALED_CHUNK)));
          pending = pending.subarray(SEALED_CHUNK);
        }
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (pending.length > 0) this.push(open(pending));
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
