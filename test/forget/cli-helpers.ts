// Local repositories of real backups (fixture durability files, so `verify` checks real headers) plus
// a WAL archive, and a mgbackup process paused at a named step (MGBACKUP_PAUSE_AT_STEP, SIGSTOP).
import { spawn, type ChildProcess } from 'node:child_process';
import { stoppedOrExited } from '../helpers/process-state.js';
export { stoppedOrExited };
import fsp from 'node:fs/promises';
import path from 'node:path';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { fixtureDir, rehash, tempDir, writeBackup } from '../restore/helpers.js';
import { putWal } from './helpers.js';

export const NO_FIXTURES = fixtureDir() === undefined;

/** Backups on March 1st..Nth 2026 at 10:00 UTC; the one of the 2nd is tagged "release". */
export async function localRepo(days: number, opts: { walFiles?: number } = {}): Promise<{ repo: string; ids: string[]; uuid: string }> {
  const repo = path.join(await tempDir('mgb-forget-'), 'repo');
  await fsp.mkdir(repo, { recursive: true });
  const ids: string[] = [];
  let uuid = '';
  for (let i = 1; i <= days; i++) {
    const id = `202603${String(i).padStart(2, '0')}T100000Z-${String(i).padStart(8, '0')}`;
    const { dir, manifest } = await writeBackup(repo, { id, withWal: true });
    await rehash(dir, (m) => {
      m.createdAt = `2026-03-${String(i).padStart(2, '0')}T10:00:00.000Z`;
      if (i === 2) m.tags = ['release'];
    });
    uuid = manifest.files[0]!.uuid;
    ids.push(id);
  }
  // Archived WAL of the backups' storage, all before their snapshot (the fixture's durable timestamp is small).
  const backend = new LocalBackend(repo);
  for (let i = 0; i < (opts.walFiles ?? 0); i++) await putWal(backend, uuid, 10 * i + 1, 10 * i + 9, i);
  return { repo, ids, uuid };
}

export interface Paused {
  child: ChildProcess;
  state: 'stopped' | 'exited';
  kill(): Promise<void>;
}

/** Starts `mgbackup args` and waits until it stopped itself at `step` (or exited without reaching it). */
export async function pausedAt(args: string[], step: string): Promise<Paused> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', MGBACKUP_PAUSE_AT_STEP: step }, stdio: 'ignore' });
  let done = false;
  const exited = new Promise<void>((resolve) => child.on('exit', () => { done = true; resolve(); }));
  const state = await stoppedOrExited(child.pid!, () => done);
  return { child, state, kill: async () => { if (!done) child.kill('SIGKILL'); await exited; } };
}

/** Every listed backup verifies and nothing is listed as broken: what a repository must look like after any crash. */
export async function listAndVerify(repo: string): Promise<{ ids: string[]; problems: string[] }> {
  const problems: string[] = [];
  const l = await runCli(['list', '--repo', repo, '--json']);
  if (l.code !== 0) problems.push(`list exit ${l.code}: ${l.stderr}`);
  const listing = JSON.parse(l.stdout || '{"backups":[],"broken":[]}') as { backups: { id: string }[]; broken: { id: string; problem: string }[] };
  for (const b of listing.broken) problems.push(`broken ${b.id}: ${b.problem}`);
  for (const b of listing.backups) {
    const v = await runCli(['verify', '--repo', repo, b.id]);
    if (v.code !== 0) problems.push(`verify ${b.id} exit ${v.code}: ${v.stderr}`);
  }
  return { ids: listing.backups.map((b) => b.id), problems };
}
