// Compressed repositories end to end through the built CLI, with the stand-in as its own process:
// create stores zstd (the default) that the zstd CLI opens to the snapshot the server wrote, and that
// `age -d | zstd -d` opens in an encrypted repository (the independent oracles); restore, verify (quick
// and deep), restore --to-time and copy read it; a changed stored object fails verify with 14 naming it;
// a format 2 repository of uncompressed backups keeps working and is raised to 3 with one line.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../helpers/run-cli.js';
import { cliEnv, adminClient, freshBucket } from '../helpers/s3-server.js';
import { dumpDatabase, runQueries, startServer, tempRoot } from '../pitr/helpers.js';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sorted = (lines: string[]) => [...lines].sort();
const vertex = (i: number) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}, \`pad\`: "${'ab'.repeat(300)}"});`;

interface ManifestJson {
  formatVersion: number;
  files: { path: string; kind: string; size: number; sha256: string; stored?: { compression: string; size: number; sha256: string } }[];
  archived?: { key: string; stored?: { compression: string } }[];
}

const manifestOf = (repo: string, id: string): ManifestJson => JSON.parse(fs.readFileSync(path.join(repo, id, 'manifest.json'), 'utf8')) as ManifestJson;
const markerOf = (repo: string) => JSON.parse(fs.readFileSync(path.join(repo, 'mgbackup-repo.json'), 'utf8')) as { formatVersion: number };
const idOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { id: string }).id;

async function seeded(t: ExecutionContext, name: string, n = 30) {
  const root = tempRoot(t, name);
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const server = await startServer(t, data);
  await runQueries(server.uri, Array.from({ length: n }, (_, i) => vertex(i)));
  return { root, data, server };
}

async function restoredDump(t: ExecutionContext, args: string[], target: string): Promise<string[]> {
  const r = await runCli(['restore', ...args, '--data-dir', target, '--quiet']);
  t.is(r.code, 0, r.stderr);
  const s = await startServer(t, target);
  const dump = await dumpDatabase(s.uri);
  await s.kill();
  return dump;
}

test.serial('create stores zstd the zstd CLI opens to the server\'s snapshot; restore, verify --deep and restore --to-time read it; a changed object is 14', async (t) => {
  const { root, data, server } = await seeded(t, 'compressed-local');
  const repo = path.join(root, 'repo');
  // watch first, so that the create's finalized WAL (and later ones) go to the WAL archive, compressed too.
  t.is((await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet'])).code, 0);
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json']);
  t.is(c.code, 0, c.stderr);
  const id = idOf(c);
  const out = JSON.parse(c.stdout) as { bytes: number; storedBytes: number; compression: string };
  t.is(out.compression, 'zstd');
  t.true(out.storedBytes < out.bytes, `${out.storedBytes} stored for ${out.bytes}`);

  const atCreate = await dumpDatabase(server.uri);
  const m = manifestOf(repo, id);
  t.is(m.formatVersion, 3);
  t.is(markerOf(repo).formatVersion, 3);
  const snap = m.files.find((f) => f.kind === 'snapshot')!;
  t.is(snap.stored?.compression, 'zstd');
  const storedFile = path.join(repo, id, snap.path);
  const storedBytes = fs.readFileSync(storedFile);
  t.deepEqual(storedBytes.subarray(0, 4), ZSTD_MAGIC);
  t.is(storedBytes.length, snap.stored!.size);
  t.is(sha(storedBytes), snap.stored!.sha256);
  // The oracle: the zstd CLI gives back exactly the snapshot Memgraph (the stand-in) wrote.
  const z = spawnSync('zstd', ['-d', '-c', storedFile], { maxBuffer: 1 << 28 });
  t.is(z.status, 0, z.stderr.toString());
  const original = fs.readFileSync(path.join(data, snap.path));
  t.is(sha(z.stdout), sha(original));
  t.is(sha(z.stdout), snap.sha256);

  // More commits, archived by watch (compressed .wal / .part objects), then a point in time after them.
  await runQueries(server.uri, Array.from({ length: 10 }, (_, i) => vertex(100 + i)));
  t.is((await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet'])).code, 0);
  const archived = fs.readdirSync(path.join(repo, 'archive'), { recursive: true }).map(String).filter((k) => /\.(wal|part-\d+)$/.test(k));
  t.true(archived.length > 0);
  for (const k of archived) t.deepEqual(fs.readFileSync(path.join(repo, 'archive', k)).subarray(0, 4), ZSTD_MAGIC, k);
  const now = await dumpDatabase(server.uri);
  await server.kill();

  const v = await runCli(['verify', id, '--repo', repo, '--deep']);
  t.is(v.code, 0, v.stderr);
  const all = await runCli(['verify', '--all', '--deep', '--repo', repo]);
  t.is(all.code, 0, all.stdout + all.stderr);
  // Now: after the newest archived commit (restored, with a warning on how old that observation is).
  const at = new Date().toISOString();
  t.deepEqual(sorted(await restoredDump(t, ['--repo', repo, '--to-time', at], path.join(root, 'pitr'))), sorted(now));
  t.deepEqual(sorted(await restoredDump(t, [id, '--repo', repo], path.join(root, 'restored'))), sorted(atCreate));

  // One byte of the stored snapshot changed behind mgbackup's back: verify names it, restore refuses.
  const bad = Buffer.from(storedBytes);
  bad[Math.floor(bad.length / 2)]! ^= 0xff;
  fs.writeFileSync(storedFile, bad);
  const broken = await runCli(['verify', id, '--repo', repo]);
  t.is(broken.code, 14, broken.stderr);
  t.true(broken.stderr.includes(`"${snap.path}" sha256 mismatch (manifest ${snap.stored!.sha256.slice(0, 12)}…, file ${sha(bad).slice(0, 12)}…)`), broken.stderr);
  const r = await runCli(['restore', id, '--repo', repo, '--data-dir', path.join(root, 'refused'), '--snapshot-only']);
  t.is(r.code, 14, r.stderr);
  t.true(r.stderr.includes(snap.path), r.stderr);
  t.false(fs.existsSync(path.join(root, 'refused', 'snapshots')));
});

test.serial('a format 2 repository of uncompressed backups lists, verifies and restores; the first compressed backup raises it to 3 with one line', async (t) => {
  const { root, data, server } = await seeded(t, 'format2');
  const repo = path.join(root, 'repo');
  // --repo-compression none writes exactly what mgbackup wrote before compression: marker 2, manifest 2.
  const old = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--repo-compression', 'none', '--json']);
  t.is(old.code, 0, old.stderr);
  const oldId = idOf(old);
  t.is(markerOf(repo).formatVersion, 2);
  const m = manifestOf(repo, oldId);
  t.is(m.formatVersion, 2);
  t.false(m.files.some((f) => f.stored !== undefined));
  const snap = m.files.find((f) => f.kind === 'snapshot')!;
  t.is(sha(fs.readFileSync(path.join(repo, oldId, snap.path))), snap.sha256);
  const before = await dumpDatabase(server.uri);

  const l = await runCli(['list', '--repo', repo, '--json']);
  t.is(l.code, 0, l.stderr);
  t.deepEqual((JSON.parse(l.stdout) as { backups: { id: string }[] }).backups.map((b) => b.id), [oldId]);
  t.is((await runCli(['verify', oldId, '--repo', repo, '--deep'])).code, 0);

  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json']);
  t.is(c.code, 0, c.stderr);
  t.true(c.stderr.includes(`mgbackup: warning: repository "${repo}" upgraded to format 3 (existing backups stay as they are)\n`), c.stderr);
  t.is(markerOf(repo).formatVersion, 3);
  t.is(manifestOf(repo, oldId).formatVersion, 2);
  // Without a marker (format 1), the first compressed backup says one line: straight to 3.
  fs.rmSync(path.join(repo, 'mgbackup-repo.json'));
  const c3 = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json']);
  t.is(c3.code, 0, c3.stderr);
  t.deepEqual(c3.stderr.split('\n').filter((l) => l.includes('upgraded')), [`mgbackup: warning: repository "${repo}" upgraded to format 3 (existing backups stay as they are)`]);
  t.is(markerOf(repo).formatVersion, 3);
  await server.kill();
  const all = await runCli(['verify', '--all', '--repo', repo]);
  t.is(all.code, 0, all.stdout + all.stderr);
  t.deepEqual(sorted(await restoredDump(t, [oldId, '--repo', repo], path.join(root, 'old'))), sorted(before));
  t.deepEqual(sorted(await restoredDump(t, [idOf(c), '--repo', repo], path.join(root, 'new'))), sorted(before));
});

function keygen(dir: string): { file: string; recipient: string } {
  const file = path.join(dir, 'key.txt');
  const r = spawnSync('age-keygen', ['-o', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  return { file, recipient: /public key: (age1\S+)/.exec(fs.readFileSync(file, 'utf8'))![1]! };
}

test.serial('encrypted: age -d | zstd -d gives the snapshot back; copy into a plain and an encrypted repository keeps the stored form, with the clear summary', async (t) => {
  const { root, data, server } = await seeded(t, 'compressed-enc');
  const key = keygen(root);
  const enc = path.join(root, 'enc');
  const c = await runCli(['create', '--uri', server.uri, '--repo', enc, '--data-dir', data, '--encrypt', '--recipient', key.recipient, '--identity', key.file, '--json']);
  t.is(c.code, 0, c.stderr);
  const id = idOf(c);
  t.is(markerOf(enc).formatVersion, 3);
  const snapRel = fs.readdirSync(path.join(enc, id, 'snapshots'))[0]!;
  const storedFile = path.join(enc, id, 'snapshots', snapRel);
  t.is(fs.readFileSync(storedFile).subarray(0, 22).toString(), 'age-encryption.org/v1\n');
  // The oracle chain: the age CLI decrypts, the zstd CLI decompresses, and out comes the server's snapshot.
  const chain = spawnSync('bash', ['-o', 'pipefail', '-c', 'age -d -i "$1" "$2" | zstd -d -c', 'chain', key.file, storedFile], { maxBuffer: 1 << 28 });
  t.is(chain.status, 0, chain.stderr.toString());
  t.is(sha(chain.stdout), sha(fs.readFileSync(path.join(data, 'snapshots', snapRel))));
  const before = await dumpDatabase(server.uri);
  await server.kill();

  // Into a plain repository that was made without compression: the objects stay zstd, the marker rises to 3.
  const plain = path.join(root, 'plain');
  fs.mkdirSync(plain, { mode: 0o700 });
  fs.writeFileSync(path.join(plain, 'mgbackup-repo.json'), JSON.stringify({ format: 'mgbackup-repo', formatVersion: 2, createdAt: '2026-12-01T00:00:00.000Z', mgbackupVersion: '0.2.0' }), { mode: 0o600 });
  const toPlain = await runCli(['copy', '--from', enc, '--to', plain, id, '--identity', key.file]);
  t.is(toPlain.code, 0, toPlain.stderr);
  t.is(markerOf(plain).formatVersion, 3);
  const copied = fs.readFileSync(path.join(plain, id, 'snapshots', snapRel));
  t.deepEqual(copied.subarray(0, 4), ZSTD_MAGIC);
  t.is(sha(copied), manifestOf(plain, id).files.find((f) => f.kind === 'snapshot')!.stored!.sha256);
  t.deepEqual(sorted(await restoredDump(t, [id, '--repo', plain], path.join(root, 'from-plain'))), sorted(before));

  // Into a new encrypted repository: the summary is there before the manifest, list without a key shows it.
  const key2 = keygen(fs.mkdtempSync(path.join(root, 'k2-')));
  const enc2 = path.join(root, 'enc2');
  const toEnc = await runCli(['copy', '--from', plain, '--to', enc2, id, '--encrypt', '--recipient', key2.recipient, '--identity', key2.file]);
  t.is(toEnc.code, 0, toEnc.stderr);
  t.true(fs.existsSync(path.join(enc2, id, 'summary.json')));
  const keyless = await runCli(['list', '--repo', enc2, '--json']);
  t.is(keyless.code, 0, keyless.stderr);
  t.like(JSON.parse(keyless.stdout), { type: 'backup-summaries', encrypted: true, backups: [{ id, database: 'memgraph' }] });
  const chain2 = spawnSync('bash', ['-o', 'pipefail', '-c', 'age -d -i "$1" "$2" | zstd -d -c', 'chain', key2.file, path.join(enc2, id, 'snapshots', snapRel)], { maxBuffer: 1 << 28 });
  t.is(chain2.status, 0, chain2.stderr.toString());
  t.is(sha(chain2.stdout), sha(fs.readFileSync(path.join(data, 'snapshots', snapRel))));
  t.is((await runCli(['verify', '--all', '--repo', enc2, '--identity', key2.file])).code, 0);
});

test.serial('s3://: create stores zstd objects (the zstd CLI opens the snapshot object), verify and restore read them', async (t) => {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const env = cliEnv(b.server);
  const { root, data, server } = await seeded(t, 'compressed-s3');
  const repo = `s3://${b.bucket}/repo`;
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json'], { env });
  t.is(c.code, 0, c.stderr);
  const id = idOf(c);
  const before = await dumpDatabase(server.uri);
  await server.kill();
  const key = (await b.keys()).find((k) => k.startsWith(`repo/${id}/snapshots/`))!;
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  const body = Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }))).Body!.transformToByteArray());
  t.deepEqual(body.subarray(0, 4), ZSTD_MAGIC);
  const z = spawnSync('zstd', ['-d', '-c'], { input: body, maxBuffer: 1 << 28 });
  t.is(z.status, 0, z.stderr.toString());
  t.is(sha(z.stdout), sha(fs.readFileSync(path.join(data, 'snapshots', path.basename(key)))));
  const v = await runCli(['verify', id, '--repo', repo, '--deep'], { env });
  t.is(v.code, 0, v.stderr);
  const target = path.join(root, 'restored');
  const r = await runCli(['restore', id, '--repo', repo, '--data-dir', target, '--quiet'], { env });
  t.is(r.code, 0, r.stderr);
  const s = await startServer(t, target);
  t.deepEqual(sorted(await dumpDatabase(s.uri)), sorted(before));
  await s.kill();
});
