// argv -> (command, typed options). yargs never exits or prints by itself here: help and version
// text come back as output for the entry point to write, and every parse failure is a UsageError.
import type { Argv } from 'yargs';
import { UsageError, MgBackupError, q } from '../errors/errors.js';
import type { Args, CommandEntry, CommandSpec, GlobalOptions } from './command.js';
import { commandName, globalOptionsFrom, isLazyCommand } from './command.js';
import { kebab, outputOptions, withGroups, type OptionGroup } from './option-groups.js';
import { settingsFlags, type OptionFacts } from './settings.js';
import { closest } from './suggest.js';
import { helpWidth } from './prebuilt-help.js';
import { leanArgs } from './lean-args.js';

export type ParseResult =
  | { kind: 'run'; spec: CommandSpec<unknown>; options: unknown; globals: GlobalOptions }
  | { kind: 'output'; text: string };

export interface ParserInfo {
  version: string;
  /** Width the help text is laid out to; default helpWidth(process.stdout.columns). */
  helpWidth?: number;
  /** false: always parse with yargs, also the plain command lines lean-args.ts reads (for the tests). */
  lean?: boolean;
}

function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** What "did you mean" picks from: the command names, and the options of the command that runs. */
interface Candidates {
  commands: readonly string[];
  options: readonly string[];
}

function didYouMean(word: string, candidates: readonly string[], prefix = ''): string[] {
  const near = closest(word, candidates);
  return near === undefined ? [] : [`did you mean ${JSON.stringify(prefix + near)}?`];
}

export function unknownCommand(word: string, commands: readonly string[]): UsageError {
  return new UsageError(`unknown command ${JSON.stringify(word)}`, {
    hints: [...didYouMean(word, commands), 'see "mgbackup --help" for the list of commands'],
  });
}

/** yargs' messages -> our one-line usage error ("unknown argument "bogus""). */
function usageFromYargs(msg: string, argv: readonly string[], candidates: Candidates): UsageError {
  const firstPositional = argv.find((a) => !a.startsWith('-'));
  const single = /^Unknown argument: (.*)$/.exec(msg);
  if (single && single[1] === firstPositional) return unknownCommand(firstPositional, candidates.commands);
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknown) {
    const raw = unknown[1]!.split(', ');
    const names = raw.map((n) => (argv.includes(n) ? n : n.length > 1 ? `--${kebab(n)}` : `-${n}`));
    const hints = names.length === 1 && names[0]!.startsWith('--')
      ? didYouMean(names[0]!.slice(2), candidates.options, '--')
      : [];
    return new UsageError(`unknown ${names.length > 1 ? 'arguments' : 'argument'} ${names.map((n) => JSON.stringify(n)).join(', ')}`, { hints });
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
  if (cmd) return unknownCommand(cmd[1]!, candidates.commands);
  return new UsageError(lowerFirst(msg.replace(/\.$/, '')));
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

/**
 * The options a command takes (the global output options, its groups, its builder). Read by running
 * the same builders against a recorder of `.option()` calls rather than a second yargs instance, which
 * cost every command's start-up a few milliseconds. Builders declare options with `.option()` only.
 */
export function optionFacts(spec: Pick<CommandSpec<unknown>, 'command' | 'groups' | 'builder'>): OptionFacts {
  const names = new Set<string>();
  const booleans = new Set<string>();
  const arrays = new Set<string>();
  const aliases = new Map<string, string>();
  const defaults = new Map<string, unknown>();
  const record = (key: string, o: { type?: string; array?: boolean; alias?: string | string[]; default?: unknown } = {}) => {
    names.add(key);
    if (o.type === 'boolean') booleans.add(key);
    if (o.array) arrays.add(key);
    for (const a of o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias]) aliases.set(a, key);
    if ('default' in o && o.default !== undefined) defaults.set(key, o.default);
  };
  const recorder: Argv = new Proxy({} as Argv, {
    get: (_target, prop) => (prop === 'option' || prop === 'options')
      ? (key: string | Record<string, object>, o?: object) => {
        if (typeof key === 'string') record(key, o);
        else for (const [k, v] of Object.entries(key)) record(k, v);
        return recorder;
      }
      : () => recorder,
  });
  let y = withGroups(outputOptions(recorder), spec.groups);
  if (spec.builder) y = spec.builder(y);
  return { names, booleans, arrays, aliases, defaults };
}

/** The options of every shared group: the keys allowed at the top of a config file. */
export function sharedOptionNames(): ReadonlySet<string> {
  return optionFacts({ command: '', groups: ['connection', 'repository', 'metrics'] satisfies OptionGroup[] }).names;
}

/** The command that runs: the loaded one whose name comes first on the command line. */
function chosenSpec(commands: readonly CommandEntry[], argv: readonly string[]): CommandSpec<unknown> | undefined {
  for (const a of argv) {
    if (a === '--') break;
    const spec = commands.find((c) => !isLazyCommand(c) && commandName(c) === a);
    if (spec) return spec as CommandSpec<unknown>;
  }
  return undefined;
}

/**
 * Unknown flags, checked before yargs: yargs would take the word after an unknown flag as its value and
 * then report a missing positional instead ("verify --dep latest"). The hint names the nearest option.
 */
function checkFlags(argv: readonly string[], facts: OptionFacts): void {
  for (const a of argv) {
    if (a === '--') return;
    let name: string | undefined;
    const long = /^--([^=]+)/.exec(a);
    if (long) {
      name = kebab(long[1]!);
      if (name.startsWith('no-') && facts.booleans.has(name.slice(3))) continue;
    } else if (/^-[A-Za-z]/.test(a)) {
      for (const c of a.slice(1).split('=')[0]!) {
        if (!facts.aliases.has(c) && !facts.names.has(c) && c !== 'h') throw new UsageError(`unknown argument ${JSON.stringify(`-${c}`)}`);
      }
      continue;
    }
    if (name === undefined || facts.names.has(name) || facts.aliases.has(name) || name === 'help' || name === 'version') continue;
    throw new UsageError(`unknown argument ${JSON.stringify(`--${name}`)}`, { hints: didYouMean(name, [...facts.names], '--') });
  }
}

/**
 * The "Examples:" block of `CMD --help`, appended to yargs' text rather than given to `.example()`:
 * yargs lays every help cell out through cliui/string-width, which made `create --help` measurably slower
 * (start-up time, scripts/bench/startup.ts); these lines need no layout.
 */
export function examplesText(spec: Pick<CommandSpec<unknown>, 'examples'>): string {
  if (!spec.examples?.length) return '';
  return '\nExamples:\n' + spec.examples.map(([cmd, what]) => `  # ${what}\n  ${cmd}\n`).join('');
}

function commandBuilder(spec: CommandSpec<unknown>) {
  return (y: Argv): Argv => {
    y = withGroups(y, spec.groups);
    if (spec.builder) y = spec.builder(y);
    return y;
  };
}

export async function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv,
  table: readonly CommandEntry[],
  info: ParserInfo,
  cwd: string = process.cwd(),
): Promise<ParseResult> {
  argv = joinDashValues(argv);
  const commandNames = table.map((c) => commandName(c));
  const commands = await loadNamedCommands(table, argv);
  const chosen = chosenSpec(commands, argv);
  const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
  let facts: OptionFacts | undefined;
  // `CMD --help` needs neither (start-up time): yargs renders the help from the command's builder.
  if (chosen && !wantsHelp) {
    facts = optionFacts(chosen);
    checkFlags(argv, facts);
    {
      // Values from the environment and the config file go in right after the command word.
      const extra = settingsFlags({
        argv, env, cwd, command: commandName(chosen), facts,
        commandNames: new Set(commandNames), sharedOptions: sharedOptionNames,
      });
      const at = argv.indexOf(commandName(chosen)) + 1;
      argv = [...argv.slice(0, at), ...extra, ...argv.slice(at)];
    }
    // A plain command line of a simple command is read without loading yargs (start-up time); the
    // rest, every error included, goes through yargs below.
    const args = info.lean === false ? undefined : leanArgs(argv, chosen);
    if (args !== undefined) {
      return { kind: 'run', spec: chosen, options: chosen.toOptions(args, env), globals: globalOptionsFrom(args) };
    }
  } else if (!chosen) {
    // `mgbackup creat`: the first word names no command. Say so with the nearest one, before yargs
    // reports the word as an unknown argument.
    const first = argv.find((a) => !a.startsWith('-'));
    if (first !== undefined && !commandNames.includes(first)) throw unknownCommand(first, commandNames);
  }
  const candidates: Candidates = { commands: commandNames, options: facts ? [...facts.names] : ['json', 'quiet', 'verbose', 'progress', 'log-file', 'config', 'help', 'version'] };
  let selected: { spec: CommandSpec<unknown>; args: Args } | undefined;
  const { loadYargs } = await import('./yargs-loader.js');
  const yargs = await loadYargs({ layout: wantsHelp });
  let parser = outputOptions(
    yargs()
      .scriptName('mgbackup')
      .usage('mgbackup <command> [options]\n\nSafe backup, restore and export for Memgraph.')
      .strict()
      .exitProcess(false)
      .version(info.version)
      .help()
      .alias('help', 'h')
      .wrap(info.helpWidth ?? helpWidth(process.stdout.columns))
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
    parser = parser.command(spec.command, spec.describe, commandBuilder(spec), (args) => {
      selected = { spec, args: args as Args };
      // yargs has validated argv by now. Stop it here: after a handler returns it renders the whole
      // help text to cache it for a later showHelp() we never call, which cost more than the rest of
      // `inspect`'s start-up (cliui/string-width, scripts/bench/startup.ts).
      throw COMMAND_CHOSEN;
    });
  }
  let failure: Error | undefined;
  parser = parser.fail((msg, err) => {
    failure = err && !msg ? err : usageFromYargs(msg ?? String(err), argv, candidates);
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
    throw usageFromYargs(err instanceof Error ? err.message : String(err), argv, candidates);
  });

  if (!selected && output === '') {
    throw new UsageError('no command given', { hints: ['see "mgbackup --help" for the list of commands'] });
  }
  if (!selected) {
    let text = output.endsWith('\n') || output === '' ? output : `${output}\n`;
    if (chosen && wantsHelp) text += examplesText(chosen);
    return { kind: 'output', text };
  }
  restoreRawNumbers(selected.args, argv);
  return {
    kind: 'run',
    spec: selected.spec,
    options: selected.spec.toOptions(selected.args, env),
    globals: globalOptionsFrom(selected.args),
  };
}
