// --s3-part-size and --s3-concurrency reach the transfers, seen as a user can see them, against the real
// S3 server (Swift's s3api, test/helpers/s3-server.ts) and the stand-in as its own process: a backup
// whose snapshot needs more than 3 parts of 5 MiB is stored as a multipart object of exactly that many
// parts (the "-N" suffix of its ETag, from a HEAD), its manifest's sha256 is sha256sum of the source
// file, and restore with the same settings (5 MiB ranged GETs, 2 in flight) gives back the same graph.
import test from 'ava';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { adminClient } from '../helpers/s3-server.js';
import { bucketAndStandin } from '../helpers/s3-standin.js';
import { dumpDatabase, startServer } from '../pitr/helpers.js';

const MiB = 1024 * 1024;

test('create --s3-part-size 5MiB --s3-concurrency 2 stores the snapshot in ceil(size / 5 MiB) parts; restore with them gives the graph back', async (t) => {
  // ~20 MiB of strings that do not compress much (base64 of random bytes), one 1 MiB string a query.
  const big = Array.from({ length: 20 }, (_, i) =>
    `CREATE (:__mg_vertex__:\`B\` {__mg_id__: ${i}, \`s\`: "${randomBytes(786_432).toString('base64')}"});`);
  const { b, root, data, server, env, repo } = await bucketAndStandin(t, 's3-part-size', big);
  const before = await dumpDatabase(server.uri);
  const flags = ['--s3-part-size', '5MiB', '--s3-concurrency', '2'];
  // Stored as it is (no compression), so that the object's size is the file's.
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--repo-compression', 'none', '--json', ...flags], { env, timeoutMs: 180_000 });
  t.is(c.code, 0, c.stderr);
  const made = JSON.parse(c.stdout) as { id: string; files: { path: string; kind: string }[] };
  const snap = made.files.find((f) => f.kind === 'snapshot')!.path;
  const source = path.join(data, snap);
  const size = fs.statSync(source).size;
  const parts = Math.ceil(size / (5 * MiB));
  t.true(parts > 3, `the snapshot is ${size} bytes: ${parts} parts of 5 MiB`);
  t.not(parts, Math.ceil(size / (8 * MiB)), 'the default 8 MiB would give another count');

  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  const key = `repo/${made.id}/${snap}`;
  const head = await admin.send(new HeadObjectCommand({ Bucket: b.bucket, Key: key }));
  t.is(head.ContentLength, size);
  t.regex(head.ETag ?? '', new RegExp(`-${parts}"?$`), `ETag ${head.ETag} of ${size} bytes`);

  const manifestBody = await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: `repo/${made.id}/manifest.json` }));
  const manifest = JSON.parse(await manifestBody.Body!.transformToString()) as { files: { path: string; sha256: string; size: number }[] };
  const entry = manifest.files.find((f) => f.path === snap)!;
  const sum = execFileSync('sha256sum', [source], { encoding: 'utf8' }).split(' ')[0];
  t.is(entry.sha256, sum);
  t.is(entry.size, size);
  await server.kill();

  const target = path.join(root, 'restored');
  const r = await runCli(['restore', made.id, '--repo', repo, '--data-dir', target, ...flags], { env, timeoutMs: 180_000 });
  t.is(r.code, 0, r.stderr);
  t.is(execFileSync('sha256sum', [path.join(target, snap)], { encoding: 'utf8' }).split(' ')[0], sum);
  const restored = await startServer(t, target);
  t.deepEqual(await dumpDatabase(restored.uri), before);
  await restored.kill();
});
