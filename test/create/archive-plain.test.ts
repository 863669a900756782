// `create --archive` from a compressed repository (the default: zstd-stored files): the archive holds
// Memgraph's own bytes, judged by the tar and zstd programs and cmp against the data directory, with a
// manifest that lists nothing as compressed; damage in a stored file stops the archive with 14.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeHarness, testClock } from './harness.js';
import { main } from '../../src/cli/main.js';
import { writeArchive } from '../../src/store/archive.js';
import { parseManifest } from '../../src/store/manifest.js';
import { captureIo } from '../helpers/capture-io.js';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const hasTools = spawnSync('zstd', ['--version']).status === 0 && spawnSync('tar', ['--version']).status === 0;
const run = hasTools ? test : test.skip;
if (!hasTools) console.log('skipping the archive-plain tests: no zstd or tar program on PATH');

run('an archive of a zstd repository unpacks with tar --zstd to the data directory\'s own files and a plain manifest', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(5);
  const out = path.join(h.root, 'b.tar.zst');
  const c = captureIo({ env: {} });
  t.is(await main(['create', '--repo', h.repo, '--data-dir', h.data, '--json', '--archive', out], c, { connect: async () => h.fake.client(), clock: testClock([]) }), 0, c.err());
  const id = JSON.parse(c.out()).id as string;
  const inRepo = parseManifest(fs.readFileSync(path.join(h.repo, id, 'manifest.json'), 'utf8'), 'repo');
  const stored = inRepo.files.filter((f) => f.stored !== undefined);
  t.true(stored.length > 0, 'the repository stores compressed files (the case under test)');
  for (const f of stored) t.deepEqual(fs.readFileSync(path.join(h.repo, id, f.path)).subarray(0, 4), ZSTD_MAGIC, f.path);

  const x = path.join(h.root, 'x');
  fs.mkdirSync(x);
  const untar = spawnSync('tar', ['--zstd', '-xf', out, '-C', x], { encoding: 'utf8' });
  t.is(untar.status, 0, untar.stderr);
  const listing = spawnSync('tar', ['--zstd', '-tvf', out], { encoding: 'utf8' }).stdout;
  t.regex(listing, /^-rw------- 0\/0 /m);
  for (const f of inRepo.files) {
    // Byte for byte the file Memgraph wrote (cmp), not the repository's compressed form.
    const cmp = spawnSync('cmp', [path.join(x, id, f.path), path.join(h.data, f.path)], { encoding: 'utf8' });
    t.is(cmp.status, 0, `${f.path}: ${cmp.stdout}${cmp.stderr}`);
    const sum = spawnSync('sha256sum', [path.join(x, id, f.path)], { encoding: 'utf8' }).stdout.split(' ')[0];
    t.is(sum, f.sha256, f.path);
  }
  const packed = parseManifest(fs.readFileSync(path.join(x, id, 'manifest.json'), 'utf8'), 'archive');
  t.deepEqual(packed.files.filter((f) => f.stored !== undefined), []);
  t.is(packed.formatVersion, 2);
  t.deepEqual(packed.files.map((f) => [f.path, f.size, f.sha256]), inRepo.files.map((f) => [f.path, f.size, f.sha256]));
  t.deepEqual(fs.readdirSync(path.join(x, id)).sort(), [...new Set(['manifest.json', ...inRepo.files.map((f) => f.path.split('/')[0]!)])].sort());
});

run('a stored file that does not decompress to its sha256 stops the archive: integrity error naming it, no archive, no partial file', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(2);
  const c = captureIo({ env: {} });
  t.is(await main(['create', '--repo', h.repo, '--data-dir', h.data, '--json'], c, { connect: async () => h.fake.client(), clock: testClock([]) }), 0, c.err());
  const id = JSON.parse(c.out()).id as string;
  const manifest = parseManifest(fs.readFileSync(path.join(h.repo, id, 'manifest.json'), 'utf8'), 'repo');
  const f = manifest.files.find((e) => e.stored !== undefined)!;
  // Another valid zstd frame in its place: it decompresses, to the wrong bytes.
  fs.chmodSync(path.join(h.repo, id, f.path), 0o600);
  fs.writeFileSync(path.join(h.repo, id, f.path), spawnSync('zstd', ['-c'], { input: 'not the snapshot' }).stdout);
  const out = path.join(h.root, 'b.tar.zst');
  const err = await writeArchive(path.join(h.repo, id), manifest, out, 'zstd').then(() => undefined, (e: unknown) => e as Error & { kind?: string });
  t.is(err?.kind, 'integrity');
  t.is(err?.message, `backup file "${f.path}" reads as 16 bytes with sha256 ${spawnSync('sha256sum', { input: 'not the snapshot', encoding: 'utf8' }).stdout.split(' ')[0]}, the manifest says ${f.size} bytes with sha256 ${f.sha256}`);
  t.deepEqual(fs.readdirSync(h.root).filter((n) => n.startsWith('b.tar.zst')), []);
});
