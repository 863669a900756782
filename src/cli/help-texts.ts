// The help texts rendered at build time: `npm run build` runs scripts/gen-help.ts after tsc, which
// replaces this module's compiled output (dist/src/cli/help-texts.js) with one holding every command's
// `--help` text. Every tsc run writes this empty version again, so a help text can never be older than
// the command modules it was rendered from: without the generator's pass, `--help` goes through yargs.
import type { HelpTexts } from './prebuilt-help.js';

export const HELP_TEXTS: HelpTexts | undefined = undefined;
