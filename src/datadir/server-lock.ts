// Is a Memgraph server holding this data directory? Memgraph takes a POSIX fcntl(F_SETLK, F_WRLCK) lock
// on `<dir>/.lock` (memgraph-semantics §2, utils/file.cpp). Node has no fcntl and flock(2) does not see
// fcntl locks, so a small N-API addon (native/, built at npm install) asks the kernel about the lock on
// the file itself with F_OFD_GETLK. That answer covers holders in every PID namespace: a Memgraph in
// another container, mgbackup in a Kubernetes Job. When the addon is not built or cannot be loaded,
// the kernel's lock table in /proc/locks is read instead, with a warning: it lists only the locks of
// processes in the reader's PID namespace (and its children).
import { createRequire } from 'node:module';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q } from '../errors/errors.js';
import { errnoOf, fsError } from './fs-errors.js';

export const LOCK_FILE = '.lock';

export interface ProcLock {
  /** POSIX (fcntl/lockf), FLOCK, OFDLCK, LEASE, ... */
  type: string;
  access: 'READ' | 'WRITE' | string;
  /** -1 for OFD locks, which belong to an open file, not a process. */
  pid: number;
  major: number;
  minor: number;
  inode: bigint;
  /** True for a waiter line ("-> ..."), which does not hold the lock. */
  blocked: boolean;
}

/** Parses /proc/locks: `1: POSIX  ADVISORY  WRITE 9437 fe:00:2146413 0 EOF`. Unknown lines are skipped. */
export function parseProcLocks(text: string): ProcLock[] {
  const out: ProcLock[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+:\s+(->\s+)?(\S+)\s+(?:ADVISORY|MANDATORY)\s+(\S+)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/i.exec(line);
    if (!m) continue;
    out.push({
      type: m[2]!,
      access: m[3]!,
      pid: Number(m[4]),
      major: parseInt(m[5]!, 16),
      minor: parseInt(m[6]!, 16),
      inode: BigInt(m[7]!),
      blocked: m[1] !== undefined,
    });
  }
  return out;
}

/** Linux dev_t -> (major, minor), as glibc's gnu_dev_major/minor split it. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return { major, minor };
}

export interface LockHolder {
  pid: number;
  type: string;
  /** False when only the inode matched (overlay filesystems report the lower device in /proc/locks). */
  deviceMatched: boolean;
  /** How it was found: F_OFD_GETLK, F_GETLK, or /proc/locks (absent). */
  method?: string;
}

export interface ServerLockProbe {
  /** Text of the kernel lock table; when given, only it is consulted. Tests pass their own. */
  procLocks?: string;
  /** The addon to ask; undefined loads it, null skips it (falls back to /proc/locks). */
  native?: NativeBinding | null;
  /** Where a fallback warning goes. */
  warn?: (message: string) => void;
}

/** The functions of native/mgbackup_native.c. */
export interface NativeBinding {
  /** A conflicting lock on the file, or null; pid 0 = a holder outside this PID namespace, -1 = an OFD lock. */
  lockHolder(file: string): { access: string; pid: number; method: string } | null;
  /** renameat2(RENAME_EXCHANGE): swaps two paths atomically. */
  renameExchange(a: string, b: string): void;
}

let loaded: { binding: NativeBinding | undefined; error: string | undefined } | undefined;

/** Loads the addon once, lazily; never throws (the reason is kept for the warning). */
export function loadNative(): { binding: NativeBinding | undefined; error: string | undefined } {
  if (loaded) return loaded;
  // dist/src/datadir/server-lock.js -> <package>/build/Release/ (node-gyp's output).
  const file = new URL('../../../build/Release/mgbackup_native.node', import.meta.url);
  try {
    loaded = { binding: createRequire(import.meta.url)(file.pathname) as NativeBinding, error: undefined };
  } catch (err) {
    loaded = { binding: undefined, error: (err as Error).message.split('\n')[0] };
  }
  return loaded;
}

/**
 * The process holding a write lock on `<storageRoot>/.lock`, or undefined. A missing `.lock` means no
 * Memgraph ever ran there (or it was removed): nobody can hold it. An inode-only match counts as held,
 * because refusing wrongly costs a re-run while racing a server loses data.
 */
export async function findLockHolder(storageRoot: string, probe: ServerLockProbe = {}): Promise<LockHolder | undefined> {
  const lockPath = path.join(storageRoot, LOCK_FILE);
  let st;
  try {
    st = await fsp.stat(lockPath, { bigint: true });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fsError(err, 'stat', lockPath);
  }
  let table = probe.procLocks;
  if (table === undefined) {
    const native = probe.native === undefined ? loadNative().binding : probe.native ?? undefined;
    let why = probe.native === null ? 'disabled' : loadNative().error ?? 'not built';
    if (native) {
      try {
        const held = native.lockHolder(lockPath);
        if (held === null) return undefined;
        return { pid: held.pid, type: held.pid === -1 ? 'OFD' : 'POSIX', deviceMatched: true, method: held.method };
      } catch (err) {
        why = (err as Error).message;
      }
    }
    probe.warn?.(`the fcntl lock probe is not available (${why}); read /proc/locks instead, which does not list a server in another PID namespace (container)`);
    try {
      table = await fsp.readFile('/proc/locks', 'utf8');
    } catch (err) {
      throw new MgBackupError('busy', `cannot tell whether a server holds ${q(lockPath)}: /proc/locks is unreadable`, {
        cause: err,
        hints: ['stop Memgraph and run mgbackup on the machine (kernel) that runs it, where /proc/locks lists its lock'],
      });
    }
  }
  const { major, minor } = splitDev(st.dev);
  let inodeOnly: LockHolder | undefined;
  for (const l of parseProcLocks(table)) {
    if (l.blocked || l.access !== 'WRITE' || l.inode !== st.ino) continue;
    const deviceMatched = l.major === major && l.minor === minor;
    if (deviceMatched) return { pid: l.pid, type: l.type, deviceMatched };
    inodeOnly ??= { pid: l.pid, type: l.type, deviceMatched };
  }
  return inodeOnly;
}

/** Throws 'busy' when a process holds the directory's lock. */
export async function assertNoServerHolds(storageRoot: string, probe: ServerLockProbe = {}): Promise<void> {
  const holder = await findLockHolder(storageRoot, probe);
  if (!holder) return;
  const lockPath = path.join(storageRoot, LOCK_FILE);
  const who = holder.pid > 0 ? `process ${holder.pid}`
    : holder.pid === 0 ? 'a process in another PID namespace, e.g. another container' : 'an open file description';
  throw new MgBackupError('busy', `a running server holds ${q(lockPath)} (${holder.type} write lock by ${who})`, {
    hints: [
      'stop Memgraph first (systemctl stop memgraph, or docker stop <container>), then run restore again',
      'to restore into a running server use --online --force (RECOVER SNAPSHOT)',
    ],
    details: { lockFile: lockPath, pid: holder.pid, deviceMatched: holder.deviceMatched },
  });
}
