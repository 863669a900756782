// The built binary against the stand-in, as an operator runs it: `dump > file` is byte-exact DUMP output
// with nothing else on stdout, and `dump | head -1` ends quietly when the reader goes away.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, runCli } from '../helpers/run-cli.js';
import { syntheticDump } from './fake-client.js';
import { cli, rawDump, standIn, tempDir } from '../load/standin-helper.js';

test('dump | head -1: exits 0 with nothing on stderr when the reader closes the pipe', async (t) => {
  const dir = tempDir(t);
  const s = await standIn(t);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), syntheticDump(20_000, 0).map((l) => l + '\n').join(''));
  t.is((await cli(['load', 'db.cypherl', '--uri', s.uri], { cwd: dir })).code, 0);

  const { MEMGRAPH_USER: _u, MEMGRAPH_PASSWORD: _p, ...env } = process.env;
  const script = `"${process.execPath}" "${BIN}" dump --uri ${s.uri} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`;
  const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise((r) => child.on('close', r));
  t.is(stdout, 'CREATE (:__mg_vertex__:`Person` {__mg_id__: 0, `name`: "person 0; \\"quoted\\"", `age`: 0});\n');
  t.is(stderr, 'status=0\n');
});

test('dump > file: stdout is exactly the DUMP rows, stderr empty when not a terminal', async (t) => {
  const dir = tempDir(t);
  const s = await standIn(t);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), syntheticDump(500, 800).map((l) => l + '\n').join(''));
  t.is((await cli(['load', 'db.cypherl', '--uri', s.uri], { cwd: dir })).code, 0);
  const r = await runCli(['dump', '--uri', s.uri]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.is(r.stdout, (await rawDump(s)).map((l) => l + '\n').join(''));
});
