// argv -> (command, typed options). yargs never exits or prints by itself here: help and version
// text come back as output for the entry point to write, and every parse failure is a UsageError.
import yargs, { type Argv } from 'yargs';
import { UsageError, MgBackupError, q } from '../errors/errors.js';
import type { Args, CommandEntry, CommandSpec, GlobalOptions } from './command.js';
import { DEFAULT_URI, commandName, globalOptionsFrom, isLazyCommand } from './command.js';

export type ParseResult =
  | { kind: 'run'; spec: CommandSpec<unknown>; options: unknown; globals: GlobalOptions }
  | { kind: 'output'; text: string };

export interface ParserInfo {
  version: string;
}

function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** yargs' messages -> our one-line usage error ("unknown argument "bogus""). */
function usageFromYargs(msg: string, argv: readonly string[] = []): UsageError {
  const firstPositional = argv.find((a) => !a.startsWith('-'));
  const single = /^Unknown argument: (.*)$/.exec(msg);
  if (single && single[1] === firstPositional) {
    return new UsageError(`unknown command ${JSON.stringify(firstPositional)}`, { hints: ['see "mgbackup --help" for the list of commands'] });
  }
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const names = unknown[1]!.split(', ').map((n) =>
      JSON.stringify(argv.includes(n) ? n : n.length > 1 ? `--${n}` : `-${n}`));
    return new UsageError(`unknown ${names.length > 1 ? 'arguments' : 'argument'} ${names.join(', ')}`);
  }
  // yargs' `choices` failure is several lines ("Invalid values:\n  Argument: compress, Given: ..."): one line.
  const choice = /^Invalid values?:\s*\n\s*Argument: ([^,]+), Given: (.*), Choices: (.*)$/m.exec(msg);
  if (choice) {
    const flag = choice[1]!.length > 1 ? `--${choice[1]}` : `-${choice[1]}`;
    const given = choice[2]!.startsWith('"') ? choice[2]! : JSON.stringify(choice[2]);
    const choices = choice[3]!.split(', ').map((c) => c.replace(/^"(.*)"$/, '$1')).join(', ');
    return new UsageError(`invalid ${flag} ${given}`, { hints: [`${flag} takes one of: ${choices}`] });
  }
  const cmd = /^Unknown command: (.*)$/.exec(msg);
  if (cmd) return new UsageError(`unknown command ${JSON.stringify(cmd[1])}`);
  return new UsageError(lowerFirst(msg.replace(/\.$/, '')));
}

function globalFlags(y: Argv): Argv {
  return y
    .option('uri', { type: 'string', describe: `Bolt URI of the server (bolt://, bolt+s://, bolt+ssc://)`, default: DEFAULT_URI, global: true, group: 'Connection:' })
    .option('user', { type: 'string', describe: 'user name (env MEMGRAPH_USER)', global: true, group: 'Connection:' })
    .option('password', { type: 'string', describe: 'password (env MEMGRAPH_PASSWORD); give the flag without a value to be prompted', global: true, group: 'Connection:' })
    .option('database', { type: 'string', describe: 'tenant database (default: the server default)', global: true, group: 'Connection:' })
    .option('json', { type: 'boolean', describe: 'machine-readable result on stdout, errors as JSON on stderr', global: true, group: 'Output:' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'no warnings or progress on stderr', global: true, group: 'Output:' })
    .option('verbose', { type: 'boolean', describe: 'narrate each step on stderr, also when it is not a terminal', global: true, group: 'Output:' })
    .option('progress', { type: 'boolean', describe: 'show progress on stderr even when it is not a terminal', global: true, group: 'Output:' });
}

/** Flags whose value may be "-" (stdout/stdin). yargs-parser reads a lone "-" as a positional, so
 *  `--archive -` is joined into `--archive=-` before parsing. */
const DASH_VALUE_FLAGS = new Set(['--archive', '--output', '-o']);

function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (DASH_VALUE_FLAGS.has(argv[i]!) && argv[i + 1] === '-') {
      out.push(`${argv[i]}=-`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

/**
 * yargs turns a non-numeric value of a `type: 'number'` flag into NaN, and the error would quote "NaN".
 * Put back what the user typed (`--batch-size=abc`, `--batch-size abc`), so toOptions can quote it.
 */
function restoreRawNumbers(args: Args, argv: readonly string[]): void {
  for (const [key, value] of Object.entries(args)) {
    if (typeof value !== 'number' || !Number.isNaN(value) || key.length < 2) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    let raw: string | undefined;
    argv.forEach((a, i) => {
      if (a.startsWith(`${flag}=`)) raw = a.slice(flag.length + 1);
      else if (a === flag && i + 1 < argv.length) raw = argv[i + 1];
    });
    if (raw === undefined) continue;
    const camel = key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const k of new Set([key, camel, kebab])) if (k in args) args[k] = raw;
  }
}

/** Thrown from a command's handler to end yargs' work once the command and its arguments are known. */
const COMMAND_CHOSEN = Object.freeze(new Error('command chosen'));

/** Imports the modules of the commands named on the command line; the others stay table entries. */
async function loadNamedCommands(commands: readonly CommandEntry[], argv: readonly string[]): Promise<CommandEntry[]> {
  const words = new Set(argv.filter((a) => !a.startsWith('-')));
  return Promise.all(commands.map(async (c) => (isLazyCommand(c) && words.has(commandName(c)) ? c.load() : c)));
}

export async function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv,
  table: readonly CommandEntry[],
  info: ParserInfo,
): Promise<ParseResult> {
  argv = joinDashValues(argv);
  const commands = await loadNamedCommands(table, argv);
  let selected: { spec: CommandSpec<unknown>; args: Args } | undefined;
  let parser = globalFlags(
    yargs()
      .scriptName('mgbackup')
      .usage('mgbackup <command> [options]\n\nSafe backup, restore and export for Memgraph.')
      .strict()
      .exitProcess(false)
      .version(info.version)
      .help()
      .alias('help', 'h')
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      ,
  );
  for (const entry of commands) {
    if (isLazyCommand(entry)) {
      // Only its line in the command list is needed: yargs runs a command only when argv names it,
      // and then loadNamedCommands has loaded it.
      parser = parser.command(entry.command, entry.describe, (y) => y, () => {
        throw new MgBackupError('internal', `command ${q(commandName(entry))} was selected but not loaded`);
      });
      continue;
    }
    const spec = entry as CommandSpec<unknown>;
    parser = parser.command(spec.command, spec.describe, (y) => (spec.builder ? spec.builder(y) : y), (args) => {
      selected = { spec, args: args as Args };
      // yargs has validated argv by now. Stop it here: after a handler returns it renders the whole
      // help text to cache it for a later showHelp() we never call, which cost more than the rest of
      // `inspect`'s start-up (cliui/string-width, scripts/bench/startup.ts).
      throw COMMAND_CHOSEN;
    });
  }
  let failure: Error | undefined;
  parser = parser.fail((msg, err) => {
    failure = err && !msg ? err : usageFromYargs(msg ?? String(err), argv);
    throw failure;
  });

  const output = await new Promise<string>((resolve, reject) => {
    try {
      void parser.parse(argv, {}, (err: Error | undefined, _args: unknown, out: string) => {
        if (err === COMMAND_CHOSEN) resolve('');
        else if (err) reject(failure ?? err);
        else resolve(out);
      });
    } catch (err) {
      if (err === COMMAND_CHOSEN) resolve('');
      else reject(failure ?? err);
    }
  }).catch((err: unknown) => {
    if (err instanceof MgBackupError) throw err;
    throw usageFromYargs(err instanceof Error ? err.message : String(err), argv);
  });

  if (!selected && output === '') {
    throw new UsageError('no command given', { hints: ['see "mgbackup --help" for the list of commands'] });
  }
  if (!selected) return { kind: 'output', text: output.endsWith('\n') || output === '' ? output : `${output}\n` };
  restoreRawNumbers(selected.args, argv);
  return {
    kind: 'run',
    spec: selected.spec,
    options: selected.spec.toOptions(selected.args, env),
    globals: globalOptionsFrom(selected.args),
  };
}
