#!/usr/bin/env node
// The executable. Together with cli/main.ts this is the only place that ends the process: the exit is
// explicit because an open driver socket would otherwise keep Node alive.
import { hideBin } from 'yargs/helpers';
import { main, processIo } from './cli/main.js';

const io = processIo();
const code = await main(hideBin(process.argv), io);
await io.flush();
process.exit(code);
