// Test support only: the stand-in as its own process, with two hooks that let a fault test find and
// hold a step of mgbackup's create flow from outside:
//   --step-log FILE      one JSON line per query received, {"n":…,"query":…}, written before it runs;
//   --pause-on REGEX     hold the reply to the Nth matching query (--pause-nth, default 1) for
//   --pause-ms MS        milliseconds: the query has run on the server, its answer is in flight.
// It lives beside the stand-in (not inside it) so the stand-in's engine can change independently.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { StandIn } from '../standin/standin.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'step-log': { type: 'string' },
      'pause-on': { type: 'string' },
      'pause-nth': { type: 'string', default: '1' },
      'pause-ms': { type: 'string', default: '3000' },
    },
    strict: true,
  });
  if (!values['data-dir']) throw new Error('--data-dir is required');
  const standin = await StandIn.start({ dataDir: values['data-dir'], port: Number(values.port) });
  const faults = standin.faults;
  const log = values['step-log'];
  const pause = values['pause-on'] === undefined ? undefined : new RegExp(values['pause-on']);
  let toSkip = Number(values['pause-nth']) - 1;
  let armed = false;
  let n = 0;
  const failureFor = faults.failureFor.bind(faults);
  faults.failureFor = (query: string) => {
    n += 1;
    if (log) fs.appendFileSync(log, JSON.stringify({ n, query: query.slice(0, 200) }) + '\n');
    if (pause && pause.test(query)) {
      if (toSkip === 0) {
        // The delay applies before the next message is handled: the PULL that fetches this answer.
        faults.delayMs = Number(values['pause-ms']);
        armed = true;
      }
      toSkip -= 1;
    }
    return failureFor(query);
  };
  const onClientMessage = faults.onClientMessage.bind(faults);
  faults.onClientMessage = () => {
    if (armed) {
      armed = false;
      faults.delayMs = 0;
    }
    return onClientMessage();
  };
  process.stderr.write(`stand-in listening on ${standin.uri}\n`);
  const stop = (): void => {
    standin.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`stand-in: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
