// `--repo s3://bucket/prefix` end to end, against the real S3 server (Swift with s3api, started by
// scripts/s3-server.sh through test/helpers/s3-server.ts) and the stand-in as its own process: create ->
// list -> verify -> restore into a new data directory; watch --once -> restore --to-time; an upload
// cut before its manifest is invisible and cleaned by the next run; an object changed behind
// mgbackup's back fails verify with 14, naming it.
import test, { type ExecutionContext } from 'ava';
import { CreateMultipartUploadCommand, DeleteObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, runCli } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';
import { cliEnv, adminClient, freshBucket, type TestBucket } from '../helpers/s3-server.js';
import { bucketAndStandin } from '../helpers/s3-standin.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { localStagingDir } from '../../src/store/remote-store.js';
import { comparableDump } from '../standin/dump-compare.js';
import { dumpDatabase, runQueries, startServer, tick } from '../pitr/helpers.js';

const SEED = [
  ...[0, 1, 2].map((i) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`),
  'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`E`]->(v);',
];

/** The CLI's environment for the test server: AWS_* only (never the caller's real credentials). */
function s3Env(b: TestBucket, endpoint: string | undefined = b.server.endpoint): NodeJS.ProcessEnv {
  return cliEnv(b.server, { AWS_ENDPOINT_URL: endpoint ?? '' });
}

async function bucket(t: import('ava').ExecutionContext): Promise<TestBucket> {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  return b;
}

const idOf = (r: { stdout: string }): string => (JSON.parse(r.stdout) as { id: string }).id;


/** A fresh bucket (repository `s3://BUCKET/repo`, env for the CLI) and a seeded stand-in process on its own data dir. */
async function seededCase(t: ExecutionContext, name: string) {
  return bucketAndStandin(t, name, SEED);
}

test('create -> list -> verify -> restore from s3:// into a new data directory: the stand-in there dumps the same graph', async (t) => {
  const { b, repo, env, root, data, server } = await seededCase(t, 's3-cli');
  const before = await dumpDatabase(server.uri);

  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const id = idOf(c);
  t.is((JSON.parse(c.stdout) as { path: string }).path, `${repo}/${id}`);
  const keys = await b.keys();
  t.true(keys.includes(`repo/${id}/manifest.json`), keys.join(' '));
  t.false(keys.some((k) => k.startsWith('repo/.staging/')), keys.join(' '));
  t.true(keys.some((k) => k.startsWith(`repo/${id}/snapshots/`)), keys.join(' '));

  const list = await runCli(['list', '--repo', repo, '--json'], { env });
  t.is(list.code, 0, list.stderr);
  t.deepEqual((JSON.parse(list.stdout) as { backups: { id: string }[] }).backups.map((x) => x.id), [id]);
  const text = await runCli(['list', '--repo', repo], { env });
  t.regex(text.stdout, new RegExp(`^${id}  `, 'm'));

  const v = await runCli(['verify', id.slice(-8), '--repo', repo], { env });
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, new RegExp(`^backup ${id}: ok \\(\\d+ files, `));
  const all = await runCli(['verify', '--all', '--repo', repo], { env });
  t.is(all.code, 0, all.stderr);

  await server.kill();
  const target = path.join(root, 'restored');
  const r = await runCli(['restore', 'latest', '--repo', repo, '--data-dir', target, '--json'], { env });
  t.is(r.code, 0, r.stderr);
  const restored = await startServer(t, target);
  t.deepEqual(await dumpDatabase(restored.uri), before);
  await restored.kill();
});

test('watch --once into s3:// then restore --to-time from it: the point is the graph as it was', async (t) => {
  const { b, repo, env, root, data, server } = await seededCase(t, 's3-pitr');
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const watch = async () => {
    const w = await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet'], { env });
    t.is(w.code, 0, w.stderr);
  };
  await watch();
  await tick();
  await runQueries(server.uri, ['CREATE (:__mg_vertex__:`W` {__mg_id__: 100, `step`: 1});']);
  await watch();
  const time = new Date().toISOString();
  const point = await dumpDatabase(server.uri);
  await tick();
  await runQueries(server.uri, ['CREATE (:__mg_vertex__:`W` {__mg_id__: 101, `step`: 2});']);
  await watch();
  t.true((await b.keys()).some((k) => k.startsWith('repo/archive/')), 'the archive is in the bucket');
  await server.kill();

  const target = path.join(root, 'restored');
  const r = await runCli(['restore', '--repo', repo, '--to-time', time, '--data-dir', target, '--json'], { env });
  t.is(r.code, 0, r.stderr);
  const restored = await startServer(t, target);
  t.deepEqual(await dumpDatabase(restored.uri), point);
  await restored.kill();
  // convert --to-time reads the same point from the bucket, without a server.
  const cv = await runCli(['convert', '--repo', repo, '--to-time', time], { env });
  t.is(cv.code, 0, cv.stderr);
  t.deepEqual(comparableDump(cv.stdout.trimEnd().split('\n')), comparableDump(point));
});

test('an upload cut before its manifest is invisible to list while its run lives; once it is killed, the next run removes its objects', async (t) => {
  const { b, repo, data, server } = await seededCase(t, 's3-cut');
  const url = new URL(b.server.endpoint);
  // The manifest's PUT never reaches the server; the create is stopped there, then killed.
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) }, { pattern: Buffer.from('/manifest.json'), when: 'before' });
  t.teardown(() => proxy.close());
  const child = spawn(process.execPath, [BIN, 'create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--s3-endpoint', `http://127.0.0.1:${proxy.port}`],
    { env: { ...process.env, ...s3Env(b, undefined), XDG_CONFIG_HOME: path.join(REPO_ROOT, '.no-config') }, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(() => { child.kill('SIGKILL'); });
  // Stopped the moment the proxy sees the manifest's PUT, before the cut reaches it: no retry can slip through.
  const cutAll = proxy.cutAll.bind(proxy);
  proxy.cutAll = () => {
    child.kill('SIGSTOP');
    cutAll();
  };
  const deadline = Date.now() + 120_000;
  while (!proxy.cut && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.true(proxy.cut, 'the create reached its manifest');

  const env = s3Env(b);
  const keys = await b.keys();
  const owner = keys.find((k) => /^repo\/\.staging\/.*\.owner\.json$/.test(k));
  t.truthy(owner, keys.join(' '));
  const id = /^repo\/\.staging\/(.*)\.owner\.json$/.exec(owner!)![1]!;
  t.true(keys.some((k) => k.startsWith(`repo/${id}/snapshots/`)), 'data objects were uploaded');
  t.false(keys.includes(`repo/${id}/manifest.json`));
  t.true(fs.existsSync(localStagingDir(id)), 'the backup was assembled locally');
  // A live run's upload: not listed, not broken, not removed.
  const live = await runCli(['list', '--repo', repo, '--json'], { env });
  t.is(live.code, 0, live.stderr);
  t.like(JSON.parse(live.stdout), { backups: [], broken: [], leftovers: [] });
  t.true((await b.keys()).some((k) => k.startsWith(`repo/${id}/`)));

  child.kill('SIGKILL');
  await exited;
  const next = await runCli(['list', '--repo', repo], { env });
  t.is(next.code, 0, next.stderr);
  t.is(next.stdout, 'no backups\n');
  t.regex(next.stderr, new RegExp(`removed repository leftover \\.staging/${id}: left by backup ${id} \\(pid ${child.pid} `));
  const after = await b.keys();
  t.deepEqual(after.filter((k) => k.startsWith(`repo/${id}/`) || k.startsWith('repo/.staging/')), []);
  t.false(fs.existsSync(localStagingDir(id)), 'and its local copies');
});

test('an object changed or deleted behind mgbackup\'s back: verify exits 14 and names it', async (t) => {
  const { b, repo, env, root, data, server } = await seededCase(t, 's3-verify');
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const id = idOf(c);
  const snap = (JSON.parse(c.stdout) as { files: { path: string; kind: string }[] }).files.find((f) => f.kind === 'snapshot')!.path;
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  await admin.send(new PutObjectCommand({ Bucket: b.bucket, Key: `repo/${id}/${snap}`, Body: Buffer.from('not a snapshot') }));
  const v = await runCli(['verify', id, '--repo', repo], { env });
  t.is(v.code, 14, v.stderr);
  t.regex(v.stderr, new RegExp(`^mgbackup: error: backup ${id}: "${snap}" has 14 bytes, manifest says \\d+\n`));

  await admin.send(new DeleteObjectCommand({ Bucket: b.bucket, Key: `repo/${id}/${snap}` }));
  const gone = await runCli(['verify', id, '--repo', repo], { env });
  t.is(gone.code, 14, gone.stderr);
  t.regex(gone.stderr, new RegExp(`^mgbackup: error: backup ${id}: "${snap}" is missing\n`));
  // A restore refuses it the same way, before touching the target.
  const target = path.join(root, 'restored');
  const r = await runCli(['restore', id, '--repo', repo, '--data-dir', target], { env });
  t.is(r.code, 14, r.stderr);
  t.false(fs.existsSync(path.join(target, 'snapshots')));
});

test('pin, forget --prune, unlock and verify --deep on s3://: the forgotten backup\'s objects are gone, the kept one decodes', async (t) => {
  const { b, repo, env, data, server } = await seededCase(t, 's3-forget');
  const create = async () => {
    const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
    t.is(c.code, 0, c.stderr);
    return idOf(c);
  };
  const first = await create();
  await tick();
  const second = await create();
  t.not(first, second);

  // A killed upload's parts: aborted by the prune, which holds the exclusive lock.
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  await admin.send(new CreateMultipartUploadCommand({ Bucket: b.bucket, Key: `repo/${first}/snapshots/killed` }));
  t.is((await admin.send(new ListMultipartUploadsCommand({ Bucket: b.bucket }))).Uploads?.length, 1);

  const pin = await runCli(['pin', second, '--repo', repo], { env });
  t.is(pin.code, 0, pin.stderr);
  t.is(pin.stdout, `backup ${second}: pinned (forget keeps it whatever the policy)\n`);
  const forget = await runCli(['forget', '--repo', repo, '--keep-last', '1', '--prune', '--json'], { env });
  t.is(forget.code, 0, forget.stderr);
  const keys = await b.keys();
  t.false(keys.some((k) => k.startsWith(`repo/${first}/`)), keys.join(' '));
  t.is((await admin.send(new ListMultipartUploadsCommand({ Bucket: b.bucket }))).Uploads?.length ?? 0, 0);
  t.true(forget.stdout.includes('"path":"multipart uploads","action":"removed","reason":"1 incomplete multipart upload(s) of interrupted runs aborted"'), forget.stdout);
  t.true(keys.includes(`repo/${second}/manifest.json`));
  const list = JSON.parse((await runCli(['list', '--repo', repo, '--json'], { env })).stdout) as { backups: { id: string; pinned: boolean }[] };
  t.deepEqual(list.backups.map((x) => [x.id, x.pinned]), [[second, true]]);

  const unlock = await runCli(['unlock', '--repo', repo, '--s3-endpoint', b.server.endpoint], { env: { ...env, AWS_ENDPOINT_URL: '' } });
  t.is(unlock.code, 0, unlock.stderr);
  const deep = await runCli(['verify', second, '--deep', '--repo', repo], { env });
  t.is(deep.code, 0, deep.stderr);
  t.regex(deep.stdout, new RegExp(`^backup ${second}: decodes \\(recovery yields 3 vertices, 1 edges, `, 'm'));
});

test('--repo s3:// refusals through the CLI: unknown bucket 12, wrong secret 11, endpoint down 10, a bad --s3-endpoint 2', async (t) => {
  const b = await bucket(t);
  const env = s3Env(b);
  const missing = await runCli(['list', '--repo', `s3://${b.bucket}-gone/p`], { env });
  t.is(missing.code, 12, missing.stderr);
  t.is(missing.stderr.split('\n')[0], `mgbackup: error: bucket "${b.bucket}-gone" does not exist at "${b.server.endpoint}"`);
  const denied = await runCli(['verify', 'latest', '--repo', `s3://${b.bucket}/repo`], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } });
  t.is(denied.code, 11, denied.stderr);
  const down = await runCli(['restore', 'latest', '--repo', `s3://${b.bucket}/repo`, '--data-dir', '/nonexistent/target', '--s3-endpoint', 'http://127.0.0.1:1'], { env });
  t.is(down.code, 10, down.stderr);
  t.regex(down.stderr, /^mgbackup: error: cannot reach the S3 endpoint "http:\/\/127\.0\.0\.1:1" /);
  const bad = await runCli(['list', '--repo', `s3://${b.bucket}/repo`, '--s3-endpoint', 'localhost:9000'], { env });
  t.is(bad.code, 2);
  t.is(bad.stderr, 'mgbackup: error: invalid --s3-endpoint "localhost:9000"\nhint: give the server URL, e.g. --s3-endpoint http://127.0.0.1:9000\n');
});
