// `convert --repo R --to-time T` on an encrypted repository, from the built CLI: the repository (a
// copy of a plain one, made with `copy --encrypt`) is read with --identity and gives the same Cypher as
// the plain original; without a key or with another key it is exit 11, and key flags with files are
// a usage error.
import test from 'ava';
import path from 'node:path';
import { ageKeygen } from '../helpers/age-keygen.js';
import { runCli } from '../helpers/run-cli.js';
import { makeSource } from './helpers.js';

test('convert --to-time reads an encrypted repository with --identity, and refuses without the right key', async (t) => {
  const src = await makeSource(t, 'convert-enc', 2);
  const key = ageKeygen(src.root, 'key.txt');
  const other = ageKeygen(src.root, 'other.txt');
  const enc = path.join(src.root, 'enc');
  const c = await runCli(['copy', '--from', src.repo, '--to', enc, '--all', '--encrypt', '--recipient', key.recipient]);
  t.is(c.code, 0, c.stderr);

  const at = new Date().toISOString();
  const plain = await runCli(['convert', '--repo', src.repo, '--to-time', at]);
  t.is(plain.code, 0, plain.stderr);
  t.true(plain.stdout.includes('CREATE'), plain.stdout.slice(0, 200));
  const decrypted = await runCli(['convert', '--repo', enc, '--to-time', at, '--identity', key.file]);
  t.is(decrypted.code, 0, decrypted.stderr);
  t.is(decrypted.stdout, plain.stdout);

  const noKey = await runCli(['convert', '--repo', enc, '--to-time', at]);
  t.is(noKey.code, 11, noKey.stderr);
  t.is(noKey.stdout, '');
  t.regex(noKey.stderr, /is encrypted and no key was given\nhint: pass --identity FILE/);
  const wrong = await runCli(['convert', '--repo', enc, '--to-time', at, '--identity', other.file]);
  t.is(wrong.code, 11, wrong.stderr);
  t.is(wrong.stdout, '');

  const files = await runCli(['convert', path.join(enc, 'x.snapshot'), '--identity', key.file]);
  t.is(files.code, 2, files.stderr);
  t.is(files.stderr, 'mgbackup: error: --identity applies to --repo with --to-time/--to-ts, not to files\n'
    + 'hint: files given on the command line are read as they are: decrypt them first (age -d -i KEY FILE > plain)\n');
});
