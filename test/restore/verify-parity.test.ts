// Issue 9 item 9: restore refuses exactly what verify refuses, through the built CLI: an unlisted file
// (14), a durability version newer than any this mgbackup knows even when header and manifest agree
// (15, never a guess), and a WAL chain Memgraph's recovery refuses (14, the rule of
// src/format/recovery-chain.ts shared by restore and verify --deep).
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOf } from '../../src/errors/codes.js';
import { emptyGraph } from '../../src/graph/model.js';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { encodeSnapshot, encodeWal } from '../format/encoder.js';
import { fingerprint, fixtureDir, rehash, tempDir, writeBackup, writeFilesBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
if (skip) console.log(`restore/verify parity tests skipped: ${NO_FIXTURES_REASON}`);
const ft = skip ? test.skip : test;
const ID = '20260101T120000Z-abcdef01';

async function repoWithBackup(): Promise<{ work: string; repo: string; backup: string; target: string; before: string }> {
  const work = await tempDir();
  const repo = path.join(work, 'repo');
  const target = path.join(work, 'data');
  await writeOldDataDir(target);
  const { dir } = await writeBackup(repo, { id: ID, withWal: true });
  return { work, repo, backup: dir, target, before: await fingerprint(target) };
}

ft('an unlisted extra file: verify and restore both exit 14 and the target is unchanged', async (t) => {
  const { repo, backup, target, before } = await repoWithBackup();
  await fsp.writeFile(path.join(backup, 'wal', 'stray'), 'not from memgraph');
  const v = await runCli(['verify', ID, '--repo', repo]);
  t.is(v.code, exitCodeOf('integrity'), v.stderr);
  t.regex(v.stderr, /"wal\/stray" not listed in the manifest/);
  const r = await runCli(['restore', ID, '--repo', repo, '--data-dir', target, '--target-version', '3.12.0']);
  t.is(r.code, exitCodeOf('integrity'), r.stderr);
  t.is(r.stderr, 'mgbackup: error: backup folder has a file not listed in the manifest: "wal/stray"\n'
    + 'hint: "mgbackup verify" refuses this backup too; something wrote into it after it was published\n'
    + 'hint: restore another backup ("mgbackup list"), or move the unlisted files out if you know where they came from\n');
  t.is(r.stdout, '');
  t.is(await fingerprint(target), before);
});

ft('durability version 99 with an agreeing manifest: verify and restore both exit 15 with a hint', async (t) => {
  const { repo, backup, target, before } = await repoWithBackup();
  const snapDir = path.join(backup, 'snapshots');
  const snap = path.join(snapDir, (await fsp.readdir(snapDir))[0]!);
  const bytes = await fsp.readFile(snap);
  bytes.writeBigUInt64LE(99n, 4);
  await fsp.writeFile(snap, bytes);
  await rehash(backup, (m) => {
    m.files.find((f) => f.kind === 'snapshot')!.durabilityVersion = 99;
  });
  const name = path.basename(snap);
  const expected = `mgbackup: error: "snapshots/${name}" has durability version 99, which this mgbackup does not know (it knows 14 to 37)\n`
    + 'hint: a newer Memgraph wrote it; use a newer mgbackup to verify and restore it, or move the data with "mgbackup dump" and "mgbackup load"\n';
  const v = await runCli(['verify', ID, '--repo', repo]);
  t.is(v.code, exitCodeOf('unsupportedVersion'), v.stderr);
  t.true(v.stderr.endsWith(expected), v.stderr);
  const r = await runCli(['restore', ID, '--repo', repo, '--data-dir', target]);
  t.is(r.code, exitCodeOf('unsupportedVersion'), r.stderr);
  t.is(r.stderr, expected);
  t.is(await fingerprint(target), before);
});

const UUID = '0f0e0d0c-0b0a-4909-8807-060504030201';
const vertexTx = (ts: bigint, gid: bigint) => ({ timestamp: ts, ops: [{ op: 'vertexCreate' as const, gid }] });

test('a first wal "_current" with sequence number 3 and no predecessor: verify --deep and restore both exit 14', async (t) => {
  const work = await tempDir();
  const repo = path.join(work, 'repo');
  const target = path.join(work, 'data');
  const snapshot = encodeSnapshot(emptyGraph(), { version: 36, uuid: UUID, startTimestamp: 10n, durableTimestamp: 10n });
  const wal = encodeWal([vertexTx(12n, 1n), vertexTx(13n, 2n)], { version: 36, uuid: UUID, sequenceNumber: 3n });
  await writeFilesBackup(repo, ID, [
    { rel: 'snapshots/20260101000000000000_timestamp_10', bytes: snapshot },
    { rel: 'wal/20260101000000000001_current', bytes: wal },
  ]);
  const why = 'mgbackup: error: the wal files would make memgraph refuse to start: the first wal "wal/20260101000000000001_current" (sequence number 3) '
    + 'starts at timestamp 12, after the snapshot\'s 10, and its predecessor is missing\n'
    + 'hint: Memgraph\'s recovery stops with "You must have at least one WAL file that contains at least one delta that was created before the snapshot file!"\n'
    + 'hint: restore with --snapshot-only to recover the snapshot\'s state, or use a backup whose wal chain is complete\n';
  const v = await runCli(['verify', ID, '--repo', repo, '--deep']);
  t.is(v.code, exitCodeOf('integrity'), v.stderr);
  t.true(v.stderr.endsWith(why), v.stderr);
  const r = await runCli(['restore', ID, '--repo', repo, '--data-dir', target, '--target-version', '3.12.0']);
  t.is(r.code, exitCodeOf('integrity'), r.stderr);
  t.is(r.stderr, why);
  await t.throwsAsync(fsp.access(target), undefined, 'nothing was created');
  // The snapshot alone is fine.
  const ok = await runCli(['restore', ID, '--repo', repo, '--data-dir', target, '--target-version', '3.12.0', '--snapshot-only']);
  t.is(ok.code, 0, ok.stderr);
});

test('a storage-mode switch restarted numbering at 0 under the same uuid: restore stages only the new numbering', async (t) => {
  const work = await tempDir();
  const repo = path.join(work, 'repo');
  const target = path.join(work, 'data');
  // Old numbering (seq 0, 1) before an analytical episode; switch-back snapshot at ts 50; new seq 0.
  await writeFilesBackup(repo, ID, [
    { rel: 'snapshots/20260102000000000000_timestamp_50', bytes: encodeSnapshot(emptyGraph(), { version: 36, uuid: UUID, startTimestamp: 50n, durableTimestamp: 50n }) },
    { rel: 'wal/20260101000000000001_from_2_to_2', bytes: encodeWal([vertexTx(2n, 1n)], { version: 36, uuid: UUID, sequenceNumber: 0n }) },
    { rel: 'wal/20260101000000000002_from_3_to_3', bytes: encodeWal([vertexTx(3n, 2n)], { version: 36, uuid: UUID, sequenceNumber: 1n }) },
    { rel: 'wal/20260102000000000001_current', bytes: encodeWal([vertexTx(52n, 7n)], { version: 36, uuid: UUID, sequenceNumber: 0n }) },
  ]);
  const v = await runCli(['verify', ID, '--repo', repo, '--deep']);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, /recovery yields 1 vertices, 0 edges, 1 wal transactions replayed/);
  const r = await runCli(['restore', ID, '--repo', repo, '--data-dir', target, '--target-version', '3.12.0']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(await fsp.readdir(path.join(target, 'wal')), ['20260102000000000001_current']);
  t.deepEqual(await fsp.readdir(path.join(target, 'snapshots')), ['20260102000000000000_timestamp_50']);
});
