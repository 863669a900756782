// The shape every command file fills in: yargs flags in, a typed XxxOptions out, then runXxx.
import type { Argv } from 'yargs';
import type { ExitKind } from '../errors/codes.js';
import type { CommandContext } from './context.js';
import type { ConnectionOptions } from '../bolt/graph-client.js';

/** Parsed argv as yargs hands it over (camelCase keys included). */
export type Args = Record<string, unknown> & { _: (string | number)[] };

export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
}

export interface CommandSpec<O> {
  /** yargs command syntax, e.g. 'verify <backup>'. */
  command: string;
  describe: string;
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
  };
}

export const DEFAULT_URI = 'bolt://localhost:7687';

/** Connection flags with their environment fallbacks (MEMGRAPH_USER, MEMGRAPH_PASSWORD). */
export function connectionFrom(args: Args, env: NodeJS.ProcessEnv): ConnectionOptions {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const passwordFlag = str(args.password);
  const conn: ConnectionOptions = { uri: str(args.uri) ?? DEFAULT_URI };
  const user = str(args.user) ?? env.MEMGRAPH_USER;
  if (user !== undefined && user !== '') conn.user = user;
  if (passwordFlag === '') conn.askPassword = true;
  else {
    const password = passwordFlag ?? env.MEMGRAPH_PASSWORD;
    if (password !== undefined) conn.password = password;
  }
  const database = str(args.database);
  if (database !== undefined) conn.database = database;
  return conn;
}
