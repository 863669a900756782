// Where a flag's value comes from when it is not on the command line: first the environment
// (MGBACKUP_<FLAG>, e.g. MGBACKUP_DATA_DIR for --data-dir), then the config file, then the default.
// The values found are handed to yargs as if typed (`--data-dir=...`) after the command word, so they
// are checked, typed and shown in errors exactly like flags. Precedence: flag > env > file > default.
//
// The config file is JSON: --config FILE, else $MGBACKUP_CONFIG, else $XDG_CONFIG_HOME/mgbackup/config.json
// ($HOME/.config/... when XDG_CONFIG_HOME is unset). A missing default file is no config; a missing
// named one is an error. Top-level keys are the shared options (uri, user, password-file, database,
// repo, metrics-file, json, quiet, verbose, progress, log-file) and apply to every command that has them;
// an object under a command's name holds that command's own options:
//   { "repo": "/backups", "uri": "bolt://db:7687", "create": { "data-dir": "/var/lib/memgraph", "tag": ["nightly"] } }
// Anything else is refused (exit 2) naming the key, so a typo does not silently lose a setting.
// A password is never taken from the config file: it names a --password-file instead.
import path from 'node:path';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { closest } from './suggest.js';
import { kebab } from './option-groups.js';

// node:fs through getBuiltinModule, not an ESM import: the first ESM import of node:fs evaluates every
// export, ReadStream's stream modules included (~5 ms of each start-up; issue 14, scripts/bench/startup.ts).
const { readFileSync } = process.getBuiltinModule('node:fs');

/** What yargs knows about the options of the command that runs (from getOptions()). */
export interface OptionFacts {
  /** kebab-case option names (positionals, help, version excluded). */
  names: ReadonlySet<string>;
  booleans: ReadonlySet<string>;
  arrays: ReadonlySet<string>;
  /** alias -> option name (e.g. o -> output). */
  aliases: ReadonlyMap<string, string>;
  defaults: ReadonlyMap<string, unknown>;
}

/** Not taken from env or file: the password (MEMGRAPH_PASSWORD or --password-file) and --config itself. */
const NEVER_FROM_SETTINGS = new Set(['password', 'config', 'help', 'version']);

export function envName(option: string): string {
  return `MGBACKUP_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** The option names the command line already sets (before any `--`). */
function namesOnArgv(argv: readonly string[], facts: OptionFacts): Set<string> {
  const given = new Set<string>();
  for (const a of argv) {
    if (a === '--') break;
    let m = /^--([^=]+)/.exec(a);
    if (m) {
      let name = kebab(m[1]!);
      if (name.startsWith('no-') && facts.booleans.has(name.slice(3))) name = name.slice(3);
      given.add(facts.aliases.get(name) ?? name);
      continue;
    }
    m = /^-([A-Za-z]+)$/.exec(a);
    if (m) for (const c of m[1]!) given.add(facts.aliases.get(c) ?? c);
  }
  return given;
}

export function configPath(argv: readonly string[], env: NodeJS.ProcessEnv): { file: string; explicit: boolean } | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === '--config') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('-')) throw new UsageError('--config needs a file', { hints: ['give the path of a JSON config file'] });
      return { file: v, explicit: true };
    }
    if (argv[i]!.startsWith('--config=')) return { file: argv[i]!.slice('--config='.length), explicit: true };
  }
  if (env.MGBACKUP_CONFIG) return { file: env.MGBACKUP_CONFIG, explicit: true };
  const base = env.XDG_CONFIG_HOME || (env.HOME ? path.join(env.HOME, '.config') : undefined);
  return base ? { file: path.join(base, 'mgbackup', 'config.json'), explicit: false } : undefined;
}

export function readConfig(where: { file: string; explicit: boolean }, cwd: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, where.file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The default location may sit in a home this user cannot enter (sudo -u keeps HOME=/root): no config.
    if (!where.explicit && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES')) return undefined;
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot read config file ${q(where.file)}: ${code ?? String(e)}`, {
      hints: ['check --config / MGBACKUP_CONFIG'],
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${q(where.file)} is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`config file ${q(where.file)} must hold one JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function flagsFor(name: string, value: unknown, facts: OptionFacts, origin: string): string[] {
  const bad = (what: string) => new UsageError(`${origin}: ${q(name)} must be ${what}, not ${JSON.stringify(value)}`);
  if (facts.booleans.has(name)) {
    if (typeof value === 'boolean') return [value ? `--${name}` : `--no-${name}`];
    if (typeof value === 'string' && /^(1|true|yes)$/i.test(value)) return [`--${name}`];
    if (typeof value === 'string' && /^(0|false|no|)$/i.test(value)) return [`--no-${name}`];
    throw bad('true or false');
  }
  const scalar = (v: unknown) => {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return `--${name}=${v}`;
    throw bad(facts.arrays.has(name) ? 'a string or a list of strings' : 'a string or a number');
  };
  if (Array.isArray(value)) {
    if (!facts.arrays.has(name)) throw bad('a string or a number');
    return value.map(scalar);
  }
  return [scalar(value)];
}

export interface SettingsInput {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  command: string;
  /** The options of the command that runs. */
  facts: OptionFacts;
  /** Every command's name, and the options of the shared groups (allowed at the top of the file;
   *  a function: they are worked out only when there is a config file). */
  commandNames: ReadonlySet<string>;
  sharedOptions: () => ReadonlySet<string>;
}

/** The flags to add to the command line, from the environment and the config file. */
export function settingsFlags(input: SettingsInput): string[] {
  const { facts } = input;
  const given = namesOnArgv(input.argv, facts);
  const out: string[] = [];
  for (const name of facts.names) {
    if (given.has(name) || NEVER_FROM_SETTINGS.has(name)) continue;
    const value = input.env[envName(name)];
    if (value === undefined) continue;
    out.push(...flagsFor(name, value, facts, `environment variable ${envName(name)}`));
    given.add(name);
  }
  const where = configPath(input.argv, input.env);
  const config = where && readConfig(where, input.cwd);
  if (!config || !where) return out;
  const origin = `config file ${q(where.file)}`;
  const shared = input.sharedOptions();
  const refuse = (key: string, hints: string[]) => new UsageError(`${origin}: unknown key ${q(key)}`, { hints });
  const fromFile = new Map<string, unknown>();
  for (const [key, value] of Object.entries(config)) {
    if (key === 'password') throw new UsageError(`${origin}: ${q('password')} is not read from a config file`, { hints: ['name a file holding only the password: "password-file"'] });
    if (input.commandNames.has(key)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${origin}: ${q(key)} must be an object of ${key}'s options`);
      if (key !== input.command) continue;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k === 'password') throw new UsageError(`${origin}: ${q(`${key}.password`)} is not read from a config file`, { hints: ['name a file holding only the password: "password-file"'] });
        const near = closest(k, [...facts.names].filter((n) => !NEVER_FROM_SETTINGS.has(n)));
        if (!facts.names.has(k) || NEVER_FROM_SETTINGS.has(k)) throw refuse(`${key}.${k}`, [...(near === undefined ? [] : [`did you mean ${q(`${key}.${near}`)}?`]), `mgbackup ${key} has no option --${k}; see "mgbackup ${key} --help"`]);
        fromFile.set(k, v);
      }
      continue;
    }
    if (!shared.has(key) || NEVER_FROM_SETTINGS.has(key)) {
      const near = closest(key, [...shared, ...input.commandNames].filter((k) => !NEVER_FROM_SETTINGS.has(k)));
      throw refuse(key, [...(near === undefined ? [] : [`did you mean ${q(near)}?`]), `top-level keys are the shared options (${[...shared].filter((k) => !NEVER_FROM_SETTINGS.has(k)).join(', ')}); a command's own options go under its name, e.g. {"create": {"data-dir": "..."}}`]);
    }
    // A command section wins over the top level: it is the more specific setting.
    if (facts.names.has(key) && !fromFile.has(key)) fromFile.set(key, value);
  }
  for (const [name, value] of fromFile) {
    if (given.has(name)) continue;
    out.push(...flagsFor(name, value, facts, origin));
  }
  return out;
}
