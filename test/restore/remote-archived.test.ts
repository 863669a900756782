// A format 2 backup that keeps WAL in the repository's wal archive (manifest `archived`), restored from
// s3://: its own files and the archived WAL are staged straight from the bucket, each checked on the way
// (src/core/restore/remote-files.ts), and the stand-in on the restored directory dumps the backed-up
// state; a changed archived object is exit 14 naming it, nothing swapped in. The repository is made
// locally (watch --once, then a create whose WAL rolls over between its snapshot and its lock, as in
// test/pitr/create-archived.test.ts) and uploaded object by object.
import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { readServerFacts } from '../../src/bolt/server-facts.js';
import { createBackup } from '../../src/core/backup/create.js';
import { LocalSharedFiles } from '../../src/core/backup/shared-files.js';
import { systemClock } from '../../src/core/clock.js';
import { silentReporter } from '../../src/core/reporter.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { StandIn } from '../standin/standin.js';
import { runCli } from '../helpers/run-cli.js';
import { runMain } from '../helpers/capture-io.js';
import { cliEnv, freshBucket } from '../helpers/s3-server.js';
import { dumpDatabase, runQueries, tempRoot } from '../pitr/helpers.js';

const writes = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `CREATE (:__mg_vertex__:\`R\` {__mg_id__: ${from + i}, \`s\`: "${'r'.repeat(300)}-${from + i}"});`);

test('restore from s3:// of a backup whose WAL is in the wal archive: every file staged from the bucket; a changed archived object is 14', async (t) => {
  const root = tempRoot(t, 'remote-archived');
  const data = path.join(root, 'data');
  const local = path.join(root, 'repo');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data, engineOptions: { walFileSizeKib: 1 } });
  t.teardown(() => standin.stop());
  await runQueries(standin.uri, writes(0, 4));
  const w = await runMain(['watch', '--once', '--uri', standin.uri, '--repo', local, '--data-dir', data, '--quiet', '--repo-compression', 'none']);
  t.is(w.code, 0, w.err);
  const client = await connectNeo4j({ uri: standin.uri });
  const result = await createBackup(
    { snapshotOnly: false, wait: false, waitTimeoutMs: 1000, labels: {}, tags: [], mgbackupVersion: '0.0.0-test' },
    {
      client, reconnect: () => connectNeo4j({ uri: standin.uri }), readFacts: readServerFacts,
      dataDir: new LocalDataDir(data, data), store: await BackupStore.open(local, { create: true }), clock: systemClock,
      reporter: silentReporter, probe: systemProcessProbe, shared: new LocalSharedFiles(data),
      onStep: async (s) => { if (s === 'snapshot') await runQueries(standin.uri, writes(100, 8)); },
    },
  ).finally(() => client.close());
  t.true(result.archived.length >= 2, `${result.archived.length} archived references`);
  const expected = await dumpDatabase(standin.uri);
  await standin.stop();

  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  for (const rel of fs.readdirSync(local, { recursive: true }).map(String).sort()) {
    const abs = path.join(local, rel);
    if (fs.statSync(abs).isFile() && !rel.startsWith('locks')) await b.backend.put(rel.split(path.sep).join('/'), fs.readFileSync(abs));
  }
  const env = cliEnv(b.server);
  const repo = `s3://${b.bucket}/repo`;
  const names = result.archived.map((a) => JSON.parse(fs.readFileSync(path.join(local, `${a.key}.json`), 'utf8')).name as string);

  // No temp folder can be made (TMPDIR is a file): every file comes straight from the bucket into staging.
  const tmp = path.join(root, 'tmp-is-a-file');
  fs.writeFileSync(tmp, '');
  const target = path.join(root, 'restored');
  const r = await runCli(['restore', result.id, '--repo', repo, '--data-dir', target, '--json'], { env: { ...env, TMPDIR: tmp } });
  t.is(r.code, 0, r.stderr);
  const staged = fs.readdirSync(path.join(target, 'wal')).sort();
  for (const n of names) t.true(staged.includes(n), `${n} staged`);
  const again = await StandIn.start({ dataDir: target });
  t.teardown(() => again.stop());
  t.deepEqual(await dumpDatabase(again.uri), expected);
  await again.stop();

  // One flipped byte in an archived WAL object: 14 naming it (verify's words), nothing swapped in.
  const key = result.archived[0]!.key;
  const bytes = fs.readFileSync(path.join(local, key));
  bytes[bytes.length - 3] ^= 0xff;
  await b.backend.put(key, bytes);
  const fresh = path.join(root, 'refused');
  const bad = await runCli(['restore', result.id, '--repo', repo, '--data-dir', fresh], { env });
  t.is(bad.code, 14, bad.stderr);
  const name = JSON.parse(fs.readFileSync(path.join(local, `${key}.json`), 'utf8')).name as string;
  t.is(bad.stderr, `mgbackup: error: backup file "wal/${name}" has sha256 ${createHash('sha256').update(bytes).digest('hex')}, the manifest says ${result.archived[0]!.sha256}\n`
    + 'hint: the backup is damaged; nothing was written to the target\n'
    + 'hint: restore another backup ("mgbackup list"), or check the store\'s disk\n');
  t.false(fs.existsSync(fresh), 'the data directory this run would have made is not left behind');
});
