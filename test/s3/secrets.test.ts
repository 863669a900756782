// Issue 13: secrets (AWS_SECRET_ACCESS_KEY, the passphrase, identity contents) never appear in output,
// logs, metrics, manifests, --json or any object of the repository. Every command of an encrypted S3
// round trip runs through the built CLI with --verbose, --log-file and --metrics-file (the most it ever
// says), against the real S3 server and the stand-in as its own process; then everything it printed or
// wrote, and every object in the bucket, is searched for each secret. Failures (a wrong secret key with
// the SDK's retries shown, a wrong passphrase, a wrong identity) are searched too.
import test, { type ExecutionContext } from 'ava';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { ageKeygen } from '../helpers/age-keygen.js';
import { cliEnv, adminClient, type TestBucket } from '../helpers/s3-server.js';
import { bucketAndStandin } from '../helpers/s3-standin.js';

const SEED = [0, 1, 2].map((i) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`);

function s3Env(b: TestBucket, secret = b.server.secretAccessKey): NodeJS.ProcessEnv {
  return cliEnv(b.server, { AWS_SECRET_ACCESS_KEY: secret, MGBACKUP_PASSPHRASE: '' });
}

async function objects(b: TestBucket): Promise<Map<string, Buffer>> {
  const admin = adminClient(b.server);
  const out = new Map<string, Buffer>();
  try {
    for (const key of await b.keys()) {
      const r = await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }));
      out.set(key, Buffer.from(await r.Body!.transformToByteArray()));
    }
  } finally {
    admin.destroy();
  }
  return out;
}

/** Every place a secret could leak to, by name: each run's stdout and stderr, and the files given. */
class Witness {
  readonly places = new Map<string, Buffer>();
  run(name: string, r: CliResult): CliResult {
    this.places.set(`${name} stdout`, Buffer.from(r.stdout));
    this.places.set(`${name} stderr`, Buffer.from(r.stderr));
    return r;
  }
  files(dir: string, prefix: string): void {
    for (const rel of fs.readdirSync(dir, { recursive: true }).map(String)) {
      const abs = path.join(dir, rel);
      if (fs.statSync(abs).isFile()) this.places.set(`${prefix}/${rel}`, fs.readFileSync(abs));
    }
  }
  /** Places that hold `secret` (as text, also in base64 or hex, the forms a careless dump would take). */
  leaks(secret: string): string[] {
    const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')];
    return [...this.places].filter(([, bytes]) => forms.some((f) => bytes.includes(f))).map(([name]) => name);
  }
}

async function setup(t: ExecutionContext, name: string) {
  const { b, root, data, server } = await bucketAndStandin(t, name, SEED);
  const logs = path.join(root, 'logs');
  fs.mkdirSync(logs);
  return { b, root, data, server, logs };
}

const loud = (logs: string, name: string) => ['--verbose', '--log-file', path.join(logs, `${name}.log`)];

test('a passphrase-encrypted S3 round trip: neither the passphrase nor the secret key appears in any output, log, metrics file or object', async (t) => {
  const { b, root, data, server, logs } = await setup(t, 's3-secrets-pass');
  const repo = `s3://${b.bucket}/repo`;
  const passphrase = `pass-${randomBytes(12).toString('hex')}`;
  const passFile = path.join(root, 'pass.txt');
  fs.writeFileSync(passFile, `${passphrase}\n`, { mode: 0o600 });
  const env = s3Env(b);
  const w = new Witness();

  const c = w.run('create', await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--encrypt', '--passphrase-file', passFile,
    '--json', '--metrics-file', path.join(logs, 'create.prom'), ...loud(logs, 'create')], { env }));
  t.is(c.code, 0, c.stderr);
  const id = (JSON.parse(c.stdout) as { id: string }).id;
  // The passphrase from the environment this time: the other way users give it.
  const envPass = { ...env, MGBACKUP_PASSPHRASE: passphrase };
  for (const args of [['list', '--json'], ['verify', id, '--deep', '--json'], ['verify', '--all']]) {
    const r = w.run(args.join(' '), await runCli([...args, '--repo', repo, ...loud(logs, args[0]!)], { env: envPass }));
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  await server.kill();
  const target = path.join(root, 'restored');
  const r = w.run('restore', await runCli(['restore', id, '--repo', repo, '--data-dir', target, '--json', ...loud(logs, 'restore')], { env: envPass }));
  t.is(r.code, 0, r.stderr);

  // Refusals: a wrong passphrase (11), and a wrong secret key with the SDK's retries shown (11).
  const wrong = w.run('wrong passphrase', await runCli(['verify', id, '--repo', repo, ...loud(logs, 'wrong-pass')], { env: { ...env, MGBACKUP_PASSPHRASE: `${passphrase}x` } }));
  t.is(wrong.code, 11, wrong.stderr);
  const badSecret = `bad-${randomBytes(16).toString('hex')}`;
  const denied = w.run('wrong secret', await runCli(['list', '--repo', repo, ...loud(logs, 'wrong-secret')], { env: s3Env(b, badSecret) }));
  t.is(denied.code, 11, denied.stderr);

  w.files(logs, 'logs');
  for (const [key, bytes] of await objects(b)) w.places.set(`s3://${b.bucket}/${key}`, bytes);
  t.true([...w.places.keys()].some((k) => k.endsWith('/manifest.json')), 'the manifest object was searched');
  t.true(fs.readFileSync(path.join(logs, 'create.log'), 'utf8').length > 0, 'the verbose log was written');
  // The search finds a secret where there is one (the passphrase file itself, as a control).
  const control = new Witness();
  control.files(root, 'root');
  t.deepEqual(control.leaks(passphrase), ['root/pass.txt']);
  t.deepEqual(w.leaks(passphrase), []);
  t.deepEqual(w.leaks(badSecret), []);
  t.deepEqual(w.leaks(b.server.secretAccessKey), []);
});

test('an identity-encrypted S3 repository: the identity\'s secret key never appears, also when a wrong identity is refused', async (t) => {
  const { b, root, data, server, logs } = await setup(t, 's3-secrets-id');
  const repo = `s3://${b.bucket}/repo`;
  const key = ageKeygen(root, 'key.txt');
  const other = ageKeygen(root, 'other.txt');
  const env = s3Env(b);
  const w = new Witness();
  const c = w.run('create', await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--encrypt', '--recipient', key.recipient, '--json', ...loud(logs, 'create')], { env }));
  t.is(c.code, 0, c.stderr);
  const id = (JSON.parse(c.stdout) as { id: string }).id;
  const v = w.run('verify', await runCli(['verify', id, '--deep', '--repo', repo, '--identity', key.file, '--json', ...loud(logs, 'verify')], { env }));
  t.is(v.code, 0, v.stderr);
  const wrong = w.run('wrong identity', await runCli(['verify', id, '--deep', '--repo', repo, '--identity', other.file, ...loud(logs, 'wrong')], { env }));
  t.is(wrong.code, 11, wrong.stderr);
  w.files(logs, 'logs');
  for (const [k, bytes] of await objects(b)) w.places.set(`s3://${b.bucket}/${k}`, bytes);
  for (const secret of [key.identity, other.identity, key.identity.slice('AGE-SECRET-KEY-1'.length), other.identity.toLowerCase()]) {
    t.deepEqual(w.leaks(secret), [], secret.slice(0, 20));
  }
  t.deepEqual(w.leaks(b.server.secretAccessKey), []);
});
