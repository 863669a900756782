// Encrypted backups end to end through the built CLI: create --encrypt into a local repository, then list,
// verify and restore with the identity, and a new stand-in on the restored directory dumps what the
// original held. What is stored is checked with the real `age` CLI; without the key each command exits 11.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { runCli } from '../helpers/run-cli.js';
import { dumpDatabase, runQueries, startServer, tempRoot } from '../pitr/helpers.js';
import { ageKeygen as keygen } from '../helpers/age-keygen.js';

function filesUnder(root: string, dir = ''): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(root, path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

const sorted = (lines: string[]) => [...lines].sort();

test.serial('create --encrypt, then list, verify and restore with --identity; the age CLI opens the stored snapshot; no key -> 11', async (t: ExecutionContext) => {
  const root = tempRoot(t, 'enc-backup');
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const repo = path.join(root, 'repo');
  const key = keygen(root, 'key.txt');
  const server = await startServer(t, data);
  await runQueries(server.uri, ['CREATE (:Secret {name: "launch code", n: 42})-[:KNOWS]->(:Secret {name: "other"})']);
  const before = await dumpDatabase(server.uri);

  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data,
    '--encrypt', '--recipient', key.recipient, '--identity', key.file, '--json']);
  t.is(c.code, 0, c.stderr);
  const id = (JSON.parse(c.stdout) as { id: string }).id;

  // Every object of the backup is an age file; the snapshot opens with the age CLI to Memgraph's bytes.
  const stored = filesUnder(repo).filter((f) => f.startsWith(`${id}/`) && !f.endsWith('summary.json'));
  t.true(stored.some((f) => f.startsWith(`${id}/snapshots/`)), stored.join(' '));
  for (const f of stored) t.is(fs.readFileSync(path.join(repo, f)).subarray(0, 22).toString(), 'age-encryption.org/v1\n', f);
  const snap = stored.find((f) => f.startsWith(`${id}/snapshots/`))!;
  const opened = spawnSync('age', ['-d', '-i', key.file, path.join(repo, snap)], { maxBuffer: 1 << 26 });
  t.is(opened.status, 0, opened.stderr.toString());
  // Compressed before it was encrypted (zstd, the default): the zstd CLI gives Memgraph's bytes.
  const plain = spawnSync('zstd', ['-d', '-c'], { input: opened.stdout, maxBuffer: 1 << 26 });
  t.is(plain.status, 0, plain.stderr.toString());
  t.is(plain.stdout.subarray(0, 4).toString('latin1'), 'MGsn');
  t.false(fs.readFileSync(path.join(repo, snap)).includes(Buffer.from('launch code')));

  const withKey = ['--repo', repo, '--identity', key.file];
  const l = await runCli(['list', '--json', ...withKey]);
  t.is(l.code, 0, l.stderr);
  t.deepEqual((JSON.parse(l.stdout) as { backups: { id: string }[] }).backups.map((b) => b.id), [id]);
  const v = await runCli(['verify', id, ...withKey]);
  t.is(v.code, 0, v.stderr);

  const v2 = await runCli(['verify', id, '--repo', repo]);
  t.is(v2.code, 11, v2.stderr);
  // Without a key, list still names the backups, from the clear summaries, and says so.
  const keyless = await runCli(['list', '--repo', repo]);
  t.is(keyless.code, 0, keyless.stderr);
  t.regex(keyless.stdout, new RegExp(`^ID +CREATED \\(UTC\\) +DATABASE +MEMGRAPH +KIND +SIZE +VERTICES +EDGES +PINNED +TAGS\n${id} +\\S+ \\S+ +memgraph +\\S+ +snapshot\\+wal +[\\d.]+ \\S+ +2 +1 +- +-\n$`));
  t.is(keyless.stderr, `mgbackup: warning: repository "${repo}" is encrypted: listed from its clear summaries; restore windows and checks need the key (--identity or a passphrase)\n`);
  const summary = fs.readFileSync(path.join(repo, id, 'summary.json'), 'utf8');
  t.false(summary.includes('launch code'));
  const keylessJson = await runCli(['list', '--repo', repo, '--json']);
  t.is(keylessJson.code, 0, keylessJson.stderr);
  t.like(JSON.parse(keylessJson.stdout), { type: 'backup-summaries', encrypted: true, backups: [{ id, database: 'memgraph', counts: { vertices: 2, edges: 1 } }] });

  await server.kill();
  const target = path.join(root, 'restored');
  fs.mkdirSync(target);
  const r = await runCli(['restore', id, '--data-dir', target, ...withKey]);
  t.is(r.code, 0, r.stderr);
  const again = await startServer(t, target);
  t.deepEqual(sorted(await dumpDatabase(again.uri)), sorted(before));
});
