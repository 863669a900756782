// Issue 12 item 4, from the built binary: examples in every command's help, did-you-mean for unknown
// commands and flags (exit 2), connection options only on commands that connect, no "[default: []]"
// on array positionals, and a completion script that bash really completes with.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { commandName } from '../../src/cli/command.js';
import { skipIf } from '../helpers/skip.js';

const NAMES = COMMANDS.map((c) => commandName(c));
const CONNECTING = ['info', 'create', 'dump', 'load', 'restore', 'unlock', 'watch'];
const OFFLINE = ['list', 'verify', 'inspect', 'convert', 'completion', 'forget', 'pin', 'unpin', 'copy'];
/** Offline commands with a --database of their own: convert --repo picks that database's backups. */
const OWN_DATABASE = ['convert'];

test('the command table is split into connecting and offline commands (a new command must be placed here)', (t) => {
  t.deepEqual([...CONNECTING, ...OFFLINE].sort(), [...NAMES].sort());
});

for (const name of NAMES) {
  test(`mgbackup ${name} --help has examples, and connection options exactly when it connects`, async (t) => {
    const r = await runCli([name, '--help']);
    t.is(r.code, 0, r.stderr);
    const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
    t.true(r.stdout.includes('\nExamples:\n'), 'an Examples: block');
    t.regex(examples, new RegExp(`\\n  # .+\\n  .*mgbackup ${name}\\b`), 'a "# what" line, then a command line using the command');
    for (const flag of ['--uri', '--user', '--password', '--password-file', '--database']) {
      const expected = CONNECTING.includes(name) || (flag === '--database' && OWN_DATABASE.includes(name));
      t.is(r.stdout.includes(`${flag} `), expected, `${flag} in ${name} --help`);
    }
    t.false(r.stdout.includes('[default: []]'));
  });
}

test('convert and inspect help: the files positional is [array] without "[default: []]" (required for inspect; convert can take --repo instead)', async (t) => {
  const inspect = await runCli(['inspect', '--help']);
  t.regex(inspect.stdout, /\n {2}files {2}.*\[array\] \[required\]\n/);
  const convert = await runCli(['convert', '--help']);
  t.regex(convert.stdout, /\n {2}files {2}.*\[array\]\n/);
});

test('an offline command refuses connection options: list --uri is exit 2, not a silent success', async (t) => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-ux-'));
  t.teardown(() => fs.rmSync(repo, { recursive: true, force: true }));
  const r = await runCli(['list', '--uri', 'bolt://nowhere:1', '--repo', repo]);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, 'mgbackup: error: unknown argument "--uri"\n');
  const v = await runCli(['verify', 'latest', '--repo', repo, '--password-file', '/dev/null']);
  t.is(v.code, 2);
  t.is(v.stderr, 'mgbackup: error: unknown argument "--password-file"\n');
});

test('an unknown command names the nearest one', async (t) => {
  const r = await runCli(['creat', '--repo', '/tmp']);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, 'mgbackup: error: unknown command "creat"\nhint: did you mean "create"?\nhint: see "mgbackup --help" for the list of commands\n');
  const far = await runCli(['frobnicate']);
  t.is(far.code, 2);
  t.is(far.stderr, 'mgbackup: error: unknown command "frobnicate"\nhint: see "mgbackup --help" for the list of commands\n');
  const two = await runCli(['repo', 'creat']);
  t.is(two.code, 2);
  t.is(two.stderr, 'mgbackup: error: unknown command "repo"\nhint: see "mgbackup --help" for the list of commands\n');
});

test('an unknown flag names the nearest one, also when a value follows it', async (t) => {
  const r = await runCli(['verify', '--dep', 'latest']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: unknown argument "--dep"\nhint: did you mean "--deep"?\n');
  const swapped = await runCli(['dump', '--ehader']);
  t.is(swapped.code, 2);
  t.is(swapped.stderr, 'mgbackup: error: unknown argument "--ehader"\nhint: did you mean "--header"?\n');
  const j = await runCli(['list', '--jsn']);
  t.is(j.code, 2);
  t.is(j.stderr, 'mgbackup: error: unknown argument "--jsn"\nhint: did you mean "--json"?\n');
  const none = await runCli(['info', '--zzzzzz']);
  t.is(none.stderr, 'mgbackup: error: unknown argument "--zzzzzz"\n');
});

/** Runs the bash completion function as bash would for the words typed so far. */
function complete(script: string, words: string[]): string[] {
  const file = path.join(os.tmpdir(), `mgb-completion-${process.pid}.bash`);
  fs.writeFileSync(file, script);
  try {
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mgbackup; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: os.tmpdir() });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const hasBash = spawnSync('bash', ['--version']).status === 0;
const hasZsh = spawnSync('zsh', ['--version']).status === 0;
skipIf(test, hasBash ? undefined : 'bash is not installed')('completion bash: bash completes commands and each command\'s own flags', async (t) => {
  const r = await runCli(['completion', 'bash']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.true(r.stdout.includes('complete -o default -o filenames -F _mgbackup mgbackup\n'));
  t.deepEqual(complete(r.stdout, ['mgbackup', 'cre']), ['create']);
  t.deepEqual(complete(r.stdout, ['mgbackup', 'create', '--data']), ['--data-dir', '--database']);
  t.deepEqual(complete(r.stdout, ['mgbackup', 'list', '--']).includes('--uri'), false);
  t.deepEqual(complete(r.stdout, ['mgbackup', 'load', '--no-']), ['--no-fast-path']);
  t.deepEqual(complete(r.stdout, ['mgbackup', 'verify', '--metrics']), ['--metrics-file']);
});

test('completion zsh: a compdef script listing every command and each command\'s flags', async (t) => {
  const r = await runCli(['completion', 'zsh']);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.startsWith('#compdef mgbackup\n'));
  t.true(r.stdout.includes(`compadd -- ${NAMES.join(' ')} --help --version\n`));
  t.regex(r.stdout, /\n {4}create\) flags=\([^)]*--data-dir[^)]*\) ;;\n/);
});

skipIf(test, hasZsh ? undefined : 'zsh is not installed')('completion zsh: zsh parses the script', async (t) => {
  const r = await runCli(['completion', 'zsh']);
  const zsh = spawnSync('zsh', ['-n'], { input: r.stdout, encoding: 'utf8' });
  t.is(zsh.status, 0, zsh.stderr);
});

test('completion: the shell comes from $SHELL when not given; an unknown shell is exit 2', async (t) => {
  const z = await runCli(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
  t.true(z.stdout.startsWith('#compdef mgbackup\n'));
  const fish = await runCli(['completion', 'fish']);
  t.is(fish.code, 2);
  t.is(fish.stderr, 'mgbackup: error: no completion for shell "fish"\nhint: give one of: bash, zsh\n');
});
