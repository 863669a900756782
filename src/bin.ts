#!/usr/bin/env node
// The executable. Together with cli/main.ts this is the only place that ends the process: the exit is
// explicit because an open driver socket would otherwise keep Node alive.
// Start-up order matters: signal handling first (signal-hub imports nothing), then the rest with
// dynamic imports, so a SIGTERM while modules load is an orderly "interrupted", not a silent 143.
// `--version` alone is answered without loading the command line parser at all, and so are the plain
// `--help` forms when the build rendered their texts (cli/prebuilt-help.ts; start-up time, issue 14).
// `npm run build` bundles this file and everything it imports into dist/src/bundle and makes
// dist/src/bin.js a one-line entry into it (scripts/bundle.ts): fewer files for Node to load.
import { installSignalHub } from './cli/signal-hub.js';

installSignalHub();
const argv = process.argv.slice(2);

/** Writes a prebuilt answer and exits 0, as main() does for help and version output (a closed stdout too). */
function answer(text: string): void {
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write(text, () => process.exit(0));
}

async function prebuilt(): Promise<string | undefined> {
  if (argv.length === 1 && argv[0] === '--version') return `${(await import('./cli/version.js')).mgbackupVersion()}\n`;
  // The same test as looksLikePlainHelp, written out so that other command lines load nothing more.
  if (argv.length > 2 || (argv.at(-1) !== '--help' && argv.at(-1) !== '-h')) return undefined;
  const help = await import('./cli/prebuilt-help.js');
  const { HELP_TEXTS } = await import('./cli/help-texts.js');
  return help.prebuiltHelp(argv, process.env, process.stdout.columns, HELP_TEXTS);
}

const text = await prebuilt();
if (text !== undefined) {
  answer(text);
} else {
  // Before the parser and the command load: their modules are compiled from the cache when it can be
  // (the prebuilt answers above load too little for a cache to pay).
  (await import('./cli/compile-cache.js')).enableModuleCompileCache(process.env);
  const { main, processIo } = await import('./cli/main.js');
  const io = processIo();
  const code = await main(argv, io);
  await io.flush();
  process.exit(code);
}
