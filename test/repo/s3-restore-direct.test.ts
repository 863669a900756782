// Restore from s3:// downloads each file once, straight into the staging folder inside the target
// (src/core/restore/remote-files.ts), and checks the sha256 taken on the way: no temp folder is used
// at all (the restore works with TMPDIR pointing at a file, where nothing can be created), and the
// files in place are what sha256sum says the manifest says, for plain and for zstd objects alike. A
// changed object is exit 14 naming it, with the target's files as they were and nothing of ours left
// anywhere (a data directory the run made is removed again); a restore killed in the middle of a download leaves only its dot folder and journal, which
// the next run discards before it completes. An encrypted repository goes the same way (decrypted
// as it arrives).
import test, { type ExecutionContext } from 'ava';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, runCli } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';
import { cliEnv, adminClient, type TestBucket } from '../helpers/s3-server.js';
import { bucketAndStandin } from '../helpers/s3-standin.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { ageKeygen } from '../helpers/age-keygen.js';
import { dumpDatabase, startServer } from '../pitr/helpers.js';

interface ManifestEntry { path: string; kind: string; size: number; sha256: string; stored?: { sha256: string } }

function s3Env(b: TestBucket, endpoint = b.server.endpoint): NodeJS.ProcessEnv {
  return cliEnv(b.server, { AWS_ENDPOINT_URL: endpoint });
}

/** sha256sum's answer (the independent oracle) for every file under `dir`, by path relative to it. */
function sha256sums(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort();
  const out: Record<string, string> = {};
  if (files.length === 0) return out;
  for (const line of execFileSync('sha256sum', files, { cwd: dir, encoding: 'utf8' }).trim().split('\n')) {
    const [sum, name] = line.split(/\s+\*?/, 2) as [string, string];
    out[name] = sum;
  }
  return out;
}

/** A stand-in with a small graph, and backups of it in `s3://BUCKET/repo`: one zstd (the default), one not compressed. */
async function backedUp(t: ExecutionContext, name: string) {
  const { b, root, data, server, env, repo } = await bucketAndStandin(t, name, [
    ...[0, 1, 2, 3].map((i) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`),
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`E`]->(v);',
  ]);
  const ids: Record<'zstd' | 'none', string> = { zstd: '', none: '' };
  for (const c of ['zstd', 'none'] as const) {
    const r = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--repo-compression', c, '--json'], { env });
    t.is(r.code, 0, r.stderr);
    ids[c] = (JSON.parse(r.stdout) as { id: string }).id;
  }
  const dump = await dumpDatabase(server.uri);
  await server.kill();
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  const manifestOf = async (id: string) => JSON.parse(Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: `repo/${id}/manifest.json` }))).Body!.transformToByteArray()).toString('utf8')) as { files: ManifestEntry[] };
  return { b, root, data, env, repo, ids, dump, admin, manifestOf };
}

/** The data directory's snapshots/ and wal/ against the manifest's plain sha256, by sha256sum. */
function assertRestored(t: ExecutionContext, target: string, files: ManifestEntry[]): void {
  const got = { ...prefixed('snapshots', sha256sums(path.join(target, 'snapshots'))), ...prefixed('wal', sha256sums(path.join(target, 'wal'))) };
  t.deepEqual(got, Object.fromEntries(files.map((f) => [f.path, f.sha256])));
}

const prefixed = (p: string, m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [`${p}/${k}`, v]));

/** A TMPDIR where nothing can be created: a regular file. */
function unusableTmp(root: string): string {
  const file = path.join(root, 'tmp-is-a-file');
  fs.writeFileSync(file, '');
  return file;
}

test('restore from s3:// stages each file straight from the bucket (no temp folder can be made): plain and zstd objects in place with the manifest\'s sha256', async (t) => {
  const { root, env, repo, ids, dump, manifestOf } = await backedUp(t, 's3-direct-ok');
  const tmp = unusableTmp(root);
  for (const c of ['zstd', 'none'] as const) {
    const manifest = await manifestOf(ids[c]);
    t.is(manifest.files.every((f) => (f.stored !== undefined) === (c === 'zstd')), true, `${c}: ${JSON.stringify(manifest.files)}`);
    const target = path.join(root, `restored-${c}`);
    const r = await runCli(['restore', ids[c], '--repo', repo, '--data-dir', target, '--json'], { env: { ...env, TMPDIR: tmp } });
    t.is(r.code, 0, r.stderr);
    const staged = (JSON.parse(r.stdout) as { staged: { from: string }[] }).staged.map((s) => s.from).sort();
    t.deepEqual(staged, manifest.files.map((f) => f.path).sort());
    assertRestored(t, target, manifest.files);
    t.deepEqual(fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-')), [], 'no staging folder or journal left');
    const server = await startServer(t, target);
    t.deepEqual(await dumpDatabase(server.uri), dump);
    await server.kill();
  }
});

test('a changed object in s3:// is exit 14 naming it: the target\'s files as they were, no staging folder, journal or temp folder left', async (t) => {
  const { b, root, data, env, repo, ids, admin, manifestOf } = await backedUp(t, 's3-direct-changed');
  for (const c of ['zstd', 'none'] as const) {
    const manifest = await manifestOf(ids[c]);
    // The last file staged (after the others are already in staging): a WAL when there is one.
    const victim = manifest.files.filter((f) => f.kind === 'wal').at(-1) ?? manifest.files.find((f) => f.kind === 'snapshot')!;
    const key = `repo/${ids[c]}/${victim.path}`;
    const body = Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }))).Body!.transformToByteArray());
    body[body.length >> 1] ^= 0xff;
    await admin.send(new PutObjectCommand({ Bucket: b.bucket, Key: key, Body: body }));
    const want = victim.stored?.sha256 ?? victim.sha256;

    // The target holds the stand-in's own data directory (old data).
    const target = path.join(root, `target-${c}`);
    fs.cpSync(data, target, { recursive: true });
    const before = sha256sums(target);
    const tmp = path.join(root, `tmp-${c}`);
    fs.mkdirSync(tmp);
    const r = await runCli(['restore', ids[c], '--repo', repo, '--data-dir', target], { env: { ...env, TMPDIR: tmp } });
    t.is(r.code, 14, r.stderr);
    t.is(r.stderr, `mgbackup: error: backup file "${victim.path}" has sha256 ${createHash('sha256').update(body).digest('hex')}, the manifest says ${want}\n`
      + 'hint: the backup is damaged; nothing was written to the target\n'
      + 'hint: restore another backup ("mgbackup list"), or check the store\'s disk\n');
    t.deepEqual(sha256sums(target), before, 'the target\'s files are as they were, nothing added');
    t.deepEqual(fs.readdirSync(tmp), [], 'nothing in the temp folder');
    // Into a data directory still to be made: it is not left behind, empty.
    const fresh = path.join(root, `new-${c}`);
    const n = await runCli(['restore', ids[c], '--repo', repo, '--data-dir', fresh], { env: { ...env, TMPDIR: tmp } });
    t.is(n.code, 14, n.stderr);
    t.is(n.stderr, r.stderr);
    t.false(fs.existsSync(fresh));
  }
});

test('SIGKILL while a file downloads into staging: the target\'s snapshots/ and wal/ as they were; the next run discards the staging folder and completes', async (t) => {
  const { b, root, data, repo, ids, manifestOf } = await backedUp(t, 's3-direct-kill');
  const manifest = await manifestOf(ids.zstd);
  const url = new URL(b.server.endpoint);
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
  t.teardown(() => proxy.close());
  // The answer to the snapshot object's GET is held: the restore sits in the middle of staging.
  proxy.hold({ pattern: Buffer.from(`/repo/${ids.zstd}/snapshots/`), nth: 1, ms: Infinity });
  const target = path.join(root, 'target');
  fs.cpSync(data, target, { recursive: true });
  const old = { snapshots: sha256sums(path.join(target, 'snapshots')), wal: sha256sums(path.join(target, 'wal')) };
  const args = ['restore', ids.zstd, '--repo', repo, '--data-dir', target];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT, stdio: 'ignore',
    env: { ...process.env, ...s3Env(b, `http://127.0.0.1:${proxy.port}`), NO_COLOR: '1', XDG_CONFIG_HOME: path.join(REPO_ROOT, '.no-config') },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const staging = () => fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-restore-staging-'));
  for (const deadline = Date.now() + 60_000; !(staging().length === 1 && fs.existsSync(path.join(target, staging()[0]!, 'snapshots')));) {
    if (Date.now() > deadline) throw new Error('the restore never began staging');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  proxy.release();
  t.deepEqual({ snapshots: sha256sums(path.join(target, 'snapshots')), wal: sha256sums(path.join(target, 'wal')) }, old);
  t.deepEqual(fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-')).sort(), ['.mgbackup-restore.json', staging()[0]!].sort());

  const r = await runCli([...args, '--json'], { env: s3Env(b) });
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { resumed: { action: 'discarded' } });
  assertRestored(t, target, manifest.files);
  t.deepEqual(fs.readdirSync(target).filter((n) => n.startsWith('.mgbackup-restore')), [], 'the killed run\'s staging folder and journal are gone');
});

test('an encrypted s3:// repository restores through the decrypting stream straight into staging: the snapshot is the server\'s, byte for byte', async (t) => {
  const { root, data, server, env, repo } = await bucketAndStandin(t, 's3-direct-enc', ['CREATE (:Secret {name: "launch code", n: 42})-[:KNOWS]->(:Secret {name: "other"})']);
  const key = ageKeygen(root, 'key.txt');
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--encrypt', '--recipient', key.recipient, '--identity', key.file, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const made = JSON.parse(c.stdout) as { id: string; files: { path: string; kind: string }[] };
  const dump = await dumpDatabase(server.uri);
  await server.kill();
  const snap = made.files.find((f) => f.kind === 'snapshot')!.path;

  const target = path.join(root, 'restored');
  const r = await runCli(['restore', made.id, '--repo', repo, '--identity', key.file, '--data-dir', target], { env: { ...env, TMPDIR: unusableTmp(root) } });
  t.is(r.code, 0, r.stderr);
  const want = sha256sums(path.join(data, 'snapshots'))[path.basename(snap)];
  t.regex(want ?? '', /^[0-9a-f]{64}$/, 'the server\'s snapshot is still there');
  t.deepEqual(sha256sums(path.join(target, 'snapshots')), { [path.basename(snap)]: want });
  const again = await startServer(t, target);
  t.deepEqual(await dumpDatabase(again.uri), dump);
  await again.kill();
});
