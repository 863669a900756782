#!/usr/bin/env node
// The executable. Together with cli/main.ts this is the only place that ends the process: the exit is
// explicit because an open driver socket would otherwise keep Node alive.
// Start-up order matters: signal handling first (signal-hub imports nothing), then the rest with
// dynamic imports, so a SIGTERM while modules load is an orderly "interrupted", not a silent 143.
// `--version` alone is answered without loading the command line parser at all.
import { installSignalHub } from './cli/signal-hub.js';

installSignalHub();
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const { mgbackupVersion } = await import('./cli/version.js');
  process.stdout.write(`${mgbackupVersion()}\n`);
} else {
  const { main, processIo } = await import('./cli/main.js');
  const io = processIo();
  const code = await main(argv, io);
  await io.flush();
  process.exit(code);
}
