// Issue 12 item 6: every command's --json output, from the built binary against the stand-in, has
// exactly the keys docs/json.md documents for its type (nested ones too where the document lists
// them), and every object has a `type`. The document is the schema: a key added to an output without
// a line in docs/json.md fails here, and so does a documented key that is no longer printed.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { StandIn } from '../standin/standin.js';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

interface Shape {
  /** Documented key paths ("files[].path", "durations.totalMs"); optional ones without their "?". */
  paths: Set<string>;
  optional: Set<string>;
}

/** docs/json.md: a "### `TYPE`" heading, then a table whose first column is `key` or `key?`. */
export function readSchema(): Map<string, Shape> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs/json.md'), 'utf8');
  const shapes = new Map<string, Shape>();
  let current: Shape | undefined;
  for (const line of text.split('\n')) {
    const h = /^### `([a-z-]+)`/.exec(line);
    if (h) {
      current = { paths: new Set(), optional: new Set() };
      shapes.set(h[1]!, current);
      continue;
    }
    if (/^#{1,3} /.test(line)) current = undefined;
    const row = /^\| `([A-Za-z0-9_.[\]]+)(\??)` \|/.exec(line);
    if (row && current) {
      current.paths.add(row[1]!);
      if (row[2] === '?') current.optional.add(row[1]!);
    }
  }
  return shapes;
}

/** The key paths of `value`, descending where the schema documents children. */
function pathsOf(value: Record<string, unknown>, shape: Shape, prefix = ''): string[] {
  const out: string[] = [];
  const documentsChildren = (p: string) => [...shape.paths].some((d) => d.startsWith(`${p}.`) || d.startsWith(`${p}[].`));
  for (const [k, v] of Object.entries(value)) {
    const p = prefix + k;
    out.push(p);
    if (!documentsChildren(p)) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (item && typeof item === 'object') out.push(...pathsOf(item as Record<string, unknown>, shape, `${p}[].`));
    } else if (v && typeof v === 'object') out.push(...pathsOf(v as Record<string, unknown>, shape, `${p}.`));
  }
  return [...new Set(out)];
}

export function checkAgainstSchema(t: ExecutionContext, what: string, obj: Record<string, unknown>, schema: Map<string, Shape>): void {
  t.is(typeof obj.type, 'string', `${what}: no "type" field`);
  const shape = schema.get(String(obj.type));
  if (!shape) {
    t.fail(`${what}: type ${JSON.stringify(obj.type)} is not documented in docs/json.md`);
    return;
  }
  const actual = pathsOf(obj, shape);
  const undocumented = actual.filter((p) => !shape.paths.has(p));
  t.deepEqual(undocumented, [], `${what}: keys missing from docs/json.md`);
  // A documented child of an array is required only when the array has elements.
  const present = new Set(actual);
  const parentPresent = (p: string) => {
    const m = /^(.*?)(\[\])?\.[^.]+$/.exec(p);
    if (!m) return true;
    return present.has(m[1]!) && (m[2] ? actual.some((a) => a.startsWith(`${m[1]}[].`)) : true);
  };
  const missing = [...shape.paths].filter((p) => !shape.optional.has(p) && !present.has(p) && parentPresent(p));
  t.deepEqual(missing, [], `${what}: documented keys not printed`);
}

function one(t: ExecutionContext, r: CliResult, what: string): Record<string, unknown> {
  t.is(r.stdout.trimEnd().split('\n').length, 1, `${what}: one line of JSON on stdout\n${r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function standIn(t: ExecutionContext, root: string, name: string) {
  const data = path.join(root, name);
  fs.mkdirSync(data);
  const s = await StandIn.start({ dataDir: data });
  t.teardown(() => s.stop());
  return { s, data };
}

test('every command\'s --json output has exactly the keys docs/json.md documents for its type', async (t) => {
  const schema = readSchema();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-json-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const env = { MGBACKUP_CONFIG: '' , XDG_CONFIG_HOME: root };
  const cli = (args: string[]) => runCli(args, { env, cwd: root });
  const { s, data } = await standIn(t, root, 'data');
  const client = await connectNeo4j({ uri: s.uri });
  await client.run('CREATE (:P {n: 0})-[:E]->(:P {n: 1}), (:P {n: 2})');
  await client.close();
  const repo = path.join(root, 'repo');
  const seen = new Set<string>();
  const check = (what: string, obj: Record<string, unknown>) => {
    seen.add(String(obj.type));
    checkAgainstSchema(t, what, obj, schema);
  };

  const info = await cli(['info', '--json', '--uri', s.uri]);
  t.is(info.code, 0, info.stderr);
  check('info', one(t, info, 'info'));

  const create = await cli(['create', '--json', '--uri', s.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data, '--tag', 'a']);
  t.is(create.code, 0, create.stderr);
  const backup = one(t, create, 'create');
  check('create', backup);

  const copy = await cli(['copy', '--json', '--from', repo, '--to', path.join(root, 'copy'), '--all']);
  t.is(copy.code, 0, copy.stderr);
  check('copy', one(t, copy, 'copy'));

  const list = await cli(['list', '--json', '--repo', repo]);
  t.is(list.code, 0, list.stderr);
  check('list', one(t, list, 'list'));

  const verify = await cli(['verify', '--json', '--deep', '--repo', repo, 'latest']);
  t.is(verify.code, 0, verify.stderr);
  check('verify --deep', one(t, verify, 'verify'));

  const dumpFile = path.join(root, 'db.cypherl');
  const dump = await cli(['dump', '--json', '--uri', s.uri, '-o', dumpFile]);
  t.is(dump.code, 0, dump.stderr);
  check('dump -o', one(t, dump, 'dump'));

  const snapshot = (backup.files as { path: string; kind: string }[]).find((f) => f.kind === 'snapshot')!.path;
  const snapPath = path.join(String(backup.path), snapshot);
  const convert = await cli(['convert', '--json', snapPath, '-o', path.join(root, 'conv.cypherl')]);
  t.is(convert.code, 0, convert.stderr);
  check('convert -o', one(t, convert, 'convert'));

  const inspect = await cli(['inspect', '--json', snapPath, snapPath]);
  t.is(inspect.code, 0, inspect.stderr);
  const lines = inspect.stdout.trimEnd().split('\n');
  t.is(lines.length, 2, 'inspect of two files: two JSON lines');
  for (const l of lines) check('inspect', JSON.parse(l) as Record<string, unknown>);

  // load, with a failing statement recorded: exit 3 and the failure in the JSON.
  const empty = await standIn(t, root, 'empty');
  const bad = path.join(root, 'bad.cypherl');
  fs.writeFileSync(bad, fs.readFileSync(dumpFile, 'utf8') + 'THIS IS NOT CYPHER;\n');
  const load = await cli(['load', '--json', '--continue-on-error', '--uri', empty.s.uri, bad]);
  t.is(load.code, 3, load.stderr);
  const loaded = one(t, load, 'load');
  check('load', loaded);
  t.is(loaded.failed, 1);
  t.is((loaded.failures as unknown[]).length, 1);

  const target = path.join(root, 'target');
  fs.mkdirSync(target);
  const restore = await cli(['restore', '--json', '--dry-run', 'latest', '--repo', repo, '--data-dir', target]);
  t.is(restore.code, 0, restore.stderr);
  check('restore --dry-run', one(t, restore, 'restore'));

  const online = await cli(['restore', '--json', 'latest', '--repo', repo, '--online', '--force', '--data-dir', data, '--server-data-dir', data, '--uri', s.uri]);
  t.is(online.code, 0, online.stderr);
  check('restore --online', one(t, online, 'restore --online'));

  const unlock = await cli(['unlock', '--json', '--uri', s.uri, '--data-dir', data]);
  t.is(unlock.code, 0, unlock.stderr);
  check('unlock', one(t, unlock, 'unlock'));

  // An encrypted repository listed without its key: the clear summaries.
  const keyFile = path.join(root, 'key.txt');
  t.is(spawnSync('age-keygen', ['-o', keyFile]).status, 0);
  const recipient = /public key: (age1\S+)/.exec(fs.readFileSync(keyFile, 'utf8'))![1]!;
  const encRepo = path.join(root, 'enc');
  const encCreate = await cli(['create', '--uri', s.uri, '--repo', encRepo, '--data-dir', data, '--server-data-dir', data, '--encrypt', '--recipient', recipient, '--identity', keyFile]);
  t.is(encCreate.code, 0, encCreate.stderr);
  const keyless = await cli(['list', '--json', '--repo', encRepo]);
  t.is(keyless.code, 0, keyless.stderr);
  check('list of an encrypted repository without its key', one(t, keyless, 'list (no key)'));

  // Errors: one object on stderr, nothing on stdout.
  const missing = await cli(['verify', '--json', '--repo', repo, 'nosuch']);
  t.is(missing.code, 12);
  t.is(missing.stdout, '');
  const err = JSON.parse(missing.stderr) as Record<string, unknown>;
  check('error', err);
  t.like(err, { type: 'error', code: 12, kind: 'notFound' });

  t.deepEqual([...seen].sort(), [...schema.keys()].sort(), 'every documented type was printed by some command');
});

test('dump and convert refuse --json without -o: stdout carries the Cypher (exit 2, JSON error)', async (t) => {
  const dump = await runCli(['dump', '--json']);
  t.is(dump.code, 2);
  t.is(dump.stdout, '');
  t.deepEqual(JSON.parse(dump.stderr), {
    type: 'error', code: 2, kind: 'usage', message: 'dump --json needs -o FILE: without it stdout carries the Cypher',
    hints: ['write the dump with -o FILE; the summary is then the JSON on stdout'],
  });
  const convert = await runCli(['convert', '--json', 'some.snapshot']);
  t.is(convert.code, 2);
  t.is(convert.stdout, '');
  t.like(JSON.parse(convert.stderr), { type: 'error', code: 2, kind: 'usage', message: 'convert --json needs -o FILE: without it stdout carries the Cypher' });
});
