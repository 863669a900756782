// `mgbackup copy` between repositories with different keys, from the built CLI: each side is opened
// with its own encryption (the source with the reading keys, the target with --encrypt / recipients),
// so objects are re-encrypted for the target. The real `age` CLI is the judge of who can read what.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ageDecrypt, ageKeygen } from '../helpers/age-keygen.js';
import { runCli } from '../helpers/run-cli.js';
import { checkCopy, makeSource, mtimes, type CopyJson } from './helpers.js';

const AGE_MAGIC = 'age-encryption.org/v1\n';

/** Every file under repo (relative), locks excepted. */
function files(repo: string, dir = ''): string[] {
  return fs.readdirSync(path.join(repo, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return rel === 'locks' ? [] : files(repo, rel);
    return [rel];
  });
}

const snapshotOf = (repo: string, id: string) => {
  const dir = path.join(repo, id, 'snapshots');
  return path.join(dir, fs.readdirSync(dir)[0]!);
};

test('copy re-encrypts: plain -> encrypted (key A) -> encrypted (key B) -> plain, each readable by its own key only', async (t) => {
  const src = await makeSource(t, 'copy-keys', 1);
  const id = src.ids[0]!;
  const a = ageKeygen(src.root, 'a.txt');
  const b = ageKeygen(src.root, 'b.txt');

  // Plain source into a new encrypted repository.
  const r2 = path.join(src.root, 'r2');
  const c2 = await runCli(['copy', '--from', src.repo, '--to', r2, '--all', '--encrypt', '--recipient', a.recipient]);
  t.is(c2.code, 0, c2.stderr);
  t.truthy(JSON.parse(fs.readFileSync(path.join(r2, 'mgbackup-repo.json'), 'utf8')).encryption);
  // The snapshot is an age file that age itself opens with key A, to the source's bytes, and not with B.
  const plainSnapshot = fs.readFileSync(snapshotOf(src.repo, id));
  t.is(fs.readFileSync(snapshotOf(r2, id)).subarray(0, AGE_MAGIC.length).toString(), AGE_MAGIC);
  t.deepEqual(ageDecrypt(a.file, snapshotOf(r2, id)), plainSnapshot);
  t.is(ageDecrypt(b.file, snapshotOf(r2, id)), undefined);
  // Nothing of the backup or the archive is in the clear but the list summary.
  const clear = files(r2).filter((f) => !fs.readFileSync(path.join(r2, f)).subarray(0, AGE_MAGIC.length).equals(Buffer.from(AGE_MAGIC)));
  t.deepEqual(clear.filter((f) => !/^mgbackup-repo\.json$|\/summary\.json$/.test(f)), []);

  // Again with the recipients only (a host that cannot read r2; --encrypt on an encrypted repository
  // just opens it): what is there is taken as present
  // (puts are atomic), nothing is written, and the run says so.
  const before = mtimes(r2);
  const again = await runCli(['copy', '--from', src.repo, '--to', r2, '--all', '--encrypt', '--recipient', a.recipient, '--json']);
  t.is(again.code, 0, again.stderr);
  const out = JSON.parse(again.stdout) as CopyJson;
  t.deepEqual(out.backups.map((x) => [x.id, x.action]), [[id, 'present']]);
  t.like(out, { copied: 0, bytes: 0 });
  t.true(out.archive.skipped > 0, again.stdout);
  t.deepEqual(mtimes(r2), before);

  // Encrypted source without its key: exit 11, and the target is not made.
  const r3 = path.join(src.root, 'r3');
  const noKey = await runCli(['copy', '--from', r2, '--to', r3, '--all']);
  t.is(noKey.code, 11, noKey.stderr);
  t.false(fs.existsSync(path.join(r3, 'mgbackup-repo.json')));

  // Key A reads the source; the new target is encrypted to B only.
  const c3 = await runCli(['copy', '--from', r2, '--to', r3, '--all', '--identity', a.file, '--encrypt', '--recipient', b.recipient]);
  t.is(c3.code, 0, c3.stderr);
  t.deepEqual(ageDecrypt(b.file, snapshotOf(r3, id)), plainSnapshot);
  t.is(ageDecrypt(a.file, snapshotOf(r3, id)), undefined);
  const v3 = await runCli(['verify', '--all', '--repo', r3, '--identity', b.file]);
  t.is(v3.code, 0, v3.stdout + v3.stderr);

  // Back to a plain repository: allowed, with a warning that names both, and restorable without a key.
  const r4 = path.join(src.root, 'r4');
  const c4 = await runCli(['copy', '--from', r3, '--to', r4, '--all', '--identity', b.file]);
  t.is(c4.code, 0, c4.stderr);
  t.regex(c4.stderr, new RegExp(`repository "${r3}" is encrypted and "${r4}" is not: the copies there are readable without a key`));
  t.deepEqual(fs.readFileSync(snapshotOf(r4, id)), plainSnapshot);
  await checkCopy(t, r4, id, src.dump);
});
