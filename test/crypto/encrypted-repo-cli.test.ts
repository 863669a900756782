// Encrypted repositories through the built CLI, on what runs on RepoBackend today: `watch --once` archiving
// a stand-in's real WAL files. What is stored is checked with the real `age` CLI (and typage for the
// passphrase-wrapped key), the exit codes and messages as an operator sees them, and no secret on stderr
// or in the log file. Serial: each case runs a server and several CLIs on a small shared machine.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Decrypter } from 'age-encryption';
import { runCli } from '../helpers/run-cli.js';
import { commit, dirs, events, startStandIn } from '../watch/harness.js';
import { ageKeygen as keygen } from '../helpers/age-keygen.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function ageDecrypt(t: ExecutionContext, identityFile: string, file: string): Buffer {
  const r = spawnSync('age', ['-d', '-i', identityFile, file], { maxBuffer: 1 << 26 });
  t.is(r.status, 0, `${file}: ${r.stderr.toString()}`);
  return r.stdout;
}

function repoFiles(repo: string, dir = ''): string[] {
  return fs.readdirSync(path.join(repo, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? repoFiles(repo, path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

const isAge = (file: string) => fs.readFileSync(file).subarray(0, 22).toString() === 'age-encryption.org/v1\n';

test.serial('watch --once --encrypt --recipient: every archived file is an age file the age CLI opens; the marker holds fingerprints only', async (t) => {
  const d = dirs(t);
  const key = keygen(d.root, 'key.txt');
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 12, 300);
  const log = path.join(d.root, 'run.log');
  const r = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--encrypt', '--recipient', key.recipient, '--identity', key.file, '--log-file', log]);
  t.is(r.code, 0, r.stderr);
  const archived = events(r.stdout).filter((e) => e.type === 'archived').map((e) => e.name as string);
  t.true(archived.length >= 2, r.stdout);

  const marker = JSON.parse(fs.readFileSync(path.join(d.repo, 'mgbackup-repo.json'), 'utf8')) as { encryption: unknown };
  t.deepEqual(marker.encryption, { scheme: 'age', recipients: [sha(Buffer.from(key.recipient))] });
  const files = repoFiles(d.repo).filter((f) => f.startsWith('archive/'));
  const records = files.filter((f) => f.endsWith('.json'));
  t.true(records.length >= archived.length, files.join(' '));
  for (const f of files) t.true(isAge(path.join(d.repo, f)), f);
  for (const f of records) {
    const rec = JSON.parse(ageDecrypt(t, key.file, path.join(d.repo, f)).toString('utf8')) as { name: string; dataKey: string; sha256: string; size: number; finalized: boolean; stored?: { size: number } };
    const opened = ageDecrypt(t, key.file, path.join(d.repo, rec.dataKey));
    // Compressed before it was encrypted (zstd, the default): the zstd CLI gives Memgraph's bytes.
    if (rec.stored !== undefined) t.is(opened.length, rec.stored.size, f);
    const data = rec.stored === undefined ? opened : spawnSync('zstd', ['-d', '-c'], { input: opened, maxBuffer: 1 << 26 }).stdout;
    t.is(data.length, rec.size, f);
    t.is(sha(data), rec.sha256, f);
    if (rec.finalized) t.true(data.equals(fs.readFileSync(path.join(d.data, 'wal', rec.name))), rec.name);
  }
  for (const text of [r.stderr, fs.readFileSync(log, 'utf8')]) t.false(text.includes('AGE-SECRET-KEY'), text);

  // Reading needs a key: without one exit 11 and the hint; with the wrong one 11; with the identity the
  // next pass opens the archive (its records decrypt) and finds nothing new.
  const none = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(none.code, 11, none.stderr);
  t.regex(none.stderr, new RegExp(`repository "${d.repo}" is encrypted and no key was given`));
  t.regex(none.stderr, /hint: pass --identity FILE \(an age identity file\), or the passphrase/);
  const wrong = keygen(d.root, 'other.txt');
  const bad = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--identity', wrong.file]);
  t.is(bad.code, 11, bad.stderr);
  t.regex(bad.stderr, new RegExp(`none of the given keys opens repository "${d.repo}"`));
  t.false(bad.stderr.includes(wrong.identity));
  const again = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--identity', key.file]);
  t.is(again.code, 0, again.stderr);
  t.like(events(again.stdout).at(-1), { type: 'stop', files: 0, prefixes: 0 });
  t.false(again.stderr.includes(key.identity));
  // Other recipients than the repository's would mix keys: refused.
  const other = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--identity', key.file, '--recipient', wrong.recipient]);
  t.is(other.code, 17, other.stderr);

  // A flipped byte in a stored record: exit 14 naming the object.
  const victim = records[0]!;
  const bytes = fs.readFileSync(path.join(d.repo, victim));
  bytes[bytes.length - 20]! ^= 0x01;
  fs.writeFileSync(path.join(d.repo, victim), bytes);
  const damaged = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--identity', key.file]);
  t.is(damaged.code, 14, damaged.stderr);
  t.true(damaged.stderr.includes(`repository object "${victim}" in "${d.repo}" is damaged: its encrypted data does not authenticate`), damaged.stderr);
});

test.serial('--encrypt on an existing plain repository is refused (17) and writes nothing', async (t) => {
  const d = dirs(t);
  const key = keygen(d.root, 'key.txt');
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 6, 300);
  const plain = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(plain.code, 0, plain.stderr);
  const before = repoFiles(d.repo).sort();
  const markerBefore = fs.readFileSync(path.join(d.repo, 'mgbackup-repo.json'), 'utf8');
  await commit(uri, 6, 300, 6);
  const r = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--encrypt', '--recipient', key.recipient]);
  t.is(r.code, 17, r.stderr);
  t.regex(r.stderr, new RegExp(`repository "${d.repo}" already holds unencrypted data; --encrypt would mix encrypted and plain objects`));
  t.regex(r.stderr, /hint: use a new, empty repository for encrypted backups, or drop --encrypt/);
  t.deepEqual(repoFiles(d.repo).sort(), before);
  t.is(fs.readFileSync(path.join(d.repo, 'mgbackup-repo.json'), 'utf8'), markerBefore);
});

test.serial('passphrase round trip: env to create, file to read; the wrapped key opens with typage and the objects with age', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 8, 300);
  const passphrase = 'correct horse battery staple 7';
  const r = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--encrypt'],
    { env: { MGBACKUP_PASSPHRASE: passphrase } });
  t.is(r.code, 0, r.stderr);
  t.false(r.stderr.includes(passphrase));
  const marker = JSON.parse(fs.readFileSync(path.join(d.repo, 'mgbackup-repo.json'), 'utf8')) as { encryption: { keyFile: string; recipients: string[] } };
  t.regex(marker.encryption.keyFile, /^mgbackup-key-[0-9a-f]{16}\.age$/);
  t.is(marker.encryption.recipients.length, 1);

  // Independently: typage opens the key file with the passphrase, the age CLI opens a record with that key.
  const dec = new Decrypter();
  dec.addPassphrase(passphrase);
  const keyText = Buffer.from(await dec.decrypt(fs.readFileSync(path.join(d.repo, marker.encryption.keyFile)))).toString('utf8');
  const idFile = path.join(d.root, 'repo-key.txt');
  fs.writeFileSync(idFile, keyText, { mode: 0o600 });
  const record = repoFiles(d.repo).find((f) => f.endsWith('.wal.json'))!;
  t.like(JSON.parse(ageDecrypt(t, idFile, path.join(d.repo, record)).toString('utf8')), { format: 'mgbackup-wal' });

  const pf = path.join(d.root, 'pass.txt');
  fs.writeFileSync(pf, `${passphrase}\n`, { mode: 0o600 });
  const again = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--passphrase-file', pf]);
  t.is(again.code, 0, again.stderr);
  t.like(events(again.stdout).at(-1), { type: 'stop', files: 0, prefixes: 0 });

  const wrong = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data], { env: { MGBACKUP_PASSPHRASE: 'not it' } });
  t.is(wrong.code, 11, wrong.stderr);
  t.regex(wrong.stderr, /cannot decrypt the key file "mgbackup-key-[0-9a-f]{16}\.age" of repository ".*" \(wrong passphrase\?\)/);
  t.false(wrong.stderr.includes('not it'));
});
