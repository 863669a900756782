// --password-file: the password is the file's first line (a trailing newline is not part of it).
// A file that group or others may read still works, with a warning: the password is only as secret
// as the file. The password itself is never printed, also not in errors.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MgBackupError, UsageError, q } from '../errors/errors.js';

export function readPasswordFile(file: string, cwd: string, warn: (message: string) => void): string {
  const at = path.resolve(cwd, file);
  let text: string;
  let mode: number;
  try {
    mode = statSync(at).mode;
    text = readFileSync(at, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot read --password-file ${q(file)}: ${code}`, { cause: e });
  }
  if ((mode & 0o077) !== 0) {
    warn(`--password-file ${q(file)} can be read by ${(mode & 0o007) !== 0 ? 'other users' : 'its group'} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 ${file}`);
  }
  const password = text.split(/\r?\n/, 1)[0]!;
  if (password === '') throw new UsageError(`--password-file ${q(file)} is empty`, { hints: ['write the password on its first line'] });
  return password;
}
