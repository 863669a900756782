// How mgbackup finds the Docker engine (DOCKER_HOST unix/tcp/TLS/ssh, Docker contexts), and that each
// kind of endpoint really carries the Engine API calls: the fake engine also listens on loopback TCP,
// plain and with TLS client certificates made by openssl here.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { endpointFromEnv } from '../../src/datadir/docker-endpoint.js';
import { DockerDataDir } from '../../src/datadir/docker-data-dir.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { skipIf } from '../helpers/skip.js';
import { startFakeDocker } from './fake-docker.js';

function tmp(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-endpoint-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A docker CLI config dir holding one context named `name` whose endpoint is `host`. */
function contextStore(dir: string, name: string, host: string, current?: string): void {
  const digest = createHash('sha256').update(name).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', digest), { recursive: true });
  fs.writeFileSync(path.join(dir, 'contexts', 'meta', digest, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (current) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: current }));
}

test('DOCKER_HOST unix:// is the socket; tcp:// is plain HTTP on 2375 unless given a port', (t) => {
  const unix = endpointFromEnv({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' });
  t.is(unix.modem.socketPath, '/run/user/1000/docker.sock');
  t.is(unix.modem.host, undefined);
  t.is(unix.description, 'unix:///run/user/1000/docker.sock');
  t.like(endpointFromEnv({ DOCKER_HOST: 'tcp://docker.example' }).modem, { host: 'docker.example', port: '2375', protocol: 'http', socketPath: undefined });
  t.like(endpointFromEnv({ DOCKER_HOST: 'tcp://10.0.0.5:4243' }).modem, { host: '10.0.0.5', port: '4243', protocol: 'http' });
});

test('DOCKER_TLS_VERIFY reads ca/cert/key from DOCKER_CERT_PATH and defaults the port to 2376', (t) => {
  const dir = tmp(t);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `${f} bytes`);
  const e = endpointFromEnv({ DOCKER_HOST: 'tcp://docker.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
  t.like(e.modem, { host: 'docker.example', port: '2376', protocol: 'https' });
  t.is(String(e.modem.ca), 'ca.pem bytes');
  t.is(String(e.modem.cert), 'cert.pem bytes');
  t.is(String(e.modem.key), 'key.pem bytes');
  t.false(e.description.includes('bytes'), 'no key material in messages');
});

test('DOCKER_TLS_VERIFY without the certificate files is a usage error naming the file', (t) => {
  const dir = tmp(t);
  const err = t.throws(() => endpointFromEnv({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'usage');
  t.is(err!.message, `cannot read "${path.join(dir, 'ca.pem')}" for TLS to the Docker engine (DOCKER_HOST): ENOENT`);
  t.deepEqual(err!.hints, ['set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem']);
});

test('DOCKER_HOST ssh://user@host:port goes over ssh with the agent from SSH_AUTH_SOCK', (t) => {
  const e = endpointFromEnv({ DOCKER_HOST: 'ssh://ops@db1.example:2222', SSH_AUTH_SOCK: '/tmp/agent.sock' });
  t.like(e.modem, { protocol: 'ssh', host: 'db1.example', port: 2222, username: 'ops' });
  t.deepEqual(e.modem.sshOptions, { agent: '/tmp/agent.sock' });
  t.like(endpointFromEnv({ DOCKER_HOST: 'ssh://db1.example' }).modem, { protocol: 'ssh', port: 22 });
});

test('a DOCKER_HOST of another kind is a usage error quoting it', (t) => {
  for (const host of ['http://h:2375', 'docker.example:2375', 'unix://']) {
    const err = t.throws(() => endpointFromEnv({ DOCKER_HOST: host }), { instanceOf: MgBackupError });
    t.is(err!.kind, 'usage', host);
    t.true(err!.message.startsWith(`DOCKER_HOST "${host}" `), err!.message);
  }
});

test('Docker contexts: currentContext in config.json, DOCKER_CONTEXT over it, DOCKER_HOST over both, "default" is local', (t) => {
  const dir = tmp(t);
  contextStore(dir, 'remote', 'tcp://ctx.example:2375', 'remote');
  contextStore(dir, 'other', 'unix:///srv/other.sock');
  const current = endpointFromEnv({ DOCKER_CONFIG: dir, HOME: dir });
  t.like(current.modem, { host: 'ctx.example', port: '2375', protocol: 'http' });
  t.is(current.description, 'tcp://ctx.example:2375 (Docker context "remote")');
  t.is(endpointFromEnv({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'other', HOME: dir }).modem.socketPath, '/srv/other.sock');
  t.is(endpointFromEnv({ DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///x.sock', HOME: dir }).modem.socketPath, '/x.sock');
  t.is(endpointFromEnv({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'default', HOME: dir }).modem.socketPath, '/var/run/docker.sock');
  const err = t.throws(() => endpointFromEnv({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'missing', HOME: dir }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'usage');
  t.regex(err!.message, /^Docker context "missing" cannot be read from ".*contexts": ENOENT$/);
});

test('no DOCKER_HOST and no context: the local socket', (t) => {
  const home = tmp(t);
  t.is(endpointFromEnv({ HOME: home }).modem.socketPath, '/var/run/docker.sock');
  fs.mkdirSync(path.join(home, '.docker', 'run'), { recursive: true });
  fs.writeFileSync(path.join(home, '.docker', 'run', 'docker.sock'), '');
  t.is(endpointFromEnv({ HOME: home }).modem.socketPath, path.join(home, '.docker', 'run', 'docker.sock'));
});

async function readThrough(env: NodeJS.ProcessEnv, fsRoot: string): Promise<string> {
  const root = path.join(fsRoot, 'var/lib/memgraph');
  fs.mkdirSync(path.join(root, 'snapshots'), { recursive: true });
  fs.writeFileSync(path.join(root, 'snapshots', 's1'), 'snapshot bytes');
  const dir = await DockerDataDir.open('mg', { env });
  const chunks: Buffer[] = [];
  for await (const c of await dir.read('snapshots/s1')) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

test('the engine is reached through a Docker context and through plain tcp://', async (t) => {
  const docker = await startFakeDocker('mg', { tcp: true });
  t.teardown(() => docker.close());
  const dir = tmp(t);
  contextStore(dir, 'ci', `unix://${docker.socketPath}`, 'ci');
  t.is(await readThrough({ DOCKER_CONFIG: dir, HOME: dir }, docker.fsRoot), 'snapshot bytes');
  t.is(await readThrough({ DOCKER_HOST: docker.tcpHost, HOME: dir }, docker.fsRoot), 'snapshot bytes');
});

const openssl = spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed (it makes the TLS certificates)';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker-machine` lays them out. */
function makeCerts(dir: string): { server: { key: Buffer; cert: Buffer; ca: Buffer }; clientDir: string } {
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'san.cnf');
  const clientDir = path.join(dir, 'client');
  fs.mkdirSync(clientDir);
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client/key.pem', '-out', 'client.csr', '-subj', '/CN=client');
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'client/cert.pem', '-days', '2');
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(clientDir, 'ca.pem'));
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  return { server: { key: read('server-key.pem'), cert: read('server-cert.pem'), ca: read('ca.pem') }, clientDir };
}

skipIf(test, openssl)('tcp:// with DOCKER_TLS_VERIFY: client certificates are presented; without them the engine is unreachable', async (t) => {
  const dir = tmp(t);
  const { server, clientDir } = makeCerts(dir);
  const docker = await startFakeDocker('mg', { tcp: true, tls: server });
  t.teardown(() => docker.close());
  const env = { DOCKER_HOST: docker.tcpHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: clientDir, HOME: dir };
  t.is(await readThrough(env, docker.fsRoot), 'snapshot bytes');
  const err = await t.throwsAsync(DockerDataDir.open('mg', { env: { DOCKER_HOST: docker.tcpHost, HOME: dir } }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'cannotConnect');
  t.true(err!.message.startsWith(`cannot reach the Docker engine at "${docker.tcpHost}": `), err!.message);
});
