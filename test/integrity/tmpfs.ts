// Real full disks for tests: a small tmpfs mounted per test (we run as root in CI), filled until only a
// few KiB are free, and always unmounted in teardown. Where mounting is refused (no root, no
// CAP_SYS_ADMIN), the probe below says why and the tests that need it skip with that reason.
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function mount(dir: string, sizeKiB: number): string | undefined {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0777`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return `cannot run mount: ${r.error.message}`;
  if (r.status !== 0) return `mount -t tmpfs refused: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`}`;
  return undefined;
}

function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

/** Why a tmpfs cannot be mounted here, or undefined when it can (probed once, at load). */
export const TMPFS_REFUSED: string | undefined = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-tmpfs-probe-'));
  try {
    const why = mount(dir, 64);
    if (why === undefined) unmount(dir);
    return why;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();

/**
 * A mounted tmpfs of `sizeKiB` with only `freeBytes` (rounded to pages) left, by a filler file named
 * `filler`. Unmounted (and its mount point removed) in teardown.
 */
export function fullDisk(t: ExecutionContext, opts: { sizeKiB?: number; freeBytes?: number } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-full-'));
  const why = mount(dir, opts.sizeKiB ?? 256);
  if (why !== undefined) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(why);
  }
  t.teardown(() => {
    unmount(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const st = fs.statfsSync(dir);
  const free = Number(st.bavail) * Number(st.bsize);
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(Math.max(0, free - (opts.freeBytes ?? 4096))));
  return dir;
}

/** The names in `dir` other than the filler: what a failed command left behind. */
export function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n !== 'filler').sort();
}
