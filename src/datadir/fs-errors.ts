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

/** `flag` names the option that chose the path (e.g. '--repo', '--archive'), so hints point at it;
 *  without one the hints name no flag (a wrong flag sends the operator the wrong way). */
export function fsError(err: unknown, action: string, path: string, flag?: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const code = errnoOf(err);
  switch (code) {
    case 'ENOENT':
      return new MgBackupError('notFound', `cannot ${action} ${q(path)}: it does not exist`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: permission denied for user ${currentUser()}`, {
        cause: err,
        hints: [flag === undefined
          ? `run mgbackup as a user with access to ${q(path)} (for a Memgraph data directory: the memgraph user, uid 101 in Docker), or grant it`
          : `give that user access there, or choose another ${flag}`],
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: no space left on device`, {
        cause: err,
        hints: [flag === undefined ? 'free space on that filesystem' : `free space on that filesystem or choose another ${flag}`],
      });
    case 'EROFS':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: read-only filesystem`, {
        cause: err, ...(flag === undefined ? {} : { hints: [`choose another ${flag} on a writable filesystem`] }),
      });
    case 'EIO':
      return new MgBackupError('io', `cannot ${action} ${q(path)}: input/output error (EIO) from the device`, {
        cause: err, hints: ['check the disk and its kernel log (dmesg)'],
      });
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new MgBackupError('io', `cannot ${action} ${q(path)}: ${message}`, { cause: err });
    }
  }
}
