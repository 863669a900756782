// Against a real Memgraph container (pinned image in docker/memgraph.image). Runs wherever Docker runs;
// skips here with one line saying why.
import test from 'ava';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { containerRuntimeUnavailable } from '../helpers/container-runtime.js';
import { memgraphImage } from '../helpers/memgraph-image.js';
import { runCli } from '../helpers/run-cli.js';

const skipReason = await containerRuntimeUnavailable();
if (skipReason) console.log(`# skipping container tests: ${skipReason}`);
const ctest = skipReason ? test.skip : test.serial;

let container: StartedTestContainer | undefined;

test.before(async () => {
  if (skipReason) return;
  container = await new GenericContainer(memgraphImage())
    .withCommand(['--storage-wal-enabled=true', '--storage-snapshot-interval-sec=300', '--storage-properties-on-edges=true'])
    .withExposedPorts(7687)
    .withWaitStrategy(Wait.forLogMessage(/You are running Memgraph|Bolt server/i))
    .start();
});

test.after.always(async () => {
  await container?.stop();
});

ctest('info reads version, role, storage mode and lock status from a real Memgraph', async (t) => {
  const uri = `bolt://${container!.getHost()}:${container!.getMappedPort(7687)}`;
  const r = await runCli(['info', '--json', '--uri', uri]);
  t.is(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, unknown>;
  t.regex(String(info.version), /^\d+\.\d+\.\d+/);
  t.is(info.role, 'main');
  t.is(info.storageMode, 'IN_MEMORY_TRANSACTIONAL');
  t.is(info.lockStatus, 'unlocked');
  t.is(info.vertexCount, 0);
});
