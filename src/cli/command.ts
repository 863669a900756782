// The shape every command file fills in: yargs flags in, a typed XxxOptions out, then runXxx.
import type { Argv } from 'yargs';
import type { ExitKind } from '../errors/codes.js';
import type { CommandContext } from './context.js';
import type { ConnectionOptions } from '../bolt/graph-client.js';
import { parseBoltUri } from '../bolt/bolt-uri.js';
import { UsageError, q } from '../errors/errors.js';
import { DEFAULT_URI, type OptionGroup } from './option-groups.js';

export { DEFAULT_URI, type OptionGroup };

/** Parsed argv as yargs hands it over (camelCase keys included). */
export type Args = Record<string, unknown> & { _: (string | number)[] };

export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
  logFile: string | undefined;
  /** --metrics-file (commands in the 'metrics' group). */
  metricsFile: string | undefined;
}

export interface CommandSpec<O> {
  /** yargs command syntax, e.g. 'verify <backup>'. */
  command: string;
  describe: string;
  /**
   * The shared option groups this command takes (src/cli/option-groups.ts): 'connection' for a command
   * that talks to a server, 'repository' for one that reads or writes a backup repository, 'metrics' for
   * one that writes --metrics-file. Added before `builder`; the output options are always there.
   */
  groups?: readonly OptionGroup[];
  /** `mgbackup CMD --help` examples: [command line, what it does]. */
  examples?: readonly (readonly [string, string])[];
  builder?: (y: Argv) => Argv;
  /** Flags -> typed options; throws UsageError for bad values. */
  toOptions(args: Args, env: NodeJS.ProcessEnv): O;
  run(opts: O, ctx: CommandContext): Promise<ExitKind | void>;
}

export function defineCommand<O>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/**
 * A command table entry whose module is imported only when its command is named on the command line:
 * the usage line and description are all `--help` needs, and each module pulls in its own heavy parts
 * (driver, archive, decoders). `command` and `describe` must equal the module's (test/cli/command-table).
 */
export interface LazyCommand {
  command: string;
  describe: string;
  load(): Promise<CommandSpec<any>>;
}

export type CommandEntry = CommandSpec<any> | LazyCommand;

export function isLazyCommand(entry: CommandEntry): entry is LazyCommand {
  return 'load' in entry;
}

/** The command's name: the first word of its yargs syntax ('load [file]' -> 'load'). */
export function commandName(entry: { command: string }): string {
  return entry.command.split(' ')[0]!;
}

export function globalOptionsFrom(args: Args): GlobalOptions {
  return {
    json: args.json === true,
    quiet: args.quiet === true,
    verbose: args.verbose === true,
    progress: args.progress === true,
    logFile: typeof args.logFile === 'string' && args.logFile !== '' ? args.logFile : undefined,
    metricsFile: typeof args.metricsFile === 'string' && args.metricsFile !== '' ? args.metricsFile : undefined,
  };
}

/**
 * Connection flags with their fallbacks: credentials in the URI (bolt://user:password@host) count like
 * --user/--password and win over MEMGRAPH_USER / MEMGRAPH_PASSWORD; giving one both ways is a usage
 * error. The URI kept in the options carries no credentials, so nothing downstream can print them.
 */
export function connectionFrom(args: Args, env: NodeJS.ProcessEnv): ConnectionOptions {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const passwordFlag = str(args.password);
  const userFlag = str(args.user);
  const uri = parseBoltUri(str(args.uri) ?? DEFAULT_URI);
  const conn: ConnectionOptions = { uri: uri.address };
  if (uri.user !== undefined && userFlag !== undefined) {
    throw new UsageError(`the user is given twice: in --uri and with --user ${q(userFlag)}`, { hints: ['give it in one place only'] });
  }
  if (uri.password !== undefined && passwordFlag !== undefined) {
    throw new UsageError('the password is given twice: in --uri and with --password', { hints: ['give it in one place only (MEMGRAPH_PASSWORD keeps it out of the process list)'] });
  }
  const user = uri.user ?? userFlag ?? env.MEMGRAPH_USER;
  if (user !== undefined && user !== '') conn.user = user;
  const passwordFile = str(args.passwordFile);
  if (passwordFile !== undefined) {
    if (passwordFile === '') throw new UsageError('empty --password-file', { hints: ['give the path of a file holding the password'] });
    if (passwordFlag !== undefined || uri.password !== undefined) {
      throw new UsageError('the password is given twice: with --password-file and with --password or in --uri', { hints: ['give it in one place only'] });
    }
    conn.passwordFile = passwordFile;
  } else if (passwordFlag === '') conn.askPassword = true;
  else {
    const password = uri.password ?? passwordFlag ?? env.MEMGRAPH_PASSWORD;
    if (password !== undefined) conn.password = password;
  }
  const database = str(args.database);
  if (database !== undefined) conn.database = database;
  return conn;
}
