// The command table: one entry per command. Only commands that work are listed (no stubs). Each module
// is imported only when its command is used (start-up time: `--help` needs only these lines).
import type { CommandEntry } from '../command.js';

export const COMMANDS: readonly CommandEntry[] = [
  {
    command: 'info',
    describe: 'show the server version, role, storage mode, counts and data-directory lock status',
    load: async () => (await import('./info.js')).infoCommand,
  },
  {
    command: 'create',
    describe: 'take an online backup into the backup repository (lock held for milliseconds)',
    load: async () => (await import('./create.js')).createCommand,
  },
  {
    command: 'list',
    describe: 'list the backups in the repository',
    load: async () => (await import('./list.js')).listCommand,
  },
  {
    command: 'verify <backup>',
    describe: 'check every file of a backup against its manifest (id, short id, or "latest")',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    command: 'dump',
    describe: 'write DUMP DATABASE as Cypher, one statement per line, to stdout or -o FILE (.gz, .zst compress)',
    load: async () => (await import('./dump.js')).dumpCommand,
  },
  {
    command: 'load [file]',
    describe: 'execute a .cypherl dump (plain, .gz or .zst; - for stdin) against the server, batched and resumable',
    load: async () => (await import('./load.js')).loadCommand,
  },
  {
    command: 'restore [backup]',
    describe: 'stage a verified backup into a stopped Memgraph data directory, or into a running server with --online',
    load: async () => (await import('./restore.js')).restoreCommand,
  },
  {
    command: 'inspect <files..>',
    describe: 'describe Memgraph snapshot or WAL files: version, releases, uuid, timestamps, counts, schema, checksums',
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  {
    command: 'convert <files..>',
    describe: 'turn a Memgraph snapshot (plus WAL files) into the Cypher DUMP DATABASE prints, without a server',
    load: async () => (await import('./convert.js')).convertCommand,
  },
  {
    command: 'unlock',
    describe: 'release a data-directory lock left by a dead mgbackup run (--force: one no lease accounts for)',
    load: async () => (await import('./unlock.js')).unlockCommand,
  },
  {
    command: 'completion [shell]',
    describe: 'print a bash or zsh completion script (default: the shell in $SHELL)',
    load: async () => (await import('./completion.js')).completionCommand,
  },
];
