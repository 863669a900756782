// restore --to-ts into a stopped container (the Engine API's archive endpoints, served by the
// folder-backed double): the point in time's files are hashed before the upload, then uploaded as a
// plain restore's are; a stand-in started on the container's data directory dumps the state at the target.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { runContainerRestore } from '../../src/core/restore/container.js';
import type { RestoreDeps } from '../../src/core/restore/restore.js';
import { systemClock } from '../../src/core/clock.js';
import { silentReporter } from '../../src/core/reporter.js';
import { StandIn } from '../standin/standin.js';
import { runMain } from '../helpers/capture-io.js';
import { DockerDouble } from '../restore/docker-double.js';
import { skipIf } from '../helpers/skip.js';
import { dumpDatabase, runQueries, tempRoot } from './helpers.js';

const run = skipIf(test, process.geteuid?.() === 0 ? undefined : 'the Engine API double sets file owners, which needs root');

run('restore --to-ts into a stopped container: the state at the target, owner 101:103', async (t) => {
  const root = tempRoot(t, 'pitr-container');
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  t.teardown(() => standin.stop());
  await runQueries(standin.uri, ['CREATE (:__mg_vertex__:`A` {__mg_id__: 1});']);
  t.is((await runMain(['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet'])).code, 0);
  await runQueries(standin.uri, ['CREATE (:__mg_vertex__:`A` {__mg_id__: 2});']);
  const w = await runMain(['watch', '--once', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet']);
  t.is(w.code, 0, w.err);
  const expected = await dumpDatabase(standin.uri);
  const listing = JSON.parse((await runMain(['list', '--repo', repo, '--json'])).out) as { databases: { window: { latest: { ts: string } } }[] };
  const latest = BigInt(listing.databases[0]!.window.latest.ts);
  await runQueries(standin.uri, ['CREATE (:__mg_vertex__:`A` {__mg_id__: 3});']);
  t.is((await runMain(['watch', '--once', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--quiet'])).code, 0);
  await standin.stop();

  const fsRoot = path.join(root, 'container-fs');
  fs.mkdirSync(path.join(fsRoot, 'var/lib/memgraph'), { recursive: true });
  const double = new DockerDouble(fsRoot);
  const deps: RestoreDeps = { stdin: Readable.from([]), clock: systemClock, reporter: silentReporter, passwd: '', euid: 0, dockerApi: double.asApi() };
  const r = await runContainerRestore({
    source: { backup: 'latest', repo }, dataDir: '', container: 'mg', snapshotOnly: false, dryRun: false, pointInTime: { kind: 'ts', ts: latest },
  }, 'mg', deps);
  t.is(r.pointInTime?.ts, latest.toString());
  const restored = path.join(fsRoot, 'var/lib/memgraph');
  const wal = fs.readdirSync(path.join(restored, 'wal'));
  t.is(wal.length, 1);
  t.regex(wal[0]!, /^\d{20}_current$/, 'the cut file');
  const st = fs.statSync(path.join(restored, 'wal', wal[0]!));
  t.deepEqual([st.uid, st.gid], [101, 103]);
  const again = await StandIn.start({ dataDir: restored });
  t.teardown(() => again.stop());
  t.deepEqual(await dumpDatabase(again.uri), expected);
});
