// DockerDataDir against a real engine when DOCKER_HOST or /var/run/docker.sock is there would need a
// running Memgraph container; here it runs against test/datadir/fake-docker.ts, a small Engine API on a
// unix socket, which exercises the same HTTP, tar and exec code paths.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { DockerDataDir } from '../../src/datadir/docker-data-dir.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { dataDirContract } from './data-dir.contract.js';
import { startFakeDocker } from './fake-docker.js';

dataDirContract(test, 'docker', async (memgraphLike) => {
  const docker = await startFakeDocker('mg');
  const root = path.join(docker.fsRoot, 'var/lib/memgraph');
  fs.mkdirSync(root, { recursive: true });
  if (memgraphLike) {
    fs.mkdirSync(path.join(root, 'snapshots'));
    fs.mkdirSync(path.join(root, 'wal'));
  }
  const dir = await DockerDataDir.open('mg', { env: { DOCKER_HOST: `unix://${docker.socketPath}` } });
  return { dir, cleanup: () => docker.close() };
});

test('docker: an unknown container is notFound', async (t) => {
  const docker = await startFakeDocker('mg');
  t.teardown(() => docker.close());
  const err = await t.throwsAsync(DockerDataDir.open('nope', { env: { DOCKER_HOST: `unix://${docker.socketPath}` } }), { instanceOf: MgBackupError });
  t.is(err!.message, 'container "nope" does not exist');
});

test('docker: an engine that is not there is cannotConnect naming DOCKER_HOST', async (t) => {
  const err = await t.throwsAsync(DockerDataDir.open('mg', { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }), { instanceOf: MgBackupError });
  t.is(err!.kind, 'cannotConnect');
  t.regex(err!.message, /^cannot reach the Docker engine at "unix:\/\/\/nonexistent\/docker.sock": /);
});

test('docker: pins are copies made through the archive endpoint', async (t) => {
  const docker = await startFakeDocker('mg');
  t.teardown(() => docker.close());
  const root = path.join(docker.fsRoot, 'var/lib/memgraph/snapshots');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 's'), Buffer.alloc(70_000, 3));
  const dir = await DockerDataDir.open('mg', { env: { DOCKER_HOST: `unix://${docker.socketPath}` } });
  const staging = fs.mkdtempSync(path.join(docker.fsRoot, '..', 'pins-'));
  const pins = await dir.pin(['snapshots/s'], { stagingDir: staging, id: 'x' });
  t.is(pins.files[0]!.method, 'copy');
  t.is(pins.files[0]!.size, 70_000);
  t.true(docker.requests.includes('GET /containers/c0ffee0000000000000000000000000000000000000000000000000000000000/archive'));
  await pins.release();
});
