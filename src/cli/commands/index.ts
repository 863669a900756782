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
    describe: 'list the backups per database and the restore window (base backups plus the WAL archive)',
    load: async () => (await import('./list.js')).listCommand,
  },
  {
    command: 'verify [backup]',
    describe: 'check every file of a backup against its manifest (id, short id, or "latest"), or with --all the whole repository',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    command: 'forget',
    describe: 'forget backups by a retention policy (--keep-*), and with --prune delete their files and unneeded archived WAL',
    load: async () => (await import('./forget.js')).forgetCommand,
  },
  {
    command: 'pin <backup>',
    describe: 'protect a backup from forget (id, short id, or "latest")',
    load: async () => (await import('./pin.js')).pinCommand,
  },
  {
    command: 'unpin <backup>',
    describe: 'let forget\'s policy decide about a pinned backup again',
    load: async () => (await import('./pin.js')).unpinCommand,
  },
  {
    command: 'copy [backups..]',
    describe: 'copy backups (or with --all every backup and the WAL archive) into another repository, local or S3, skipping what is there',
    load: async () => (await import('./copy.js')).copyCommand,
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
    command: 'convert [files..]',
    describe: 'turn a Memgraph snapshot (plus WAL files) into the Cypher DUMP DATABASE prints, without a server',
    load: async () => (await import('./convert.js')).convertCommand,
  },
  {
    command: 'watch',
    describe: 'archive WAL files continuously into the repository (finalized files and the committed prefix of the open one)',
    load: async () => (await import('./watch.js')).watchCommand,
  },
  {
    command: 'unlock',
    describe: 'release a data-directory lock left by a dead mgbackup run (--force: one no lease accounts for), or with --repo stale repository locks',
    load: async () => (await import('./unlock.js')).unlockCommand,
  },
  {
    command: 'completion [shell]',
    describe: 'print a bash or zsh completion script (default: the shell in $SHELL)',
    load: async () => (await import('./completion.js')).completionCommand,
  },
];
