import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { listBackups } from '../../src/core/backup/list.js';
import { verifyBackup } from '../../src/core/backup/verify.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { exitCodeOf } from '../../src/errors/codes.js';
import { silentReporter } from '../../src/core/reporter.js';
import { connectionLost } from './fake-memgraph.js';
import { makeHarness, tree } from './harness.js';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('happy path: publishes a backup whose manifest matches the files; list shows it; verify passes', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(3);
  h.fake.rotateWal();
  h.fake.commit(2);
  const r = await h.run({ labels: { env: 'test' }, tags: ['nightly'] });
  t.is(r.id, '20260304T050607Z-00000000');
  t.false(h.fake.locked);
  // STATUS once with the server facts, once more after the lease is claimed (lease.ts), then LOCK/UNLOCK.
  t.deepEqual(h.fake.log.filter((q) => /LOCK/.test(q)), ['DATA DIRECTORY LOCK STATUS', 'DATA DIRECTORY LOCK STATUS', 'LOCK DATA DIRECTORY', 'UNLOCK DATA DIRECTORY']);
  t.true(h.fake.log.indexOf('CREATE SNAPSHOT') < h.fake.log.indexOf('LOCK DATA DIRECTORY'));
  const dir = path.join(h.repo, r.id);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  t.deepEqual(tree(dir), ['manifest.json', ...manifest.files.map((f: { path: string }) => f.path)].sort());
  t.is(manifest.files[0].kind, 'snapshot');
  // The open WAL (seq 1) may hold commits after the snapshot, and its start is unknown, so its
  // predecessor (seq 0, ts 11-13) comes along to anchor the chain, as recovery demands.
  t.deepEqual(manifest.files.map((f: { path: string }) => f.path.replace(/\d{20}/, 'P')), [
    'snapshots/P_timestamp_15', 'wal/P_from_11_to_13', 'wal/P_current',
  ]);
  t.deepEqual(manifest.files.map((f: { seqNum?: string }) => f.seqNum), [undefined, '0', '1']);
  for (const f of manifest.files) {
    const abs = path.join(dir, f.path);
    t.is(fs.statSync(abs).size, f.size);
    t.is(sha(abs), f.sha256);
    t.is(fs.statSync(abs).mode & 0o777, 0o600);
    t.is(f.durabilityVersion, 36);
    t.is(f.uuid, h.fake.uuid);
    t.is(f.pinnedBy, 'hardlink');
  }
  t.is(fs.statSync(dir).mode & 0o777, 0o700);
  t.is(fs.statSync(path.join(dir, 'snapshots')).mode & 0o777, 0o700);
  t.deepEqual(manifest.labels, { env: 'test' });
  t.deepEqual(manifest.tags, ['nightly']);
  t.deepEqual(manifest.counts, { vertices: 3, edges: 2 });
  t.is(manifest.memgraph.version, '3.12.0');
  t.is(manifest.database.uuid, h.fake.uuid);
  t.deepEqual(tree(path.join(h.repo, '.staging')), []);
  t.false(fs.readdirSync(h.data).some((n) => n.startsWith('.mgbackup')));
  const store = await h.store();
  t.deepEqual((await listBackups(store)).map((b) => b.id), [r.id]);
  t.true((await verifyBackup(store, r.id, { reporter: silentReporter })).ok);
});

test('verify fails with the integrity code naming the file after one byte is flipped', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(2);
  const r = await h.run();
  const wal = r.files.find((f) => f.kind === 'wal')!;
  const abs = path.join(r.path, wal.path);
  fs.chmodSync(abs, 0o600);
  const buf = fs.readFileSync(abs);
  buf[buf.length - 1] ^= 0xff;
  fs.writeFileSync(abs, buf);
  const err = await t.throwsAsync(verifyBackup(await h.store(), r.id.slice(-8), { reporter: silentReporter }), { instanceOf: MgBackupError });
  t.is(err!.exitCode, exitCodeOf('integrity'));
  t.regex(err!.message, new RegExp(`^backup ${r.id}: "${wal.path}" sha256 mismatch`));
});

test('someone else holds the lock: busy, never unlocked by us, nothing staged or listed', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.locked = true;
  const err = await t.throwsAsync(h.run(), { instanceOf: MgBackupError });
  t.is(err!.exitCode, exitCodeOf('busy'));
  t.is(err!.message, 'cannot start the backup: the data directory is locked by someone else');
  t.true(h.fake.locked);
  t.false(h.fake.log.includes('UNLOCK DATA DIRECTORY'));
  t.false(h.fake.log.includes('CREATE SNAPSHOT'));
  t.deepEqual(await listBackups(await h.store()), []);
});

test('--wait polls with backoff until the other lock is released', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.locked = true;
  let polls = 0;
  h.fake.hooks.push((q, f) => {
    // The first STATUS comes with the server facts; from the second on they are the lease's polls.
    if (q === 'DATA DIRECTORY LOCK STATUS' && ++polls === 4) f.locked = false;
  });
  const r = await h.run({ wait: true });
  t.deepEqual(h.sleeps.slice(0, 2), [250, 500]);
  t.truthy(r.id);
  t.false(h.fake.locked);
});

test('a lock taken between STATUS and LOCK is theirs: busy, and no UNLOCK', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.hooks.push((q, f) => {
    if (q === 'LOCK DATA DIRECTORY') f.locked = true;
  });
  const err = await t.throwsAsync(h.run(), { instanceOf: MgBackupError });
  t.is(err!.kind, 'busy');
  t.false(h.fake.log.includes('UNLOCK DATA DIRECTORY'));
  t.true(h.fake.locked);
  t.deepEqual(tree(path.join(h.repo, '.staging')), []);
});

test('periodic snapshot in progress: CREATE SNAPSHOT is retried with backoff', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.snapshotsBusy = 2;
  const r = await h.run();
  t.deepEqual(h.sleeps, [200, 400]);
  t.is(h.fake.log.filter((q) => q === 'CREATE SNAPSHOT').length, 3);
  t.truthy(r.id);
});

test('retention replaced our snapshot before the lock: the newer one is taken, with a warning', async (t) => {
  const h = makeHarness({ retention: 1 });
  t.teardown(h.cleanup);
  h.fake.commit(1);
  let ours = '';
  h.fake.hooks.push((q, f) => {
    if (q === 'LOCK DATA DIRECTORY' && !ours) {
      ours = fs.readdirSync(path.join(h.data, 'snapshots'))[0]!;
      f.commit(1);
      f.snapshot();
    }
  });
  const r = await h.run();
  const snap = r.files.find((f) => f.kind === 'snapshot')!;
  t.not(snap.path, `snapshots/${ours}`);
  t.true(h.warnings.some((w) => w.startsWith('snapshot ') && w.includes(`replaced ours (${ours})`)));
});

test('WAL rotation during the lock: the finalized twin is backed up, not the stale _current', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(4);
  const r = await h.run({}, {
    onStep: (s) => {
      if (s === 'locked') {
        h.fake.commit(2);
        h.fake.rotateWal();
      }
    },
  });
  const wals = r.files.filter((f) => f.kind === 'wal').map((f) => f.path);
  t.is(wals.length, 1);
  t.regex(wals[0]!, /^wal\/\d{20}_from_11_to_16$/);
  // After UNLOCK the queued stale twin is gone from the data directory.
  t.false(fs.readdirSync(path.join(h.data, 'wal')).some((n) => n.endsWith('_current')));
});

test('retention during the copy cannot delete the pinned snapshot (the lock defers it)', async (t) => {
  const h = makeHarness({ retention: 1 });
  t.teardown(h.cleanup);
  h.fake.commit(1);
  const r = await h.run({}, {
    onStep: (s) => {
      if (s === 'locked') {
        h.fake.snapshot();
        h.fake.snapshot();
      }
    },
  });
  const snap = r.files.find((f) => f.kind === 'snapshot')!;
  // Ours was created first (prefix ...000002) and retention removed it at UNLOCK; the backup still has it.
  t.regex(snap.path, /^snapshots\/20260101000000000002_timestamp_/);
  t.false(fs.existsSync(path.join(h.data, snap.path)));
  t.true((await verifyBackup(await h.store(), r.id, { reporter: silentReporter })).ok);
});

test('dropped connection while locked: UNLOCK goes through a new connection', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(1);
  const r = await h.run({}, {
    onStep: (s) => {
      if (s === 'pinned') h.client.dropped = true;
    },
  });
  t.false(h.fake.locked);
  t.is(h.clients.length, 2);
  t.true(h.clients[1]!.closed);
  t.truthy(r.id);
});

test('dropped connection that cannot be re-established: error says the directory stays locked', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const err = await t.throwsAsync(h.run({}, {
    onStep: (s) => {
      if (s === 'locked') h.client.dropped = true;
    },
    reconnect: async () => {
      throw connectionLost('(connect)');
    },
  }), { instanceOf: MgBackupError });
  t.is(err!.message, 'could not UNLOCK the data directory after taking the lock');
  t.is(err!.hints[0], 'the data directory may still be locked: retention is paused until it is unlocked');
  t.deepEqual(tree(path.join(h.repo, '.staging')), []);
  // The lease stays, in state "locking", for the next run to judge once this process has exited.
  const lease = JSON.parse(fs.readFileSync(path.join(h.data, '.mgbackup-lease-memgraph.json'), 'utf8'));
  t.like(lease, { state: 'locking', pid: process.pid, backupId: '20260304T050607Z-00000000' });
});

// Interrupts (SIGINT, SIGTERM, SIGHUP, SIGKILL) are tested with real signals to the built CLI in
// test/faults/signals.test.ts; an aborted AbortController here proved nothing about signal handling.

test('unwritable store mid-copy: io error, nothing published, lock released', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(1);
  const err = await t.throwsAsync(h.run({}, {
    onStep: (s) => {
      if (s === 'unlocked') {
        // The staging folder turns into a plain file: every write below it fails (ENOTDIR), even as root.
        const staging = fs.readdirSync(path.join(h.repo, '.staging'))[0]!;
        const p = path.join(h.repo, '.staging', staging);
        fs.rmSync(p, { recursive: true });
        fs.writeFileSync(p, '');
      }
    },
  }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'io');
  t.false(h.fake.locked);
  t.deepEqual(await listBackups(await h.store()), []);
  t.deepEqual(tree(path.join(h.repo, '.staging')), []);
});

test('ON_DISK_TRANSACTIONAL is refused with a hint to use dump; no lock, no snapshot', async (t) => {
  const h = makeHarness({ storageMode: 'ON_DISK_TRANSACTIONAL' });
  t.teardown(h.cleanup);
  const err = await t.throwsAsync(h.run(), { instanceOf: MgBackupError });
  t.is(err!.exitCode, exitCodeOf('refused'));
  t.deepEqual(err!.hints, ['use `mgbackup dump` for on-disk databases']);
  t.false(h.fake.log.includes('CREATE SNAPSHOT'));
});

test('IN_MEMORY_ANALYTICAL warns about WAL and blocked writers, then backs up', async (t) => {
  const h = makeHarness({ storageMode: 'IN_MEMORY_ANALYTICAL' });
  t.teardown(h.cleanup);
  const r = await h.run();
  t.deepEqual(h.warnings, ['storage mode IN_MEMORY_ANALYTICAL: there is no WAL, and CREATE SNAPSHOT blocks writers while it runs']);
  t.truthy(r.id);
});

test('replica before 3.8 is refused; a 3.8 replica is a fine source', async (t) => {
  const old = makeHarness({ role: 'replica', version: '3.7.2' });
  t.teardown(old.cleanup);
  const err = await t.throwsAsync(old.run(), { instanceOf: MgBackupError });
  t.is(err!.message, 'memgraph 3.7.2 refuses CREATE SNAPSHOT on a replica (allowed since 3.8)');
  const ok = makeHarness({ role: 'replica', version: '3.8.0' });
  t.teardown(ok.cleanup);
  t.truthy((await ok.run()).id);
});

test('--snapshot-only takes no WAL files', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.fake.commit(3);
  const r = await h.run({ snapshotOnly: true });
  t.deepEqual(r.files.map((f) => f.kind), ['snapshot']);
});

test('the server data directory is inferred from the snapshot path, not assumed to be /var/lib/memgraph', async (t) => {
  const h = makeHarness({ serverDataDir: '/data/mg' });
  t.teardown(h.cleanup);
  h.fake.commit(1);
  const r = await h.run();
  t.regex(r.files[0]!.path, /^snapshots\/\d{20}_timestamp_\d+$/);
  t.false(h.fake.locked);
});
