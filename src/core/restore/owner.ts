// Who must own the restored files. Memgraph skips unreadable durability files with only a warning and
// refuses to start unless it owns the data directory root (memgraph-semantics §2, §8), so restore sets
// the owner of everything it writes: --owner, else 101:103 (the Docker image's memgraph user) for a
// container or a directory owned by uid 101, else the owner of the existing data directory.
import fsp from 'node:fs/promises';
import { MgBackupError, UsageError, q } from '../../errors/errors.js';
import type { Owner } from './plan.js';

export const DOCKER_MEMGRAPH_OWNER: Owner = { uid: 101, gid: 103 };

/** uid:gid of a user from an /etc/passwd text. */
export function lookupPasswd(passwd: string, user: string): Owner | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * Parses --owner: 'memgraph' (the host's memgraph user, else the Docker image's 101:103), 'UID' (group
 * = uid) or 'UID:GID'.
 */
export function parseOwner(spec: string, passwd: string): Owner {
  if (spec === 'memgraph') return lookupPasswd(passwd, 'memgraph') ?? DOCKER_MEMGRAPH_OWNER;
  const m = /^(\d+)(?::(\d+))?$/.exec(spec);
  if (m) return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
  const named = /^([a-z_][a-z0-9_-]*)(?::(\d+))?$/i.exec(spec);
  const found = named ? lookupPasswd(passwd, named[1]!) : undefined;
  if (found) return { uid: found.uid, gid: named![2] !== undefined ? Number(named![2]) : found.gid };
  throw new UsageError(`bad --owner ${q(spec)}`, { hints: ['use --owner memgraph, --owner UID or --owner UID:GID (e.g. 101:103)'] });
}

export interface OwnerContext {
  /** Explicit --owner. */
  explicit: Owner | undefined;
  container: boolean;
  /** Owner of the existing data directory root; undefined when it does not exist yet. */
  dataDirOwner: Owner | undefined;
  /** Effective uid of this process (undefined on platforms without one). */
  euid: number | undefined;
}

/** The owner to set, or undefined to leave files as written (not root and no owner asked for). */
export function chooseOwner(c: OwnerContext): Owner | undefined {
  const wanted = c.explicit
    ?? (c.container || c.dataDirOwner?.uid === DOCKER_MEMGRAPH_OWNER.uid ? DOCKER_MEMGRAPH_OWNER : c.dataDirOwner);
  if (wanted === undefined) return undefined;
  if (c.euid === 0 || c.euid === undefined) return wanted;
  if (wanted.uid === c.euid) return wanted;
  if (c.explicit) {
    throw new MgBackupError('io', `cannot set owner ${wanted.uid}:${wanted.gid}: only root can give files away (running as uid ${c.euid})`, {
      hints: ['run restore as root (sudo), or as the user Memgraph runs as, or drop --owner'],
    });
  }
  // Not root and not asked: the files stay ours with mode 0644, readable by the server's user.
  return undefined;
}

export async function ownerOf(p: string): Promise<Owner | undefined> {
  try {
    const st = await fsp.stat(p);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}
