// The built binary as an operator sees it: exit codes, stdout payload only, one-line usage errors.
import test from 'ava';
import net from 'node:net';
import { runCli } from '../helpers/run-cli.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('--help lists the global options on stdout and exits 0; connection options are on connecting commands only', async (t) => {
  const r = await runCli(['--help']);
  t.is(r.code, 0);
  t.is(r.stderr, '');
  for (const flag of ['--json', '--quiet', '--verbose', '--log-file', '--config']) t.true(r.stdout.includes(flag), flag);
  t.false(r.stdout.includes('--uri'));
  const info = await runCli(['info', '--help']);
  for (const flag of ['--uri', '--user', '--password', '--password-file', '--database']) t.true(info.stdout.includes(flag), flag);
  const list = await runCli(['list', '--help']);
  t.false(list.stdout.includes('--uri'));
});

test('--bogus: usage code, one line on stderr, nothing on stdout', async (t) => {
  const r = await runCli(['--bogus']);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, 'mgbackup: error: unknown argument "--bogus"\n');
});

test('--version prints the package version', async (t) => {
  const r = await runCli(['--version']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('info against a closed port: cannot-connect code and a hint, no stack trace', async (t) => {
  const port = await closedPort();
  const r = await runCli(['info', '--uri', `bolt://127.0.0.1:${port}`]);
  t.is(r.code, 10);
  t.is(r.stdout, '');
  t.is(r.stderr, `mgbackup: error: cannot connect to "bolt://127.0.0.1:${port}"\nhint: check that Memgraph is running and that --uri names its Bolt address (default bolt://localhost:7687)\n`);
});

test('--json failures are one JSON object on stderr', async (t) => {
  const port = await closedPort();
  const r = await runCli(['info', '--json', '--uri', `bolt://127.0.0.1:${port}`]);
  t.is(r.code, 10);
  t.is(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  t.is(lines.length, 1);
  t.like(JSON.parse(lines[0]!), { type: 'error', code: 10, kind: 'cannotConnect' });
});

test('a routing URI is refused as a usage error with the remedy', async (t) => {
  const r = await runCli(['info', '--uri', 'neo4j://db:7687']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: unsupported scheme in --uri "neo4j://db:7687"\nhint: Memgraph outside a cluster refuses routing: use bolt:// instead of neo4j://\n');
});

test('bare --password without a terminal is refused instead of hanging', async (t) => {
  const r = await runCli(['info', '--password']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: --password was given without a value and stdin is not a terminal\nhint: set MEMGRAPH_PASSWORD in the environment, or give the value: --password=...\n');
});
