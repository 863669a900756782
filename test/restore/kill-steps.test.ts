// Issue 9 item 13: an offline restore SIGKILLed at each step of apply leaves the data directory in a
// state Memgraph either recovers as the old data, recovers as the new data, or refuses loudly (a
// marker FILE where wal/ was: Memgraph's EnsureDirOrDie aborts at startup). Never a mix, never no
// snapshots/ beside old WALs. A re-run of the same command completes the restore, old files aside.
// The CLI stops itself at a named step (MGBACKUP_PAUSE_AT_STEP, SIGSTOP); the test then SIGKILLs it.
import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { stoppedOrExited } from '../helpers/process-state.js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadNative } from '../../src/datadir/server-lock.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
if (skip) console.log(`restore kill-step tests skipped: ${NO_FIXTURES_REASON}`);
const ID = '20260101T120000Z-abcdef01';

type State = 'old' | 'new' | 'refuses to start';

const native = loadNative().binding !== undefined;
if (!native) console.log('restore kill-step test for "moved aside wal" skipped: the native addon is not built (npm install)');
const STEPS: [string, State][] = [
  ['staged snapshots/*', 'old'],
  ['staged wal/*', 'old'],
  ...(native ? [['moved aside wal', 'refuses to start'] as [string, State]] : []),
  ['blocked wal', 'refuses to start'],
  ['moved aside snapshots', 'refuses to start'],
  ['swapped snapshots', 'refuses to start'],
  ['swapped wal', 'new'],
];

const hashes = async (dir: string): Promise<string[] | undefined> => {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return undefined;
  const out: string[] = [];
  for (const n of (await fsp.readdir(dir)).sort()) out.push(`${n} ${createHash('sha256').update(await fsp.readFile(path.join(dir, n))).digest('hex')}`);
  return out;
};

for (const [step, expected] of STEPS) {
  (skip ? test.skip : test)(`SIGKILL after "${step}": the data directory is ${expected}; a re-run completes the restore`, async (t) => {
    const work = await tempDir();
    const target = path.join(work, 'data');
    await writeOldDataDir(target);
    const old = { snapshots: await hashes(path.join(target, 'snapshots')), wal: await hashes(path.join(target, 'wal')) };
    const oldPrints = { snapshots: await fingerprint(path.join(target, 'snapshots')), wal: await fingerprint(path.join(target, 'wal')) };
    const { dir } = await writeBackup(work, { id: ID, withWal: true });
    const fresh = { snapshots: await hashes(path.join(dir, 'snapshots')), wal: await hashes(path.join(dir, 'wal')) };
    const args = ['restore', dir, '--data-dir', target, '--target-version', '3.12.0'];

    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', MGBACKUP_PAUSE_AT_STEP: step }, stdio: 'ignore' });
    let done = false;
    const exited = new Promise<void>((resolve) => child.on('exit', () => { done = true; resolve(); }));
    t.is(await stoppedOrExited(child.pid!, () => done, 30_000), 'stopped', `the restore reached "${step}"`);
    child.kill('SIGKILL');
    await exited;

    const walPath = path.join(target, 'wal');
    const now = { snapshots: await hashes(path.join(target, 'snapshots')), wal: await hashes(walPath) };
    let state: string;
    if (fs.existsSync(walPath) && fs.lstatSync(walPath).isFile()) {
      const text = await fsp.readFile(walPath, 'utf8');
      t.regex(text, /^This file is not Memgraph's wal directory\. It was put here by mgbackup on purpose\.\n/);
      t.regex(text, /Run the same "mgbackup restore" command again: it completes the swap/);
      state = 'refuses to start';
    } else if (JSON.stringify(now) === JSON.stringify(old)) state = 'old';
    else if (JSON.stringify(now) === JSON.stringify(fresh)) state = 'new';
    else state = `a mix: ${JSON.stringify(now)}`;
    t.is(state, expected);

    const r = await runCli(args);
    t.is(r.code, 0, r.stderr);
    t.deepEqual({ snapshots: await hashes(path.join(target, 'snapshots')), wal: await hashes(walPath) }, fresh);
    const names = await fsp.readdir(target);
    t.deepEqual(names.filter((n) => n.startsWith('.mgbackup-restore')), [], 'no journal or staging folder left');
    const asides = names.filter((n) => n.startsWith('.mgbackup-pre-restore-'));
    t.is(asides.length, 1, names.join(' '));
    t.is(await fingerprint(path.join(target, asides[0]!, 'snapshots')), oldPrints.snapshots, 'old snapshots kept intact');
    t.is(await fingerprint(path.join(target, asides[0]!, 'wal')), oldPrints.wal, 'old wal kept intact');
  });
}
