// encryptionFor's decisions on the memory backend: when a backend is wrapped, created encrypted, refused,
// or opened read-only / write-only, and which exit kind each refusal has.
import { PassThrough } from 'node:stream';
import test from 'ava';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandContext } from '../../src/cli/context.js';
import { encryptionFor, fingerprint } from '../../src/cli/repo-encryption.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { EncryptedBackend } from '../../src/repo/encrypted-backend.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { readRepoFormat } from '../../src/repo/repository.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-repoenc-'));
const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const idFile = path.join(dir, 'key.txt');
fs.writeFileSync(idFile, `# created by a test\n${identity}\n`, { mode: 0o600 });
const other = await identityToRecipient(await generateX25519Identity());
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

function ctx(): CommandContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings, stdout: new PassThrough(), stdoutIsTTY: false, stdin: new PassThrough(), stdinIsTTY: false, env: {}, cwd: dir,
    reporter: { info: () => {}, warn: (m: string) => warnings.push(m) } as unknown as CommandContext['reporter'],
    signal: new AbortController().signal,
    clock: { now: () => new Date('2026-12-03T08:00:00Z'), monotonicMs: () => 0, sleep: async () => {} },
    connect: () => Promise.reject(new Error('no server in this test')),
  };
}

const args = (a: Record<string, unknown>) => ({ _: [], ...a });
const kindOf = async (p: Promise<unknown>) => ((await p.then(() => undefined, (e: unknown) => e)) as MgBackupError | undefined)?.kind;

test('no flags on a plain repository: the backend itself', async (t) => {
  const b = new MemoryBackend();
  t.is(await encryptionFor(args({}), {}, b, ctx()), b);
});

test('--recipient without --encrypt on a plain repository is a usage error, not silently plain', async (t) => {
  t.is(await kindOf(encryptionFor(args({ recipient: [recipient] }), {}, new MemoryBackend(), ctx())), 'usage');
});

test('--encrypt needs recipients or a passphrase, not both, and no prompt without a terminal', async (t) => {
  t.is(await kindOf(encryptionFor(args({ encrypt: true }), {}, new MemoryBackend(), ctx())), 'usage');
  t.is(await kindOf(encryptionFor(args({ encrypt: true, recipient: [recipient] }), { MGBACKUP_PASSPHRASE: 'x' }, new MemoryBackend(), ctx())), 'usage');
});

test('--encrypt on a format 1 repository holding backups is refused (17) and writes nothing', async (t) => {
  const b = new MemoryBackend();
  await b.put('20261201T000000Z-00000001/manifest.json', Buffer.from('{}'));
  t.is(await kindOf(encryptionFor(args({ encrypt: true, recipient: [recipient] }), {}, b, ctx())), 'refused');
  t.is(await b.stat('mgbackup-repo.json'), undefined);
});

test('created with recipients: the marker has fingerprints; an identity of one of them only reads, the whole set without identity only writes', async (t) => {
  const b = new MemoryBackend();
  const created = await encryptionFor(args({ encrypt: true, recipient: [recipient, other] }), {}, b, ctx());
  t.true(created instanceof EncryptedBackend);
  const found = await readRepoFormat(b);
  t.deepEqual((found as unknown as { marker: { encryption: unknown } }).marker.encryption, { scheme: 'age', recipients: [fingerprint(recipient), fingerprint(other)] });
  await created.put('a/obj', Buffer.from('hello'));

  // The identity covers one of two recipients: it reads, but cannot write (it does not know the other).
  const reader = await encryptionFor(args({ identity: [idFile] }), {}, b, ctx());
  t.is(Buffer.from(await reader.getBytes('a/obj')).toString(), 'hello');
  t.is(await kindOf(reader.put('a/new', Buffer.from('x'))), 'refused');
  // Both recipients given: it writes; without an identity it cannot read (11).
  const writer = await encryptionFor(args({ recipient: [other, recipient] }), {}, b, ctx());
  await writer.put('a/two', Buffer.from('two'));
  t.is(await kindOf(writer.getBytes('a/two')), 'authFailed');
  t.is(Buffer.from(await reader.getBytes('a/two')).toString(), 'two');
  // A different set is refused; nothing at all is 11.
  t.is(await kindOf(encryptionFor(args({ recipient: [recipient] }), {}, b, ctx())), 'refused');
  t.is(await kindOf(encryptionFor(args({}), {}, b, ctx())), 'authFailed');
});

test('two creators racing: one marker, and both end up with a working encrypted backend', async (t) => {
  const b = new MemoryBackend();
  const [x, y] = await Promise.all([0, 1].map(() => encryptionFor(args({ encrypt: true, recipient: [recipient], identity: [idFile] }), {}, b, ctx())));
  await x!.put('k', Buffer.from('from x'));
  t.is(Buffer.from(await y!.getBytes('k')).toString(), 'from x');
});

test('an identity file others may read works, with a warning', async (t) => {
  const loose = path.join(dir, 'loose.txt');
  fs.writeFileSync(loose, `${identity}\n`, { mode: 0o644 });
  fs.chmodSync(loose, 0o644);
  const b = new MemoryBackend();
  await encryptionFor(args({ encrypt: true, recipient: [recipient] }), {}, b, ctx());
  const c = ctx();
  await encryptionFor(args({ identity: [loose] }), {}, b, c);
  t.deepEqual(c.warnings, [`--identity "${loose}" can be read by other users or its group (mode 0644); run chmod 600 ${loose}`]);
});
