// Turns Node fs errors into the project's typed errors, naming the path and (for permissions) the user
// we run as, since "permission denied" alone does not tell the operator which account needs access.
import os from 'node:os';
import { MgBackupError, q } from '../errors/errors.js';

export function currentUser(): string {
  try {
    const info = os.userInfo();
    return `${info.username} (uid ${info.uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function fsError(err: unknown, action: string, path: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const code = errnoOf(err);
  switch (code) {
    case 'ENOENT':
      return new MgBackupError('notFound', `cannot ${action} ${q(path)}: it does not exist`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: permission denied for user ${currentUser()}`, {
        cause: err,
        hints: ['run mgbackup as a user that can read the data directory (e.g. the memgraph user, uid 101 in Docker) or grant read access'],
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: no space left on device`, {
        cause: err,
        hints: ['free space on that filesystem or choose another --repo'],
      });
    case 'EROFS':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: read-only filesystem`, { cause: err });
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new MgBackupError('io', `cannot ${action} ${q(path)}: ${message}`, { cause: err });
    }
  }
}
