// Renders every `--help` text through the parser (yargs) at the prebuilt widths: what scripts/gen-help.ts
// writes into help-texts.js at build time, and what test/cli/prebuilt-help.test.ts compares it with.
import { COMMANDS } from './commands/index.js';
import { commandName } from './command.js';
import { parseCommandLine } from './parser.js';
import { PREBUILT_WIDTHS, type HelpTexts } from './prebuilt-help.js';
import { mgbackupVersion } from './version.js';
import { MgBackupError } from '../errors/errors.js';

export async function renderHelpTexts(): Promise<HelpTexts> {
  const texts: Record<string, Record<string, string>> = {};
  for (const width of PREBUILT_WIDTHS) {
    const byCommand: Record<string, string> = {};
    for (const command of ['', ...COMMANDS.map((c) => commandName(c))]) {
      const parsed = await parseCommandLine(command ? [command, '--help'] : ['--help'], {}, COMMANDS, { version: mgbackupVersion(), helpWidth: width });
      if (parsed.kind !== 'output') throw new MgBackupError('internal', `"${command} --help" did not render a help text`);
      byCommand[command] = parsed.text;
    }
    texts[String(width)] = byCommand;
  }
  return texts;
}
