// The lean reading of plain command lines (src/cli/lean-args.ts) against yargs: every command line below
// is parsed both ways, and both must give the same command, options and global flags, or the same error
// (message, kind, hints, exit code). The lines are generated from each command's own options, valid and
// invalid, with values from the environment and a config file. A line the lean reader declines goes to
// yargs, so for those the two parses are the same by construction; the test also checks that the plain
// lines really are read without yargs, else it would compare yargs with itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { parseCommandLine, optionFacts } from '../../src/cli/parser.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { commandName, isLazyCommand, type CommandSpec } from '../../src/cli/command.js';
import { leanArgs } from '../../src/cli/lean-args.js';
import { MgBackupError } from '../../src/errors/errors.js';

const home = mkdtempSync(path.join(tmpdir(), 'mgbackup-lean-'));
const noConfig: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: path.join(home, 'none') };
const withConfig = (name: string, config: unknown): NodeJS.ProcessEnv => {
  const dir = path.join(home, name);
  mkdirSync(path.join(dir, 'mgbackup'), { recursive: true });
  writeFileSync(path.join(dir, 'mgbackup', 'config.json'), JSON.stringify(config));
  return { XDG_CONFIG_HOME: dir };
};
test.after.always(() => rmSync(home, { recursive: true, force: true }));

type Outcome =
  | { ok: true; kind: string; command?: string; options?: unknown; globals?: unknown; text?: string }
  | { ok: false; error: string; message: string; kind?: string; hints?: readonly string[]; exitCode?: number };

async function outcome(argv: string[], env: NodeJS.ProcessEnv, lean: boolean): Promise<Outcome> {
  try {
    const r = await parseCommandLine([...argv], { ...env }, COMMANDS, { version: '9.9.9', helpWidth: 100, lean }, home);
    return r.kind === 'run'
      ? { ok: true, kind: r.kind, command: r.spec.command, options: r.options, globals: r.globals }
      : { ok: true, kind: r.kind, text: r.text };
  } catch (err) {
    const e = err as Error;
    return err instanceof MgBackupError
      ? { ok: false, error: e.name, message: e.message, kind: err.kind, hints: err.hints, exitCode: err.exitCode }
      : { ok: false, error: e.name, message: e.message };
  }
}

const specs = await Promise.all(COMMANDS.map(async (c) => (isLazyCommand(c) ? c.load() : c) as CommandSpec<unknown>));

/** Command lines for one command: its own options in every form, good and bad, and positionals. */
function lines(spec: CommandSpec<unknown>): string[][] {
  const name = commandName(spec);
  const facts = optionFacts(spec);
  const slots = spec.command.split(' ').slice(1);
  const pos = slots.length === 0 ? [] : slots.some((s) => s.includes('..')) ? ['a.snapshot', 'b/wal_1'] : ['bash'];
  const out: string[][] = [[name], [name, ...pos], [name, ...pos, 'extra'], [name, ...pos, '--', '-x']];
  for (const p of ['123', '0x1f', '1e3', '20240101_timestamp_5', '-', '-1', 'true', 'inspect']) out.push([name, p], [name, ...pos, p]);
  for (const opt of facts.names) {
    if (facts.booleans.has(opt)) {
      out.push([name, ...pos, `--${opt}`], [name, `--no-${opt}`, ...pos], [name, ...pos, `--${opt}=false`], [name, `--${opt}`, 'true', ...pos],
        [name, `--${opt}`, 'false', ...pos], [name, ...pos, `--${opt}`, `--${opt}`], [`--${opt}`, name, ...pos]);
    } else {
      out.push([name, ...pos, `--${opt}=v1`], [name, `--${opt}`, 'some/path', ...pos], [name, ...pos, `--${opt}`], [name, ...pos, `--${opt}=`],
        [name, ...pos, `--${opt}`, '12'], [name, ...pos, `--${opt}=a`, `--${opt}=b`], [name, ...pos, `--${opt}`, '--json'], [`--${opt}=v2`, name, ...pos]);
    }
    const camel = opt.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (camel !== opt) out.push([name, ...pos, `--${camel}=v3`]);
  }
  for (const [alias] of facts.aliases) out.push([name, ...pos, `-${alias}`], [name, `-${alias}`, 'false', ...pos], [name, ...pos, `-${alias}v`]);
  out.push([name, ...pos, '--bogus'], [name, ...pos, '-Z'], [name, ...pos, '--json', '--quiet', '--verbose', '--progress', '--log-file=/tmp/x.log']);
  return out;
}

const envs: [string, NodeJS.ProcessEnv][] = [
  ['no settings', noConfig],
  ['environment', { ...noConfig, MGBACKUP_JSON: '1', MGBACKUP_LOG_FILE: '/tmp/env.log', MGBACKUP_FORCE: 'no', MGBACKUP_URI: 'bolt://env:1' }],
  ['bad environment', { ...noConfig, MGBACKUP_QUIET: 'maybe' }],
  ['config file', withConfig('good', { json: true, verbose: false, inspect: { 'log-file': '/tmp/cfg.log' }, unlock: { force: true, 'data-dir': '/d' } })],
  ['bad config file', withConfig('bad', { inspect: { bogus: 1 } })],
];

const PLAIN = ['inspect', 'info', 'unlock', 'completion'];

for (const spec of specs.filter((s) => PLAIN.includes(commandName(s)))) {
  test(`lean reading of ${commandName(spec)} command lines equals yargs'`, async (t) => {
    let lean = 0;
    for (const argv of lines(spec)) {
      // Settings only add flags after the command word, so a line declined as typed is declined with
      // them too and goes to yargs either way: only the lines read lean need the comparison.
      if (leanArgs(argv, spec) === undefined) continue;
      lean++;
      for (const [where, env] of envs) {
        t.deepEqual(await outcome(argv, env, true), await outcome(argv, env, false), `${where}: mgbackup ${argv.join(' ')}`);
      }
    }
    // Most plain lines of these commands are read without yargs.
    t.true(lean > 10, `only ${lean} lines were read lean`);
  });
}

test('commands with typed, repeatable or checked options always go through yargs', (t) => {
  for (const spec of specs.filter((s) => !PLAIN.includes(commandName(s)))) {
    for (const argv of lines(spec)) t.is(leanArgs(argv, spec), undefined, argv.join(' '));
  }
});

test('the plain inspect command line is read without yargs, with the same result', async (t) => {
  const spec = specs.find((s) => commandName(s) === 'inspect')!;
  const argv = ['inspect', '--json', '-q', 'a.snapshot', 'wal/x'];
  const args = leanArgs(argv, spec);
  t.like(args, { files: ['a.snapshot', 'wal/x'], json: true, quiet: true, q: true });
  t.deepEqual(await outcome(argv, noConfig, true), {
    ok: true, kind: 'run', command: 'inspect <files..>',
    options: { files: ['a.snapshot', 'wal/x'], json: true },
    globals: { json: true, quiet: true, verbose: false, progress: false, logFile: undefined, metricsFile: undefined },
  });
  // Declined, so yargs reads them: a missing positional, a repeated flag, a value yargs could take as a number.
  for (const bad of [['inspect'], ['inspect', 'a', '--json', '--json'], ['inspect', '0x10'], ['inspect', 'a', '--log-file', '7']]) {
    t.is(leanArgs(bad, spec), undefined, bad.join(' '));
  }
});
