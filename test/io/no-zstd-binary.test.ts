// Issue 9 item 7: with no `zstd` program on PATH, `dump -o x.zst` used to hang and `create --archive
// x.tar.zst` to crash. Compression is now in process: the built CLI runs as a child process with a PATH
// that holds nothing but node, against the stand-in, and must succeed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import * as tar from 'tar';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { runCli } from '../helpers/run-cli.js';
import { StandIn } from '../standin/standin.js';

function scratch(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-nozstd-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A PATH with only `node` on it (a symlink to this very binary), and proof that zstd is not found. */
function pathWithoutZstd(t: ExecutionContext, root: string): NodeJS.ProcessEnv {
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const env = { PATH: bin };
  const probe = spawnSync('zstd', ['--version'], { env });
  t.is((probe.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT', 'zstd must not be reachable on the test PATH');
  return env;
}

async function seeded(t: ExecutionContext, root: string): Promise<{ standin: StandIn; data: string }> {
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  t.teardown(() => standin.stop());
  const client = await connectNeo4j({ uri: standin.uri });
  for (let i = 0; i < 4; i++) await client.run(`CREATE (:P {n: ${i}});`);
  await client.close();
  return { standin, data };
}

test('dump -o x.zst works with no zstd program on PATH, and holds the same text as a plain dump', async (t) => {
  const root = scratch(t);
  const env = pathWithoutZstd(t, root);
  const { standin } = await seeded(t, root);
  const plain = await runCli(['dump', '--uri', standin.uri], { env, timeoutMs: 30_000 });
  t.is(plain.code, 0, plain.stderr);
  const out = path.join(root, 'db.cypherl.zst');
  const r = await runCli(['dump', '--uri', standin.uri, '-o', out], { env, timeoutMs: 30_000 });
  t.is(r.code, 0, r.stderr);
  t.is(r.signal, null);
  t.is(zstdDecompressSync(fs.readFileSync(out)).toString('utf8'), plain.stdout);
  t.regex(plain.stdout, /^CREATE \(:__mg_vertex__:`P` \{__mg_id__: 3, `n`: 3\}\);$/m);
  t.deepEqual(fs.readdirSync(root).filter((n) => n.includes('.tmp-')), []);
});

test('create --archive x.tar.zst works with no zstd program on PATH, and restore reads that archive back', async (t) => {
  const root = scratch(t);
  const env = pathWithoutZstd(t, root);
  const { standin, data } = await seeded(t, root);
  const repo = path.join(root, 'repo');
  const archive = path.join(root, 'out.tar.zst');
  const c = await runCli(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data,
    '--json', '--archive', archive], { env, timeoutMs: 60_000 });
  t.is(c.code, 0, c.stderr);
  const id = JSON.parse(c.stdout).id as string;
  t.deepEqual([...fs.readFileSync(archive).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'a zstd frame');
  const entries: string[] = [];
  await tar.t({ file: archive, onReadEntry: (e) => entries.push(e.path) });
  t.true(entries.includes(`${id}/manifest.json`), entries.join(', '));

  const target = path.join(root, 'target');
  fs.mkdirSync(target);
  const r = await runCli(['restore', archive, '--data-dir', target, '--owner', `${process.getuid!()}`], { env, timeoutMs: 60_000 });
  t.is(r.code, 0, r.stderr);
  const restored = fs.readdirSync(path.join(target, 'snapshots'));
  const inRepo = fs.readdirSync(path.join(repo, id, 'snapshots'));
  t.deepEqual(restored.sort(), inRepo.sort());
});
