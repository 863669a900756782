// `mgbackup watch` as an operator runs it: the built CLI and the stand-in each a separate process, the
// stand-in writing real WAL files (1 KiB rotation, so it finalizes every few commits) and holding .lock.
// Hashes are checked against the system's sha256sum, records are read straight from the repository.
// Serial: each case runs a server, one or two CLIs and a client on a small shared machine.
import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { runCli } from '../helpers/run-cli.js';
import { boltString, TcpProxy } from '../helpers/tcp-proxy.js';
import { commit, dirs, events, freePort, plainBytes, recordsOnDisk, sha256sum, startCli, startStandIn, waitFor } from './harness.js';

const walFiles = (data: string) => fs.readdirSync(path.join(data, 'wal')).filter((n) => /^\d{20}_/.test(n)).sort();
const finalized = (data: string) => walFiles(data).filter((n) => !n.endsWith('_current'));
const current = (data: string) => walFiles(data).filter((n) => n.endsWith('_current'));

/**
 * Every record's data exists with the recorded size and sha256 (by sha256sum) of what is stored, and
 * (compressed) decompresses by the zstd CLI to the recorded plain sha256; files 0600.
 */
function checkRecords(t: import('ava').ExecutionContext, repo: string): void {
  for (const r of recordsOnDisk(repo)) {
    const file = path.join(repo, r.dataKey);
    t.true(fs.existsSync(file), r.dataKey);
    t.is(fs.statSync(file).size, (r.stored ?? r).size, r.dataKey);
    t.is(sha256sum(file), (r.stored ?? r).sha256, r.dataKey);
    if (r.stored !== undefined) t.is(createHash('sha256').update(plainBytes(file, r)).digest('hex'), r.sha256, r.dataKey);
    t.is(fs.statSync(file).mode & 0o777, 0o600, r.dataKey);
  }
}

/** The archive holds every finalized file of wal/ and the whole of the idle `_current` file. */
function caughtUp(data: string, repo: string): boolean {
  const records = recordsOnDisk(repo);
  const finals = new Set(records.filter((r) => r.finalized).map((r) => r.name));
  if (!finalized(data).every((n) => finals.has(n))) return false;
  return current(data).every((n) => records.some((r) => !r.finalized && r.name === n && r.size === fs.statSync(path.join(data, 'wal', n)).size));
}

test.serial('watch --once archives exactly the WAL files present: finalized ones whole, the open one up to its last commit', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 15, 300);
  const fin = finalized(d.data);
  const cur = current(d.data);
  t.true(fin.length >= 3, `finalized: ${fin.join(' ')}`);
  t.is(cur.length, 1);

  const r = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(r.code, 0, r.stderr);
  const ev = events(r.stdout);
  t.is(ev[0]!.type, 'start');
  t.like(ev.at(-1), { type: 'stop', reason: 'done', files: fin.length, prefixes: 1 });
  t.deepEqual(ev.filter((e) => e.type === 'archived').map((e) => e.name), fin);

  const records = recordsOnDisk(d.repo);
  t.deepEqual(records.filter((x) => x.finalized).map((x) => x.name).sort(), fin);
  for (const x of records.filter((y) => y.finalized)) {
    t.is(sha256sum(path.join(d.data, 'wal', x.name)), x.sha256, x.name);
    t.deepEqual(x.observed.map((o) => o.ts), [x.toTs]);
  }
  const part = records.filter((x) => !x.finalized);
  t.is(part.length, 1);
  t.is(part[0]!.name, cur[0]);
  const curBytes = fs.readFileSync(path.join(d.data, 'wal', cur[0]!));
  t.deepEqual(plainBytes(path.join(d.repo, part[0]!.dataKey), part[0]!), curBytes.subarray(0, part[0]!.size));
  t.regex(part[0]!.dataKey, /\.part-\d{20}$/);
  checkRecords(t, d.repo);
  t.deepEqual(fs.readdirSync(path.join(d.repo, 'locks')), []);

  // Nothing new: a second pass writes nothing.
  const again = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(again.code, 0, again.stderr);
  t.like(events(again.stdout).at(-1), { type: 'stop', files: 0, prefixes: 0, bytes: 0 });

  // Without --json: stdout stays empty, events are stderr lines stamped with the time (stderr is a pipe).
  const text = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(text.code, 0, text.stderr);
  t.is(text.stdout, '');
  const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
  t.regex(text.stderr, new RegExp(`^${iso} watching data directory ".*" \\(database memgraph\\) into .*: ${fin.length} WAL file\\(s\\) archived so far, max lag 60 s, one pass\\n${iso} stopped \\(done\\): 0 WAL file\\(s\\) and 0 prefix\\(es\\) archived, 0 B\\n$`));
});

test.serial('a continuous watch follows a client\'s commits; SIGTERM exits 130 with complete records; a restart archives nothing twice', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  const w = startCli(['watch', '--json', '--max-lag', '1', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.teardown(() => void w.child.kill('SIGKILL'));
  await waitFor('the start event', () => w.stdout().includes('"type":"start"'));
  await commit(uri, 9, 300);
  await waitFor('the archive to catch up with the commits', () => caughtUp(d.data, d.repo));
  await commit(uri, 4, 300, 100);
  await waitFor('the archive to catch up again', () => caughtUp(d.data, d.repo));

  w.child.kill('SIGTERM');
  const r = await w.result;
  t.is(r.code, 130, r.stderr);
  t.regex(r.stderr, /interrupted by SIGTERM/);
  const ev = events(r.stdout);
  t.like(ev.at(-1), { type: 'stop', reason: 'SIGTERM' });
  t.true(ev.some((e) => e.type === 'prefix'), 'the open file was archived as a prefix while it grew');
  checkRecords(t, d.repo);
  t.deepEqual(fs.readdirSync(path.join(d.repo, 'locks')), [], 'the repository lock was released');
  t.false(fs.existsSync(path.join(d.data, '.mgbackup-lease-memgraph.json')), 'no data-directory lease left');

  const before = recordsOnDisk(d.repo).map((x) => `${x.key}:${x.sha256}`);
  const again = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(again.code, 0, again.stderr);
  const ev2 = events(again.stdout);
  t.like(ev2[0], { type: 'start', archived: finalized(d.data).length });
  t.like(ev2.at(-1), { type: 'stop', files: 0, prefixes: 0 });
  t.deepEqual(recordsOnDisk(d.repo).map((x) => `${x.key}:${x.sha256}`), before);
});

test.serial('a second watch for the same repository and database exits 13 naming the first', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  const first = startCli(['watch', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.teardown(() => void first.child.kill('SIGKILL'));
  await waitFor('the first watch to start', () => first.stdout().includes('"type":"start"'));
  const second = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(second.code, 13, second.stderr);
  t.regex(second.stderr, new RegExp(`^mgbackup: error: repository ".*" is locked by watch \\(pid ${first.child.pid} on host .*, since .*, shared for watch:memgraph\\)\\nhint: only one watch at a time may run for watch:memgraph; stop the other one first\\n$`));
  first.child.kill('SIGINT');
  t.is((await first.result).code, 130);
});

test.serial('watch killed with SIGKILL while copying a file: nothing half-written counts, and the next run archives it', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 4, 300);
  const first = await runCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(first.code, 0, first.stderr);
  // A large finalized WAL (a real header, then 160 MiB), so that the copy takes long enough to be caught.
  const real = finalized(d.data)[0]!;
  const big = '29991231235959000000_from_100000_to_100001';
  const bigPath = path.join(d.data, 'wal', big);
  fs.copyFileSync(path.join(d.data, 'wal', real), bigPath);
  fs.appendFileSync(bigPath, Buffer.alloc(160 << 20, 7));

  // Stored as it is: 160 MiB of one byte value would compress to almost nothing and never be caught.
  const w = startCli(['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data, '--repo-compression', 'none']);
  const tmp = path.join(d.repo, '.tmp');
  await waitFor('the copy to start', () => {
    if (!fs.existsSync(tmp)) return false;
    return fs.readdirSync(tmp).some((f) => (fs.statSync(path.join(tmp, f), { throwIfNoEntry: false })?.size ?? 0) > 1 << 20);
  }, 90_000);
  w.child.kill('SIGSTOP');
  t.false(recordsOnDisk(d.repo).some((r) => r.name === big), 'the record is not there while the copy runs');
  w.child.kill('SIGKILL');
  t.is((await w.result).signal, 'SIGKILL');
  t.false(recordsOnDisk(d.repo).some((r) => r.name === big));
  checkRecords(t, d.repo);

  const next = await runCli(['watch', '--once', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(next.code, 0, next.stderr);
  t.regex(next.stderr, /removed the stale repository lock of watch \(pid \d+/);
  const ev = events(next.stdout);
  t.true(ev.some((e) => e.type === 'leftover' && /removed repository leftover \.staging\/watch-/.test(String(e.message))), next.stdout);
  t.like(ev.find((e) => e.type === 'archived'), { name: big });
  const rec = recordsOnDisk(d.repo).find((r) => r.name === big)!;
  t.is(rec.sha256, sha256sum(bigPath));
  checkRecords(t, d.repo);
});

test.serial('a WAL file deleted before it was archived is a gap: exit 14 naming its sequence number, or with --on-gap warn an event', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  const args = ['watch', '--once', '--uri', uri, '--repo', d.repo, '--data-dir', d.data];
  await commit(uri, 6, 300);
  t.is((await runCli(args)).code, 0);
  const seqOf = (name: string) => recordsOnDisk(d.repo).find((r) => r.name === name)?.seq;

  // Retention (imitated) deletes the oldest file the archive has not seen yet.
  const known = new Set(finalized(d.data));
  await commit(uri, 6, 300, 10);
  const lost = finalized(d.data).filter((n) => !known.has(n))[0]!;
  fs.rmSync(path.join(d.data, 'wal', lost));
  const fail = await runCli(args);
  t.is(fail.code, 14, fail.stderr);
  const lastBefore = Math.max(...recordsOnDisk(d.repo).filter((r) => known.has(r.name)).map((r) => Number(r.seq)));
  t.regex(fail.stderr, new RegExp(`^mgbackup: error: WAL sequence number ${lastBefore + 1} missing in the archive of storage [0-9a-f-]+, between \\S+ \\(seq ${lastBefore}\\) and \\S+ \\(seq ${lastBefore + 2}\\)\\n`, 'm'));
  t.regex(fail.stderr, /hint: point-in-time restore cannot cross this gap/);
  // What came after the hole was archived before the run ended.
  t.true(finalized(d.data).every((n) => seqOf(n) !== undefined));
  // Reported once: the next run has nothing new to say.
  t.is((await runCli(args)).code, 0);

  const known2 = new Set(finalized(d.data));
  await commit(uri, 6, 300, 20);
  const lost2 = finalized(d.data).filter((n) => !known2.has(n))[0]!;
  fs.rmSync(path.join(d.data, 'wal', lost2));
  const warn = await runCli([...args, '--on-gap', 'warn', '--json']);
  t.is(warn.code, 0, warn.stderr);
  const gap = events(warn.stdout).find((e) => e.type === 'gap');
  t.truthy(gap, warn.stdout);
  t.is((gap!.missing as string[]).length, 1);
  t.regex(String(gap!.message), /^WAL sequence number \d+ missing in the archive of storage/);
  checkRecords(t, d.repo);
});

test.serial('watch survives a server crash and its data directory going away for a while, and archives what comes after', async (t) => {
  const d = dirs(t);
  const port = await freePort();
  const first = await startStandIn(t, d.data, 1, port);
  const w = startCli(['watch', '--json', '--max-lag', '1', '--uri', first.uri, '--repo', d.repo, '--data-dir', d.data]);
  t.teardown(() => void w.child.kill('SIGKILL'));
  await waitFor('the start event', () => w.stdout().includes('"type":"start"'));
  await commit(first.uri, 5, 300);
  await waitFor('the archive to catch up', () => caughtUp(d.data, d.repo));

  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const away = `${d.data}.away`;
  fs.renameSync(d.data, away);
  await waitFor('a retry event', () => events(w.stdout()).some((e) => e.type === 'retry' && e.kind === 'notFound'));
  fs.renameSync(away, d.data);
  const second = await startStandIn(t, d.data, 1, port);
  await commit(second.uri, 5, 300, 100);
  await waitFor('the recovered event', () => events(w.stdout()).some((e) => e.type === 'recovered'));
  await waitFor('the archive to catch up after the restart', () => caughtUp(d.data, d.repo)).catch((err) => {
    t.log(w.stdout(), w.stderr(), walFiles(d.data), recordsOnDisk(d.repo).map((x) => `${x.name} ${x.dataKey} ${x.size}`));
    throw err;
  });

  w.child.kill('SIGTERM');
  const r = await w.result;
  t.is(r.code, 130, r.stderr);
  const ev = events(r.stdout);
  t.deepEqual(ev.filter((e) => e.type === 'gap'), []);
  checkRecords(t, d.repo);
  // The `_current` the crash left is archived whole (it never grows again), the new one as a prefix.
  const crashed = current(d.data).slice(0, -1);
  t.true(crashed.length >= 1, walFiles(d.data).join(' '));
  for (const n of crashed) {
    t.true(recordsOnDisk(d.repo).some((x) => x.name === n && x.dataKey.endsWith('.wal')), n);
    t.like(ev.find((e) => e.type === 'prefix' && e.name === n && e.frozen === true), { type: 'prefix' });
  }
});

test.serial('a connection cut right after the server ran LOCK: watch releases that lock, retries, and archives', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data);
  await commit(uri, 6, 300);
  const port = Number(new URL(uri).port);
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port }, { pattern: boltString('LOCK DATA DIRECTORY'), nth: 1, when: 'after' });
  t.teardown(() => proxy.close());
  const w = startCli(['watch', '--json', '--max-lag', '1', '--uri', proxy.uri, '--repo', d.repo, '--data-dir', d.data]);
  t.teardown(() => void w.child.kill('SIGKILL'));
  await waitFor('the archive to catch up', () => caughtUp(d.data, d.repo)).catch((err) => {
    t.log(w.stdout(), w.stderr());
    throw err;
  });
  t.true(proxy.cut, 'the proxy cut the connection');
  const retry = events(w.stdout()).find((e) => e.type === 'retry');
  t.like(retry, { kind: 'cannotConnect' });
  t.regex(String(retry!.message), /LOCK DATA DIRECTORY/);
  const c = await connectNeo4j({ uri });
  t.is(String((await c.run('DATA DIRECTORY LOCK STATUS'))[0]!['STATUS']), 'Data directory is unlocked.');
  await c.close();
  t.false(fs.existsSync(path.join(d.data, '.mgbackup-lease-memgraph.json')));
  w.child.kill('SIGTERM');
  t.is((await w.result).code, 130);
  checkRecords(t, d.repo);
});

test.serial('--database archives a tenant\'s WAL files from databases/<uuid>/, beside a watch of the default database', async (t) => {
  const d = dirs(t);
  const { uri } = await startStandIn(t, d.data, 1, 0, ['tenant1']);
  await commit(uri, 6, 300, 0, 'tenant1');
  await commit(uri, 2, 300, 0);
  const tenantDir = fs.readdirSync(path.join(d.data, 'databases')).find((n) => /^[0-9a-f-]{36}$/.test(n))!;
  const tenantData = path.join(d.data, 'databases', tenantDir);
  const info = await runCli(['info', '--json', '--database', 'tenant1', '--uri', uri]);
  const tenantUuid = JSON.parse(info.stdout).databaseUuid as string;
  const main = startCli(['watch', '--json', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.teardown(() => void main.child.kill('SIGKILL'));
  await waitFor('the default database\'s watch to start', () => main.stdout().includes('"type":"start"'));

  const r = await runCli(['watch', '--once', '--json', '--database', 'tenant1', '--uri', uri, '--repo', d.repo, '--data-dir', d.data]);
  t.is(r.code, 0, r.stderr);
  t.like(events(r.stdout)[0], { type: 'start', database: 'tenant1', root: `databases/${tenantDir}` });
  const tenantWals = finalized(tenantData);
  t.true(tenantWals.length >= 2);
  t.deepEqual(events(r.stdout).filter((e) => e.type === 'archived').map((e) => e.name), tenantWals);
  const uuids = new Set(events(r.stdout).filter((e) => e.type === 'archived').map((e) => e.uuid));
  t.deepEqual([...uuids], [tenantUuid]);
  for (const n of tenantWals) {
    const rec = recordsOnDisk(d.repo).find((x) => x.name === n)!;
    t.is(rec.sha256, sha256sum(path.join(tenantData, 'wal', n)), n);
  }
  main.child.kill('SIGTERM');
  t.is((await main.result).code, 130);
});
