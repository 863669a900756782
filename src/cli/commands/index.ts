// The command table: one line per command. Only commands that work are listed (no stubs).
import type { CommandSpec } from '../command.js';
import { infoCommand } from './info.js';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { verifyCommand } from './verify.js';
import { dumpCommand } from './dump.js';
import { loadCommand } from './load.js';
import { restoreCommand } from './restore.js';
import { inspectCommand } from './inspect.js';
import { convertCommand } from './convert.js';
import { unlockCommand } from './unlock.js';

export const COMMANDS: readonly CommandSpec<any>[] = [
  infoCommand,
  createCommand,
  listCommand,
  verifyCommand,
  dumpCommand,
  loadCommand,
  restoreCommand,
  inspectCommand,
  convertCommand,
  unlockCommand,
];
