// Issue 9 item 14 and issue 10 item 3: restore's live-server refusal against real lock holders.
//  - a stand-in running as its own process holds <data-dir>/.lock with an fcntl write lock (through
//    test/standin/dir-lock-holder.ts, python3, independent of mgbackup's native probe): restore into
//    its directory exits 13 and leaves every file byte-for-byte unchanged;
//  - a holder and mgbackup in two different PID namespaces (unshare --pid --fork --mount-proc), the
//    way a Memgraph container and a Kubernetes Job see each other: /proc/locks is empty for mgbackup,
//    only the lock probe on the file itself can see the holder.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeOf } from '../../src/errors/codes.js';
import { loadNative } from '../../src/datadir/server-lock.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { fingerprint, fixtureDir, python3Missing, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const standinMain = path.join(here, '..', 'standin', 'main.js');
const ID = '20260101T120000Z-abcdef01';

const noFixtures = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined ? NO_FIXTURES_REASON : undefined;
const noPython = python3Missing();

async function startStandin(dataDir: string): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [standinMain, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/stand-in listening on /.test(stderr)) resolve();
    });
    void exited.then(() => reject(new Error(`stand-in exited early: ${stderr}`)));
  });
  return { child, exited };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    out.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

skipIf(test, noFixtures ?? noPython)('a running stand-in process holds .lock: restore into its directory exits 13 and changes nothing; after it is killed restore works', async (t) => {
  const work = await tempDir();
  const dataDir = path.join(work, 'data');
  await writeOldDataDir(dataDir);
  const { dir } = await writeBackup(work, { id: ID, withWal: true });
  const { child, exited } = await startStandin(dataDir);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const before = await fingerprint(dataDir);
  const r = await runCli(['restore', dir, '--data-dir', dataDir, '--target-version', '3.12.0']);
  t.is(r.code, exitCodeOf('busy'), r.stderr);
  const m = /^mgbackup: error: a running server holds "(.*)" \(POSIX write lock by process (\d+)\)\n/.exec(r.stderr);
  t.truthy(m, r.stderr);
  t.is(m![1], path.join(dataDir, '.lock'));
  t.true(childrenOf(child.pid!).includes(Number(m![2])), 'the reported holder is the stand-in\'s lock process');
  t.true(r.stderr.endsWith('hint: stop Memgraph first (systemctl stop memgraph, or docker stop <container>), then run restore again\n'
    + 'hint: to restore into a running server use --online --force (RECOVER SNAPSHOT)\n'), r.stderr);
  t.is(r.stdout, '');
  t.is(await fingerprint(dataDir), before, 'byte-for-byte unchanged');

  child.kill('SIGKILL');
  await exited;
  // The lock dies with the process (its holder sees stdin close), as Memgraph's does.
  let ok = await runCli(['restore', dir, '--data-dir', dataDir, '--target-version', '3.12.0']);
  for (let i = 0; i < 20 && ok.code === exitCodeOf('busy'); i++) {
    await new Promise((res) => setTimeout(res, 100));
    ok = await runCli(['restore', dir, '--data-dir', dataDir, '--target-version', '3.12.0']);
  }
  t.is(ok.code, 0, ok.stderr);
});

function unshareRefused(): string | undefined {
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']);
  if (r.error) return `unshare cannot run: ${r.error.message}`;
  return r.status === 0 ? undefined : `unshare --pid --fork --mount-proc is refused here: ${r.stderr.toString().trim()}`;
}

const native = loadNative();
skipIf(test, noFixtures ?? noPython ?? unshareRefused() ?? (native.binding ? undefined : `the native lock probe is not built (${native.error}); run npm install`))(
  'a holder in another PID namespace: restore run in a third namespace still sees the lock and exits 13', async (t) => {
    const work = await tempDir();
    const dataDir = path.join(work, 'data');
    await writeOldDataDir(dataDir);
    const { dir } = await writeBackup(work, { id: ID, withWal: true });
    // Memgraph's lock kind: POSIX F_SETLK F_WRLCK on the whole file; python's lockf is exactly that.
    const script = 'import fcntl,sys\nf=open(sys.argv[1],"a+")\nfcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nprint("locked",flush=True)\nsys.stdin.read()\n';
    const holder = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'python3', '-c', script, path.join(dataDir, '.lock')], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.teardown(() => {
      holder.stdin!.end();
    });
    await new Promise<void>((resolve, reject) => {
      holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      holder.stdout!.once('data', () => resolve());
    });
    const before = await fingerprint(dataDir);
    // mgbackup in its own PID namespace: its /proc/locks lists nothing of the holder's.
    const inNs = (cmd: string[]) => spawnSync('unshare', ['--pid', '--fork', '--mount-proc', ...cmd], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    t.is(inNs(['cat', '/proc/locks']).stdout, '', 'the holder is invisible to /proc/locks from there');
    const r = inNs([process.execPath, BIN, 'restore', dir, '--data-dir', dataDir, '--target-version', '3.12.0']);
    t.is(r.status, exitCodeOf('busy'), r.stderr);
    t.is(r.stderr, `mgbackup: error: a running server holds "${path.join(dataDir, '.lock')}" (POSIX write lock by a process in another PID namespace, e.g. another container)\n`
      + 'hint: stop Memgraph first (systemctl stop memgraph, or docker stop <container>), then run restore again\n'
      + 'hint: to restore into a running server use --online --force (RECOVER SNAPSHOT)\n');
    t.is(await fingerprint(dataDir), before, 'byte-for-byte unchanged');
  });
