// The help text is part of the interface operators read and scripts grep: lazy loading of command
// modules must not change one byte of it. The snapshots were written by the build before lazy loading.
// After an intended change of the help (a new command or flag), regenerate the affected files with
// `node dist/src/bin.js [COMMAND] --help > test/cli/help-snapshots/COMMAND.txt` (top.txt for no command)
// and review the diff.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

const SNAPSHOTS = path.join(REPO_ROOT, 'test/cli/help-snapshots');
const COMMANDS = ['', 'info', 'create', 'list', 'verify', 'dump', 'load', 'restore', 'inspect', 'convert', 'unlock', 'completion', 'watch', 'forget', 'pin', 'unpin', 'copy'];

for (const command of COMMANDS) {
  const name = command || 'top';
  test(`mgbackup ${command ? `${command} ` : ''}--help is byte-identical to its snapshot`, async (t) => {
    const expected = readFileSync(path.join(SNAPSHOTS, `${name}.txt`), 'utf8');
    const r = await runCli(command ? [command, '--help'] : ['--help']);
    t.is(r.code, 0);
    t.is(r.stderr, '');
    t.is(r.stdout, expected);
  });
}

test('-h is the same text as --help', async (t) => {
  const r = await runCli(['load', '-h']);
  t.is(r.code, 0);
  t.is(r.stdout, readFileSync(path.join(SNAPSHOTS, 'load.txt'), 'utf8'));
});
