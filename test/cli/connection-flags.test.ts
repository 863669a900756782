// Issue 9 items 20 and 21, as the operator sees them from the built binary: credentials inside --uri are
// used and never printed; a port 0, a path or a query in --uri are usage errors; an unknown --database is
// "not found"; non-numeric values are quoted as typed; the --compress error is one line.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { runCli } from '../helpers/run-cli.js';

async function authStandIn(t: { teardown(fn: () => unknown): void }): Promise<StandIn> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-conn-'));
  const s = await StandIn.start({ dataDir, users: [{ user: 'admin', password: 'S3cret' }] });
  t.teardown(async () => {
    await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return s;
}

test('credentials in --uri log in, and the password is printed nowhere', async (t) => {
  const s = await authStandIn(t);
  const r = await runCli(['info', '--uri', `bolt://admin:S3cret@127.0.0.1:${s.port}`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.regex(r.stdout, new RegExp(`^server: +bolt://127\\.0\\.0\\.1:${s.port}$`, 'm'));
  t.false(r.stdout.includes('S3cret'));
  const json = await runCli(['info', '--json', '--uri', `bolt://admin:S3cret@127.0.0.1:${s.port}`]);
  t.is(json.code, 0, json.stderr);
  t.is(JSON.parse(json.stdout).uri, `bolt://127.0.0.1:${s.port}`);
});

test('a wrong password in --uri: auth failure (11) without the password, in text and --json', async (t) => {
  const s = await authStandIn(t);
  const uri = `bolt://admin:Wr0ngPw@127.0.0.1:${s.port}`;
  const r = await runCli(['info', '--uri', uri]);
  t.is(r.code, 11);
  t.is(r.stderr, `mgbackup: error: authentication failed at "bolt://127.0.0.1:${s.port}"\nhint: check --user and the password (env MEMGRAPH_USER / MEMGRAPH_PASSWORD)\n`);
  const j = await runCli(['info', '--json', '--uri', uri]);
  t.is(j.code, 11);
  t.false(j.stderr.includes('Wr0ngPw'));
  t.like(JSON.parse(j.stderr), { code: 11, kind: 'authFailed', message: `authentication failed at "bolt://127.0.0.1:${s.port}"` });
});

test('a password in a URI that is refused is shown redacted', async (t) => {
  const bad = await runCli(['info', '--uri', 'neo4j://admin:S3cret@db:7687']);
  t.is(bad.code, 2);
  t.is(bad.stderr, 'mgbackup: error: unsupported scheme in --uri "neo4j://admin:***@db:7687"\nhint: Memgraph outside a cluster refuses routing: use bolt:// instead of neo4j://\n');
  const stray = await runCli(['info', 'bolt://admin:S3cret@db:7687']);
  t.is(stray.code, 2);
  t.is(stray.stderr, 'mgbackup: error: unknown argument "bolt://admin:***@db:7687"\n');
  const twice = await runCli(['info', '--uri', 'bolt://admin:S3cret@db:7687', '--password', 'other']);
  t.is(twice.code, 2);
  t.is(twice.stderr, 'mgbackup: error: the password is given twice: in --uri and with --password\nhint: give it in one place only (MEMGRAPH_PASSWORD keeps it out of the process list)\n');
});

test('port 0 in --uri is a usage error (2), not "cannot connect"', async (t) => {
  const r = await runCli(['info', '--uri', 'bolt://127.0.0.1:0']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: invalid port 0 in --uri "bolt://127.0.0.1:0"\nhint: give the Bolt port Memgraph listens on (7687 by default), or leave the port out\n');
});

test('a path or query in --uri is a usage error (2), before connecting', async (t) => {
  for (const uri of ['bolt://127.0.0.1:7687/memgraph', 'bolt://127.0.0.1:7687?database=x']) {
    const r = await runCli(['info', '--uri', uri]);
    t.is(r.code, 2, uri);
    t.is(r.stderr, `mgbackup: error: --uri "${uri}" has a path or query, which bolt does not use\nhint: give only scheme://host:port; choose the database with --database\n`);
  }
});

test('--database nosuch is not found (12), naming the database', async (t) => {
  const s = await authStandIn(t);
  const r = await runCli(['info', '--uri', s.uri, '--user', 'admin', '--database', 'nosuch'], { env: { MEMGRAPH_PASSWORD: 'S3cret' } });
  t.is(r.code, 12);
  t.is(r.stderr, 'mgbackup: error: database "nosuch" does not exist on the server\nhint: check --database (SHOW DATABASES lists them), or leave it out for the default database\n');
});

test('non-numeric values are quoted as typed, not as "NaN"', async (t) => {
  const a = await runCli(['load', '--batch-size', 'abc', 'x.cypherl']);
  t.is(a.code, 2);
  t.is(a.stderr, 'mgbackup: error: invalid --batch-size "abc"\nhint: --batch-size takes a whole number of at least 1\n');
  const b = await runCli(['load', '--resume-from=12x', 'x.cypherl']);
  t.is(b.code, 2);
  t.is(b.stderr, 'mgbackup: error: invalid --resume-from "12x"\nhint: --resume-from takes a whole number of at least 1\n');
  const c = await runCli(['create', '--repo', '/tmp/r', '--data-dir', '/tmp/d', '--wait-timeout', 'soon']);
  t.is(c.code, 2);
  t.is(c.stderr, 'mgbackup: error: --wait-timeout "soon" is not a positive number of seconds\n');
});

test('the --compress usage error is one line plus a hint', async (t) => {
  const r = await runCli(['dump', '--compress', 'bogus']);
  t.is(r.code, 2);
  t.is(r.stderr, 'mgbackup: error: invalid --compress "bogus"\nhint: --compress takes one of: none, gzip, zstd\n');
});
