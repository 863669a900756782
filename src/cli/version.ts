// mgbackup's own version, read from package.json; kept apart so `--version` needs nothing else.
// node:fs through getBuiltinModule, not an ESM import: the first ESM import of node:fs evaluates every
// export, ReadStream's stream modules included (~5 ms of each start-up; issue 14, scripts/bench/startup.ts).
const { readFileSync } = process.getBuiltinModule('node:fs');

export function mgbackupVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
