// `mgbackup info` against a real Memgraph container (pinned image in docker/memgraph.image). Runs
// wherever Docker runs; elsewhere the test is skipped with the reason in its title, and
// MGBACKUP_REQUIRE_CONTAINERS=1 makes that a failure.
import test from 'ava';
import { probeContainerRuntime, REQUIRE_CONTAINERS } from '../helpers/container-runtime.js';
import { memgraphImage } from '../helpers/memgraph-image.js';
import { startMemgraph } from '../helpers/memgraph-container.js';
import { runCli } from '../helpers/run-cli.js';
import { skipIf } from '../helpers/skip.js';

const { runtime, reason } = await probeContainerRuntime();
const ctest = skipIf(test.serial, reason, { require: REQUIRE_CONTAINERS });

ctest('info reads version, role, storage mode and lock status from a real Memgraph', async (t) => {
  const { uri } = await startMemgraph(t, runtime!);
  const r = await runCli(['info', '--json', '--uri', uri]);
  t.is(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, unknown>;
  // The pinned tag is the release the server reports.
  t.is(String(info.version).split(/[+-]/)[0], memgraphImage().split(':')[1]);
  t.is(info.role, 'main');
  t.is(info.storageMode, 'IN_MEMORY_TRANSACTIONAL');
  t.is(info.lockStatus, 'unlocked');
  t.is(info.vertices, 0);
});
