// mgbackup's own version, read from package.json; kept apart so `--version` needs nothing else.
import { readFileSync } from 'node:fs';

export function mgbackupVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
