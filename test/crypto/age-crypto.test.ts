// Encryption checked against the reference implementation: the `age` CLI (Debian package age, installed
// by scripts/ensure-tools.sh) must decrypt what mgbackup encrypts and the other way round, so the files
// are really age and an operator can always read them without mgbackup.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import {
  decryptBytes, decryptStream, encryptBytes, encryptStream, isAgeEncrypted, parseIdentityFile, parseRecipients,
  parseRecipientsFile,
} from '../../src/crypto/age-crypto.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { ageKeygen as keygen } from '../helpers/age-keygen.js';

function scratch(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-age-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('what mgbackup encrypts, `age -d -i key.txt` decrypts to the same bytes (several chunks, streamed)', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const data = randomBytes(5 * 65536 + 123); // crosses age's 64 KiB chunks, ends in a partial one
  const enc = await collect(await encryptStream(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { recipients: [key.recipient] }));
  t.true(isAgeEncrypted(enc));
  fs.writeFileSync(path.join(dir, 'x.age'), enc);
  const r = spawnSync('age', ['-d', '-i', key.file, path.join(dir, 'x.age')], { maxBuffer: 1 << 26 });
  t.is(r.status, 0, r.stderr?.toString());
  t.is(sha(r.stdout), sha(data));
});

test('what `age -r` encrypts (two recipients), mgbackup decrypts with either identity', async (t) => {
  const dir = scratch(t);
  const a = keygen(dir, 'a.txt');
  const b = keygen(dir, 'b.txt');
  const data = randomBytes(200_000);
  fs.writeFileSync(path.join(dir, 'plain'), data);
  const r = spawnSync('age', ['-r', a.recipient, '-r', b.recipient, '-o', path.join(dir, 'x.age'), path.join(dir, 'plain')]);
  t.is(r.status, 0, r.stderr?.toString());
  for (const id of [a.identity, b.identity]) {
    const out = await collect(await decryptStream(fs.createReadStream(path.join(dir, 'x.age')), { identities: [id], passphrases: [] }, 'x.age'));
    t.is(sha(out), sha(data));
  }
});

test('a key that does not fit is exit kind authFailed (11), never garbage', async (t) => {
  const dir = scratch(t);
  const right = keygen(dir, 'right.txt');
  const wrong = keygen(dir, 'wrong.txt');
  const enc = await encryptBytes(Buffer.from('secret graph'), { recipients: [right.recipient] });
  const err = await t.throwsAsync(decryptBytes(enc, { identities: [wrong.identity], passphrases: ['nope'] }, 'backup "b1" file "snapshots/s"'), { instanceOf: MgBackupError });
  t.is(err!.kind, 'authFailed');
  t.is(err!.message, 'cannot decrypt backup "b1" file "snapshots/s": none of the given keys opens it');
  const e2 = await t.throwsAsync(decryptStream(Readable.from([enc]), { identities: [wrong.identity], passphrases: [] }, 'f'), { instanceOf: MgBackupError });
  t.is(e2!.kind, 'authFailed');
});

test('a flipped byte or a cut tail is integrity (14), surfaced on the stream, before garbage is used', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  const data = randomBytes(3 * 65536);
  const enc = Buffer.from(await encryptBytes(data, { recipients: [key.recipient] }));
  const flipped = Buffer.from(enc);
  flipped[flipped.length - 70_000]! ^= 0x01;
  for (const [name, bad] of [['flipped', flipped], ['cut', enc.subarray(0, enc.length - 30)]] as const) {
    const s = await decryptStream(Readable.from([bad]), { identities: [key.identity], passphrases: [] }, `file ${name}`);
    const err = await t.throwsAsync(collect(s), { instanceOf: MgBackupError }, name);
    t.is(err!.kind, 'integrity', name);
    t.regex(err!.message, new RegExp(`^file ${name} is damaged: its encrypted data does not authenticate`), name);
  }
  const e3 = await t.throwsAsync(decryptBytes(Buffer.from('plain text, not age'), { identities: [key.identity], passphrases: [] }, 'manifest.json'), { instanceOf: MgBackupError });
  t.is(e3!.kind, 'integrity');
  t.regex(e3!.message, /^manifest.json is not a readable age-encrypted file/);
  t.false(isAgeEncrypted(Buffer.from('plain text, not age')));
});

test('a passphrase (scrypt) round-trips; the wrong one is 11; passphrase and recipients do not mix', async (t) => {
  const enc = await encryptBytes(Buffer.from('hello'), { recipients: [], passphrase: 'correct horse', scryptLogN: 12 });
  t.is(Buffer.from(await decryptBytes(enc, { identities: [], passphrases: ['correct horse'] }, 'x')).toString(), 'hello');
  const err = await t.throwsAsync(decryptBytes(enc, { identities: [], passphrases: ['battery staple'] }, 'x'), { instanceOf: MgBackupError });
  t.is(err!.kind, 'authFailed');
  const dir = scratch(t);
  const key = keygen(dir);
  const mix = await t.throwsAsync(encryptBytes(Buffer.from('x'), { recipients: [key.recipient], passphrase: 'p' }), { instanceOf: MgBackupError });
  t.is(mix!.kind, 'usage');
  const none = await t.throwsAsync(decryptBytes(enc, { identities: [], passphrases: [] }, 'x'), { instanceOf: MgBackupError });
  t.is(none!.message, 'this data is encrypted: a key is needed to read it');
});

test('recipient and identity files: comments and blanks ignored; bad lines named without quoting secrets', (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  t.deepEqual(parseRecipientsFile(`# team keys\n\n${key.recipient}\n`, 'r.txt'), [key.recipient]);
  const bad = t.throws(() => parseRecipients(['age1NOTVALID']), { instanceOf: MgBackupError });
  t.is(bad!.message, '--recipient "age1NOTVALID" is not an age recipient');
  const secret = 'AGE-SECRET-KEY-1TOOSHORTbutsecret';
  const e = t.throws(() => parseIdentityFile(`# created\n${secret}\n`, 'k.txt'), { instanceOf: MgBackupError });
  t.is(e!.message, 'identity file "k.txt" line 2 is not an age secret key');
  t.false(e!.message.includes(secret));
  t.is(t.throws(() => parseIdentityFile('# nothing\n', 'k.txt'))!.message, 'identity file "k.txt" holds no age secret key');
});

test('a passphrase file mgbackup wrote opens with `age -d` typing the passphrase (through a pty), and only with it', async (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'p.age');
  fs.writeFileSync(file, await encryptBytes(Buffer.from('hello from mgbackup'), { recipients: [], passphrase: 'correct horse', scryptLogN: 12 }));
  // age reads a passphrase only from the terminal; `script` gives it one whose input is our stdin.
  const typed = (pass: string, out: string) => spawnSync('script', ['-qec', `age -d -o ${out} ${file}`, '/dev/null'], { input: `${pass}\n`, timeout: 60_000 });
  const ok = typed('correct horse', path.join(dir, 'ok.txt'));
  t.is(ok.status, 0, ok.stdout?.toString());
  t.is(fs.readFileSync(path.join(dir, 'ok.txt'), 'utf8'), 'hello from mgbackup');
  const bad = typed('battery staple', path.join(dir, 'bad.txt'));
  t.not(bad.status, 0);
  t.false(fs.existsSync(path.join(dir, 'bad.txt')) && fs.statSync(path.join(dir, 'bad.txt')).size > 0);
});

test('sizes on chunk boundaries (0, 64 KiB, 128 KiB, 128 KiB + 1) decrypt with the age CLI and with mgbackup', async (t) => {
  const dir = scratch(t);
  const key = keygen(dir);
  for (const size of [0, 65536, 131072, 131073]) {
    const data = randomBytes(size);
    // Odd input pieces, so chunking does not follow the caller's buffers.
    const pieces = [data.subarray(0, 1), data.subarray(1, 70_000), data.subarray(70_000)].filter((p) => p.length > 0);
    const enc = await collect(await encryptStream(Readable.from(pieces), { recipients: [key.recipient] }));
    const file = path.join(dir, `s${size}.age`);
    fs.writeFileSync(file, enc);
    const r = spawnSync('age', ['-d', '-i', key.file, file], { maxBuffer: 1 << 24 });
    t.is(r.status, 0, `${size}: ${r.stderr?.toString()}`);
    t.is(sha(r.stdout), sha(data), `age CLI, ${size} bytes`);
    const back = await collect(await decryptStream(Readable.from([enc.subarray(0, 100), enc.subarray(100)]), { identities: [key.identity], passphrases: [] }, 'f'));
    t.is(sha(back), sha(data), `mgbackup, ${size} bytes`);
  }
});
