// Issue 9, "version facts": the release table has patch granularity (2.15.0 writes v16, 2.15.1 v17),
// v37 is written by the 3.13 and 3.14 releases, and a version above the newest known one is exit 15.
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from '../restore/helpers.js';

const missing = fixtureDir('v17/test_all') === undefined || fixtureDir('v37/test_all') === undefined || fixtureDir('v35/test_all') === undefined;
const t = missing ? test.skip : test;
if (missing) console.log(`version facts tests skipped: ${NO_FIXTURES_REASON}`);

t('restore refuses a v17 backup onto 2.15.0, which still writes and reads only v16', async (tt) => {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const before = await fingerprint(target);
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-abcdef17', set: 'v17/test_all', memgraphVersion: '2.15.1' });
  const r = await runCli(['restore', dir, '--data-dir', target, '--target-version', '2.15.0']);
  tt.is(r.code, 15, r.stderr);
  tt.is(r.stdout, '');
  tt.regex(r.stderr, /^mgbackup: error: "snapshots\/\d+_timestamp_\d+" has durability version 17, but memgraph 2\.15\.0 \(from --target-version\) reads at most version 16\n/);
  tt.is(await fingerprint(target), before);
});

t('inspect names 3.13.0 as the first release writing v37 (no longer "dev builds only")', async (tt) => {
  const r = await runCli(['inspect', path.join(fixtureDir('v37/test_all')!, 'snapshot.bin')]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^version: +37 \(written by Memgraph 3\.13\.0; readable by 3\.13\.0 and later\)$/m);
});

t('inspect names 2.15.1 as the first release writing v17', async (tt) => {
  const r = await runCli(['inspect', path.join(fixtureDir('v17/test_all')!, 'snapshot.bin')]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^version: +17 \(written by Memgraph 2\.15\.1; readable by 2\.15\.1 and later\)$/m);
});

t('a durability version above the newest known one is exit 15 with a hint, not a guess', async (tt) => {
  const work = await tempDir('mgb-version-');
  const bytes = await fsp.readFile(path.join(fixtureDir('v37/test_all')!, 'snapshot.bin'));
  bytes.writeBigUInt64LE(38n, 4); // the version field right after the 4-byte magic
  const file = path.join(work, 'snapshot-v38.bin');
  await fsp.writeFile(file, bytes);
  const r = await runCli(['inspect', file]);
  tt.is(r.code, 15);
  tt.is(r.stderr, [
    `mgbackup: error: ${JSON.stringify(file)}: unsupported snapshot version "38"`,
    'hint: mgbackup reads durability versions 14–37 (Memgraph 2.0 to 3.14.0)',
    'hint: this file is newer than every Memgraph release mgbackup knows: upgrade mgbackup, or export the data with "mgbackup dump" from the server that wrote it',
    '',
  ].join('\n'));
});
