// argv -> typed options, as a table (no server, no process spawning).
import test from 'ava';
import { parseCommandLine } from '../../src/cli/parser.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { UsageError } from '../../src/errors/errors.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env, COMMANDS, { version: '9.9.9' });

const table: [string, string[], NodeJS.ProcessEnv, unknown][] = [
  ['defaults', ['info'], {}, { connection: { uri: 'bolt://localhost:7687' }, json: false }],
  ['uri and user', ['info', '--uri', 'bolt+ssc://db:7688', '--user', 'ops'], {}, { connection: { uri: 'bolt+ssc://db:7688', user: 'ops' }, json: false }],
  ['env credentials', ['info'], { MEMGRAPH_USER: 'envu', MEMGRAPH_PASSWORD: 'envp' }, { connection: { uri: 'bolt://localhost:7687', user: 'envu', password: 'envp' }, json: false }],
  ['flag beats env', ['info', '--password', 'flag'], { MEMGRAPH_PASSWORD: 'envp' }, { connection: { uri: 'bolt://localhost:7687', password: 'flag' }, json: false }],
  ['bare --password asks', ['info', '--password'], { MEMGRAPH_PASSWORD: 'envp' }, { connection: { uri: 'bolt://localhost:7687', askPassword: true }, json: false }],
  ['tenant and json', ['info', '--database', 'tenant1', '--json'], {}, { connection: { uri: 'bolt://localhost:7687', database: 'tenant1' }, json: true }],
  ['global flags before the command', ['--json', '--uri', 'bolt://x:1', 'info'], {}, { connection: { uri: 'bolt://x:1' }, json: true }],
];

for (const [title, argv, env, expected] of table) {
  test(`parse: ${title}`, async (t) => {
    const r = await parse(argv, env);
    if (r.kind !== 'run') return t.fail(`expected a command, got output ${JSON.stringify(r)}`);
    t.is(r.spec.command, 'info');
    t.deepEqual(r.options, expected);
  });
}

const usage: [string, string[], string][] = [
  ['unknown flag', ['--bogus'], 'unknown argument "--bogus"'],
  ['unknown flag after a command', ['info', '--nope'], 'unknown argument "--nope"'],
  ['unknown command', ['frobnicate'], 'unknown command "frobnicate"'],
  ['extra positional', ['info', 'extra'], 'unknown argument "extra"'],
  ['no command', [], 'no command given'],
];

for (const [title, argv, message] of usage) {
  test(`usage error: ${title}`, async (t) => {
    const err = await t.throwsAsync(parse(argv), { instanceOf: UsageError });
    t.is(err?.message, message);
    t.is(err?.exitCode, 2);
  });
}

test('--help and --version are output, not errors', async (t) => {
  const help = await parse(['--help']);
  t.is(help.kind, 'output');
  if (help.kind === 'output') {
    for (const flag of ['--json', '--quiet', '--verbose', '--progress', '--log-file', '--config']) t.true(help.text.includes(flag), flag);
  }
  t.deepEqual(await parse(['--version']), { kind: 'output', text: '9.9.9\n' });
});

test('a lone "-" after --archive is the flag value, not a positional', async (t) => {
  const r = await parse(['create', '--repo', '/r', '--data-dir', '/d', '--archive', '-']);
  if (r.kind !== 'run') return t.fail('expected a command');
  t.is((r.options as { archive?: string }).archive, '-');
  await t.throwsAsync(parse(['create', '--repo', '/r', '--data-dir', '/d', '-']), { message: 'unknown argument "-"' });
});
