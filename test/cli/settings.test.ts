// Issue 12 item 5, from the built binary: a flag's value comes from the command line, else the
// environment (MGBACKUP_<FLAG>), else the config file, else its default; unknown config keys are exit 2
// naming the key; --password-file logs in, warns when others can read it, and the password is printed
// nowhere.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StandIn } from '../standin/standin.js';
import { runCli } from '../helpers/run-cli.js';

function workdir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-settings-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The repository a `list` used, read from its "does not exist" error (each source names another folder). */
async function repoUsed(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCli(['list', ...args], { env: { XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...env }, cwd: dir });
  const m = /^mgbackup: error: backup repository "(.*)" does not exist\n/.exec(r.stderr);
  if (r.code === 2) return `usage: ${r.stderr.split('\n')[0]}`;
  if (!m) throw new Error(`unexpected: ${r.code} ${r.stderr}`);
  return path.basename(m[1]!);
}

test('precedence: flag > environment > config file > default', async (t) => {
  const dir = workdir(t);
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ repo: path.join(dir, 'from-file') }));
  const env = { MGBACKUP_CONFIG: config };
  t.is(await repoUsed(dir, ['--repo', path.join(dir, 'from-flag')], { ...env, MGBACKUP_REPO: path.join(dir, 'from-env') }), 'from-flag');
  t.is(await repoUsed(dir, [], { ...env, MGBACKUP_REPO: path.join(dir, 'from-env') }), 'from-env');
  t.is(await repoUsed(dir, [], env), 'from-file');
  t.is(await repoUsed(dir, [], {}), 'usage: mgbackup: error: no backup repository given');
  // --config beats MGBACKUP_CONFIG; the default file is $XDG_CONFIG_HOME/mgbackup/config.json.
  const other = path.join(dir, 'other.json');
  fs.writeFileSync(other, JSON.stringify({ repo: path.join(dir, 'from-other') }));
  t.is(await repoUsed(dir, ['--config', other], env), 'from-other');
  fs.mkdirSync(path.join(dir, 'xdg', 'mgbackup'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'xdg', 'mgbackup', 'config.json'), JSON.stringify({ repo: path.join(dir, 'from-xdg') }));
  t.is(await repoUsed(dir, [], {}), 'from-xdg');
});

test('a command\'s section beats the top level; booleans and lists come from the file as flags would', async (t) => {
  const dir = workdir(t);
  fs.mkdirSync(path.join(dir, 'repo'), { mode: 0o700 });
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ repo: path.join(dir, 'nowhere'), list: { repo: path.join(dir, 'repo'), json: true } }));
  const r = await runCli(['list'], { env: { MGBACKUP_CONFIG: config }, cwd: dir });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '{"type":"backups","backups":[],"databases":[],"broken":[],"leftovers":[]}\n');
  // MGBACKUP_JSON=0 turns the file's true off (env beats file); --no-json on the command line too.
  const off = await runCli(['list'], { env: { MGBACKUP_CONFIG: config, MGBACKUP_JSON: '0' }, cwd: dir });
  t.is(off.stdout, 'no backups\n');
  const flag = await runCli(['list', '--no-json'], { env: { MGBACKUP_CONFIG: config }, cwd: dir });
  t.is(flag.stdout, 'no backups\n');
});

test('config file refusals: unknown keys (with the nearest), a password, bad JSON, a missing named file', async (t) => {
  const dir = workdir(t);
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const run = (file: string) => runCli(['list', '--config', file], { cwd: dir });
  const top = await run(write('a.json', '{"rpo": "/backups"}'));
  t.is(top.code, 2);
  t.is(top.stdout, '');
  t.is(top.stderr.split('\n').slice(0, 2).join('\n'), `mgbackup: error: config file "${path.join(dir, 'a.json')}": unknown key "rpo"\nhint: did you mean "repo"?`);
  const section = await run(write('b.json', '{"list": {"deep": true}}'));
  t.is(section.code, 2);
  t.is(section.stderr, `mgbackup: error: config file "${path.join(dir, 'b.json')}": unknown key "list.deep"\nhint: mgbackup list has no option --deep; see "mgbackup list --help"\n`);
  const password = await run(write('c.json', '{"password": "S3cret"}'));
  t.is(password.code, 2);
  t.false(password.stderr.includes('S3cret'));
  t.is(password.stderr, `mgbackup: error: config file "${path.join(dir, 'c.json')}": "password" is not read from a config file\nhint: name a file holding only the password: "password-file"\n`);
  const bad = await run(write('d.json', '{"repo": '));
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^mgbackup: error: config file ".*d\.json" is not valid JSON: /);
  const type = await run(write('e.json', '{"list": {"json": "yes please"}}'));
  t.is(type.code, 2);
  t.is(type.stderr, `mgbackup: error: config file "${path.join(dir, 'e.json')}": "json" must be true or false, not "yes please"\n`);
  const missing = await run(path.join(dir, 'nope.json'));
  t.is(missing.code, 12);
  t.is(missing.stderr, `mgbackup: error: cannot read config file "${path.join(dir, 'nope.json')}": ENOENT\nhint: check --config / MGBACKUP_CONFIG\n`);
});

test('connection settings from the file reach connecting commands only; env MGBACKUP_URI too', async (t) => {
  const dir = workdir(t);
  const s = await StandIn.start({ dataDir: dir });
  t.teardown(() => s.stop());
  fs.mkdirSync(path.join(dir, 'repo'), { mode: 0o700 });
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ uri: s.uri, repo: path.join(dir, 'repo') }));
  const info = await runCli(['info', '--json'], { env: { MGBACKUP_CONFIG: config } });
  t.is(info.code, 0, info.stderr);
  t.is(JSON.parse(info.stdout).uri, s.uri);
  const list = await runCli(['list'], { env: { MGBACKUP_CONFIG: config } });
  t.is(list.code, 0, list.stderr);
  const env = await runCli(['info', '--json'], { env: { MGBACKUP_URI: s.uri } });
  t.is(env.code, 0, env.stderr);
  t.is(JSON.parse(env.stdout).uri, s.uri);
  const bad = await runCli(['info'], { env: { MGBACKUP_URI: 'neo4j://db:7687' } });
  t.is(bad.code, 2);
});

test('--password-file logs in; a file others can read is a warning; the password is printed nowhere', async (t) => {
  const dir = workdir(t);
  const s = await StandIn.start({ dataDir: dir, users: [{ user: 'admin', password: 'S3cret' }] });
  t.teardown(() => s.stop());
  const file = path.join(dir, 'pw');
  fs.writeFileSync(file, 'S3cret\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const ok = await runCli(['info', '--uri', s.uri, '--user', 'admin', '--password-file', file]);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stderr, '');
  fs.chmodSync(file, 0o644);
  const loose = await runCli(['info', '--uri', s.uri, '--user', 'admin', '--password-file', file]);
  t.is(loose.code, 0, loose.stderr);
  t.is(loose.stderr, `mgbackup: warning: --password-file "${file}" can be read by other users (mode 0644); run chmod 600 ${file}\n`);
  // From the config file, as a path: the same login.
  const config = path.join(dir, 'config.json');
  fs.chmodSync(file, 0o600);
  fs.writeFileSync(config, JSON.stringify({ user: 'admin', 'password-file': file, uri: s.uri }));
  const fromFile = await runCli(['info', '--json'], { env: { MGBACKUP_CONFIG: config } });
  t.is(fromFile.code, 0, fromFile.stderr);
  fs.writeFileSync(file, 'Wr0ng\n');
  const wrong = await runCli(['info', '--uri', s.uri, '--user', 'admin', '--password-file', file]);
  t.is(wrong.code, 11);
  t.false(wrong.stderr.includes('Wr0ng'));
  t.false(wrong.stdout.includes('Wr0ng'));
  const twice = await runCli(['info', '--uri', s.uri, '--password', 'x', '--password-file', file]);
  t.is(twice.code, 2);
  t.is(twice.stderr, 'mgbackup: error: the password is given twice: with --password-file and with --password or in --uri\nhint: give it in one place only\n');
  const missing = await runCli(['info', '--uri', s.uri, '--password-file', path.join(dir, 'nope')]);
  t.is(missing.code, 12);
  t.is(missing.stderr, `mgbackup: error: cannot read --password-file "${path.join(dir, 'nope')}": ENOENT\nhint: check the name or path given on the command line\n`);
});
