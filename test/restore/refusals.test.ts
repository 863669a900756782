// Every refusal of `mgbackup restore`, run as the operator runs it (the built binary): the exit code,
// the message, and a target that is byte-for-byte unchanged afterwards (or still absent).
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOf } from '../../src/errors/codes.js';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fingerprint, fixtureDir, holdFcntlLock, python3Missing, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
const t = skip ? test.skip : test;
if (skip) console.log(`restore refusal tests skipped: ${NO_FIXTURES_REASON}`);

async function setup(): Promise<{ work: string; target: string; backup: string; before: string }> {
  const work = await tempDir();
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const { dir } = await writeBackup(work, { id: '20260101T120000Z-abcdef01', withWal: true });
  return { work, target, backup: dir, before: await fingerprint(target) };
}

t('integrity: a corrupted backup file is refused with code 14 and nothing is written', async (tt) => {
  const { target, backup, before } = await setup();
  const snapDir = path.join(backup, 'snapshots');
  const snap = path.join(snapDir, fs.readdirSync(snapDir)[0]!);
  const bytes = await fsp.readFile(snap);
  bytes[bytes.length - 1] ^= 0xff;
  await fsp.writeFile(snap, bytes);
  const r = await runCli(['restore', backup, '--data-dir', target]);
  tt.is(r.code, exitCodeOf('integrity'));
  tt.regex(r.stderr, /backup file "snapshots\/\d+_timestamp_147" has sha256 [0-9a-f]{64}, the manifest says/);
  tt.is(r.stdout, '');
  tt.is(await fingerprint(target), before);
});

t('integrity: a fresh target is not even created when the backup is damaged', async (tt) => {
  const { work, backup } = await setup();
  await fsp.rm(path.join(backup, 'wal'), { recursive: true });
  const fresh = path.join(work, 'fresh');
  const r = await runCli(['restore', backup, '--data-dir', fresh]);
  tt.is(r.code, exitCodeOf('integrity'));
  tt.regex(r.stderr, /backup file "wal\/\d+_current" listed in the manifest is missing/);
  tt.false(fs.existsSync(fresh));
});

t('integrity: a header that contradicts the manifest is refused (code 14, unchanged target)', async (tt) => {
  const { target, backup, before } = await setup();
  const mf = path.join(backup, 'manifest.json');
  const m = JSON.parse(await fsp.readFile(mf, 'utf8'));
  m.files[0].durabilityVersion = 35;
  await fsp.writeFile(mf, JSON.stringify(m));
  const r = await runCli(['restore', backup, '--data-dir', target, '--snapshot-only']);
  tt.is(r.code, exitCodeOf('integrity'));
  tt.regex(r.stderr, /has durability version 36, the manifest says 35/);
  tt.is(await fingerprint(target), before);
});

const lockSkip = python3Missing();
(skip || lockSkip ? test.skip : test)('busy: refused with code 13 while a process holds an fcntl write lock on .lock', async (tt) => {
  const { target, backup, before } = await setup();
  const holder = await holdFcntlLock(path.join(target, '.lock'));
  try {
    const r = await runCli(['restore', backup, '--data-dir', target]);
    tt.is(r.code, exitCodeOf('busy'));
    tt.true(r.stderr.includes(`a running server holds "${path.join(target, '.lock')}" (POSIX write lock by process ${holder.pid})`), r.stderr);
    tt.regex(r.stderr, /stop Memgraph first/);
    tt.is(await fingerprint(target), before);
  } finally {
    await holder.release();
  }
  // Lock released: the same command now works.
  const ok = await runCli(['restore', backup, '--data-dir', target]);
  tt.is(ok.code, 0, ok.stderr);
});
if (lockSkip) console.log(`fcntl lock refusal test skipped: ${lockSkip}`);

t('tenant: an unregistered --database is refused with code 12, because Memgraph would delete its folder', async (tt) => {
  const { target, backup, before } = await setup();
  const r = await runCli(['restore', backup, '--data-dir', target, '--database', 'sales']);
  tt.is(r.code, exitCodeOf('notFound'));
  tt.regex(r.stderr, /tenant "sales" is not registered in ".*data"/);
  tt.regex(r.stderr, /CREATE DATABASE sales/);
  tt.is(await fingerprint(target), before);
});

t('version: --target-version older than the backup\'s durability version is refused with code 15', async (tt) => {
  const { target, backup, before } = await setup();
  const r = await runCli(['restore', backup, '--data-dir', target, '--target-version', '3.11.0']);
  tt.is(r.code, exitCodeOf('unsupportedVersion'));
  tt.regex(r.stderr, /"snapshots\/\d+_timestamp_147" has durability version 36, but memgraph 3\.11\.0 \(from --target-version\) reads at most version 35/);
  tt.regex(r.stderr, /mgbackup dump.*mgbackup load/);
  tt.is(await fingerprint(target), before);
});

t('version: the target version from an earlier backup of that server (same UUID) refuses a newer file', async (tt) => {
  const work = await tempDir();
  const repo = path.join(work, 'repo');
  const target = path.join(work, 'data');
  await writeOldDataDir(target, 'v35/test_all');
  // An earlier backup of the target server (its snapshot has the target's UUID), taken from 3.11.0.
  await writeBackup(repo, { id: '20250101T000000Z-35353535', set: 'v35/test_all', memgraphVersion: '3.11.0' });
  await writeBackup(repo, { id: '20260101T000000Z-36363636', set: 'v36/test_all' });
  const before = await fingerprint(target);
  const r = await runCli(['restore', '20260101T000000Z-36363636', '--repo', repo, '--data-dir', target]);
  tt.is(r.code, exitCodeOf('unsupportedVersion'));
  tt.regex(r.stderr, /memgraph 3\.11\.0 \(from the manifest of an earlier backup of that server\) reads at most version 35/);
  tt.is(await fingerprint(target), before);
});

t('target: a non-empty folder that is not a Memgraph data directory is refused (code 12)', async (tt) => {
  const { work, backup } = await setup();
  const other = path.join(work, 'home');
  await fsp.mkdir(other);
  await fsp.writeFile(path.join(other, 'notes.txt'), 'mine');
  const before = await fingerprint(other);
  const r = await runCli(['restore', backup, '--data-dir', other]);
  tt.is(r.code, exitCodeOf('notFound'));
  tt.regex(r.stderr, /is not empty and not a Memgraph data directory/);
  tt.is(await fingerprint(other), before);
});

t('online without --force is refused with code 17', async (tt) => {
  const { target, backup, before } = await setup();
  const r = await runCli(['restore', backup, '--data-dir', target, '--online', '--uri', 'bolt://127.0.0.1:1']);
  tt.is(r.code, exitCodeOf('refused'));
  tt.regex(r.stderr, /needs --force/);
  tt.is(await fingerprint(target), before);
});

t('--dry-run --json prints the plan on stdout and changes nothing', async (tt) => {
  const { target, backup, before } = await setup();
  const r = await runCli(['restore', backup, '--data-dir', target, '--dry-run', '--json']);
  tt.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  tt.is(j.dryRun, true);
  tt.deepEqual(j.movedAside.moves.map((m: { dir: string }) => m.dir), ['snapshots', 'wal']);
  tt.is(await fingerprint(target), before);
});

t('a successful restore prints what was staged and moved aside and the next step on stdout; stderr stays quiet', async (tt) => {
  const { target, backup } = await setup();
  const r = await runCli(['restore', backup, '--data-dir', target, '--snapshot-only', '--target-version', '3.12.0']);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  tt.is(lines[0], `restored backup 20260101T120000Z-abcdef01 (snapshot-only) into ${target}`);
  tt.true(lines.some((l) => /^ {2}did move aside .*\/snapshots\/ -> .*\.mgbackup-pre-restore-\d{8}T\d{6}Z\/snapshots\/ \(\d+ entr(y|ies)\)$/.test(l)), r.stdout);
  tt.true(lines.some((l) => /^ {2}did stage snapshots\/20260101120000000000_timestamp_\d+ -> .*\/snapshots\/20260101120000000000_timestamp_\d+ \(\d+ bytes, durability v36\)$/.test(l)), r.stdout);
  tt.true(lines.includes('  wal/ is empty'), r.stdout);
  tt.regex(lines.at(-1)!, /^next step: start Memgraph on it: /);
});
