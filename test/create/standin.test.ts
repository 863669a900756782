// create/list/verify against the stand-in Bolt server: real Bolt, real v36 Memgraph files, real LOCK
// semantics. This is the "done when": a published backup whose manifest matches the files,
// listed, verified, and a flipped byte caught by verify naming the file.
import test, { type ExecutionContext } from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { StandIn } from '../standin/standin.js';
import { runMain } from '../helpers/capture-io.js';


const run = (argv: string[]) => runMain(argv);

async function seededStandIn(t: ExecutionContext) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-standin-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  t.teardown(async () => {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const client = await connectNeo4j({ uri: standin.uri });
  for (let i = 0; i < 5; i++) await client.run(`CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`);
  await client.run('MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`E`]->(v);');
  await client.close();
  const repo = path.join(root, 'repo');
  const create = ['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data];
  return { root, data, repo, standin, create };
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('create publishes a backup whose manifest matches its files; list shows it; verify and verify --deep pass', async (t) => {
  const { repo, standin, create } = await seededStandIn(t);
  const c = await run([...create, '--json', '--tag', 'nightly']);
  t.is(c.code, 0, c.err);
  const id = JSON.parse(c.out).id as string;
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, id, 'manifest.json'), 'utf8'));
  t.deepEqual(manifest.counts, { vertices: 5, edges: 1 });
  t.deepEqual(manifest.tags, ['nightly']);
  t.true(manifest.files.some((f: { kind: string }) => f.kind === 'snapshot'));
  for (const f of manifest.files as { path: string; size: number; sha256: string; durabilityVersion: number; stored?: { size: number; sha256: string } }[]) {
    const abs = path.join(repo, id, f.path);
    // Compressed by default (zstd): the stored size and sha256 are the manifest's `stored`.
    t.is(fs.statSync(abs).size, (f.stored ?? f).size, f.path);
    t.is(sha256(abs), (f.stored ?? f).sha256, f.path);
    t.is(fs.statSync(abs).mode & 0o777, 0o600, f.path);
    t.is(f.durabilityVersion, 36);
  }
  t.is(fs.statSync(path.join(repo, id)).mode & 0o777, 0o700);

  const list = await run(['list', '--repo', repo, '--json']);
  t.is(list.code, 0, list.err);
  t.deepEqual(JSON.parse(list.out).backups.map((b: { id: string }) => b.id), [id]);

  const v = await run(['verify', '--repo', repo, id]);
  t.is(v.code, 0, v.err);
  const deep = await run(['verify', '--repo', repo, id, '--deep', '--json']);
  t.is(deep.code, 0, deep.err);
  t.like(JSON.parse(deep.out).deep, { decoded: { vertices: 5, edges: 1 }, recorded: { vertices: 5, edges: 1 }, notes: [] });

  const status = await run(['info', '--uri', standin.uri, '--json']);
  t.is(JSON.parse(status.out).lockStatus, 'unlocked');
});

test('flipping one byte makes verify fail with the integrity code naming that file', async (t) => {
  const { repo, create } = await seededStandIn(t);
  const c = await run([...create, '--json', '--snapshot-only']);
  t.is(c.code, 0, c.err);
  const id = JSON.parse(c.out).id as string;
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, id, 'manifest.json'), 'utf8'));
  const snap = manifest.files.find((f: { kind: string }) => f.kind === 'snapshot').path as string;
  const abs = path.join(repo, id, snap);
  const bytes = fs.readFileSync(abs);
  bytes[200] ^= 0xff;
  fs.writeFileSync(abs, bytes);
  const v = await run(['verify', '--repo', repo, id]);
  t.is(v.code, 14);
  t.is(v.out, '');
  t.true(v.err.startsWith(`mgbackup: error: backup ${id}: "${snap}" sha256 mismatch`), v.err);
});

test('verify --deep catches a file that hashes right but does not decode', async (t) => {
  const { repo, create } = await seededStandIn(t);
  // Stored as it is: the snapshot is scribbled on in place below.
  const c = await run([...create, '--json', '--snapshot-only', '--repo-compression', 'none']);
  t.is(c.code, 0, c.err);
  const id = JSON.parse(c.out).id as string;
  const manifestPath = path.join(repo, id, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const entry = manifest.files.find((f: { kind: string }) => f.kind === 'snapshot');
  const abs = path.join(repo, id, entry.path);
  // Scribble over the middle of the snapshot (vertex and edge records; header and metadata stay
  // intact) and record the damage in the manifest: hashes agree, content does not.
  const bytes = fs.readFileSync(abs);
  bytes.fill(0xee, Math.floor(bytes.length * 0.3), Math.floor(bytes.length * 0.4));
  fs.writeFileSync(abs, bytes);
  entry.sha256 = sha256(abs);
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const plain = await run(['verify', '--repo', repo, id]);
  t.is(plain.code, 0, plain.err);
  const deep = await run(['verify', '--repo', repo, id, '--deep']);
  t.is(deep.code, 14);
  t.regex(deep.err, new RegExp(`^mgbackup: error: backup ${id} does not decode: .* at offset \\d+\\n`));
  t.regex(deep.err, /\nhint: do not restore from this backup/);
});

test('someone else\'s LOCK: create refuses with the busy code and leaves the lock in place', async (t) => {
  const { standin, create, repo } = await seededStandIn(t);
  const other = await connectNeo4j({ uri: standin.uri });
  await other.run('LOCK DATA DIRECTORY');
  await other.close();
  const c = await run(create);
  t.is(c.code, 13, c.err);
  const status = await run(['info', '--uri', standin.uri, '--json']);
  t.is(JSON.parse(status.out).lockStatus, 'locked');
  t.deepEqual(fs.existsSync(repo) ? fs.readdirSync(repo).filter((n) => /^\d{8}T/.test(n)) : [], [], 'no backup');
});
