// `mgbackup --help` and `mgbackup CMD --help` without yargs or any command module (start-up time,
// issue 14, scripts/bench/startup.ts): the texts are rendered by yargs at build time
// (scripts/gen-help.ts, into help-texts.ts) and looked up here. Only the plain forms are answered here:
// `--help`/`-h` alone or after one command name, with a layout width and a language the build rendered.
// Everything else (a flag beside --help, a TTY of another width, a non-English locale, a build without
// the generator's pass) goes through yargs as before, so the output is the same either way.
// This module imports nothing: it is loaded before everything else on the --help path.

/** Layout width -> command name ('' for the top level) -> the exact `--help` output. */
export type HelpTexts = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The widths the build renders: a stdout that is not a terminal (100) and a terminal of 110+ columns. */
export const PREBUILT_WIDTHS = [100, 110] as const;

/** The help's layout width: the terminal's, at most 110; 100 when stdout is not a terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(110, columns ?? 100);
}

/**
 * Whether yargs would print its English strings. yargs guesses its locale from LC_ALL, LC_MESSAGES, LANG,
 * LANGUAGE (the first non-empty; 'en_US' when none), minus any '.codeset' or ':' tail
 * (node_modules/yargs/build/lib/yargs-factory.js, kGuessLocale), and y18n has no translation for C or
 * POSIX. The texts are rendered with 'en_US'.
 */
export function yargsLocaleIsEnglish(env: NodeJS.ProcessEnv): boolean {
  const locale = (env.LC_ALL || env.LC_MESSAGES || env.LANG || env.LANGUAGE || 'en_US').replace(/[.:].*/, '');
  return /^(en([_-][A-Za-z0-9]+)?|C|POSIX)$/.test(locale);
}

/** Whether argv is one of the forms answered from the prebuilt texts (cheap; checked before loading them). */
export function looksLikePlainHelp(argv: readonly string[]): boolean {
  const last = argv[argv.length - 1];
  return (argv.length === 1 || argv.length === 2) && (last === '--help' || last === '-h');
}

/** The prebuilt text for this command line, or undefined when yargs must render it. */
export function prebuiltHelp(argv: readonly string[], env: NodeJS.ProcessEnv, columns: number | undefined, texts: HelpTexts | undefined): string | undefined {
  if (texts === undefined || !looksLikePlainHelp(argv) || !yargsLocaleIsEnglish(env)) return undefined;
  const byCommand = texts[String(helpWidth(columns))];
  const command = argv.length === 2 ? argv[0]! : '';
  if (argv.length === 2 && command === '') return undefined;
  if (byCommand === undefined || !Object.hasOwn(byCommand, command)) return undefined;
  return byCommand[command];
}
