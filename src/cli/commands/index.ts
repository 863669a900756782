// The command table: one line per command. Only commands that work are listed (no stubs).
import type { CommandSpec } from '../command.js';
import { infoCommand } from './info.js';
import { dumpCommand } from './dump.js';
import { loadCommand } from './load.js';
import { restoreCommand } from './restore.js';

export const COMMANDS: readonly CommandSpec<any>[] = [
  infoCommand,
  dumpCommand,
  loadCommand,
  restoreCommand,
];
