// The command table carries each command's usage line and description so `--help` need not import the
// command modules; they must stay equal to what each module declares.
import test from 'ava';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { isLazyCommand } from '../../src/cli/command.js';

for (const entry of COMMANDS) {
  test(`table entry "${entry.command}" matches its module`, async (t) => {
    if (!isLazyCommand(entry)) {
      t.log('an eagerly imported command: nothing to compare');
      t.truthy(entry.run);
      return;
    }
    const spec = await entry.load();
    t.is(spec.command, entry.command);
    t.is(spec.describe, entry.describe);
  });
}
