// The "done when" for point-in-time restore, end to end with the stand-in as its own process:
// seed -> create -> watch -> writes at T1, T2, T3 (a DUMP taken at each) -> the server SIGKILLed ->
// restore --to-time T2 into a new directory -> a new stand-in started there dumps exactly the T2 DUMP.
// Then the refusals an operator can meet, by exit code and exact stderr.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { comparableDump } from '../standin/dump-compare.js';
import { dumpDatabase, runQueries, startServer, tempRoot, tick } from './helpers.js';

const SEED = [
  ...[0, 1, 2, 3, 4].map((i) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}});`),
  'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`E`]->(v);',
];

/** Step i: a new vertex, a changed property and a deleted edge, so each point differs in kind. */
const STEP = (i: number): string[] => [
  `CREATE (:__mg_vertex__:\`W\` {__mg_id__: ${100 + i}, \`step\`: ${i}});`,
  `MATCH (v:__mg_vertex__) WHERE v.__mg_id__ = ${i} SET v.\`n\` = ${i * 10};`,
  ...(i === 3 ? ['MATCH ()-[e:`E`]->() DELETE e;'] : []),
];

/** The commit a restore --json went to. */
const pit3 = (r: { stdout: string }): string => (JSON.parse(r.stdout) as { pointInTime: { ts: string } }).pointInTime.ts;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Point {
  time: string;
  dump: string[];
}

test('restore --to-time T2 after a SIGKILL: a new stand-in on the restored directory dumps exactly the T2 DUMP', async (t) => {
  const root = tempRoot(t, 'pitr-e2e');
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const server = await startServer(t, data);
  await runQueries(server.uri, SEED);
  const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json']);
  t.is(c.code, 0, c.stderr);
  const watch = async () => {
    const w = await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet']);
    t.is(w.code, 0, w.stderr);
  };
  await watch();
  const points: Point[] = [];
  for (const i of [1, 2, 3]) {
    await tick();
    await runQueries(server.uri, STEP(i));
    await watch();
    // T_i: after watch saw step i durable, before step i+1 is written.
    const time = new Date().toISOString();
    points.push({ time, dump: await dumpDatabase(server.uri) });
  }
  t.notDeepEqual(points[1]!.dump, points[0]!.dump);
  t.notDeepEqual(points[1]!.dump, points[2]!.dump);
  // While the server holds its directory, a point-in-time restore into it is refused like any restore.
  const busy = await runCli(['restore', '--repo', repo, '--to-time', points[0]!.time, '--data-dir', data]);
  t.is(busy.code, 13, busy.stderr);
  t.regex(busy.stderr, /^mgbackup: error: .*\.lock/);
  await server.kill();

  const target = path.join(root, 'restored');
  const r = await runCli(['restore', '--repo', repo, '--to-time', points[1]!.time, '--data-dir', target, '--json']);
  t.is(r.code, 0, r.stderr);
  const pit = JSON.parse(r.stdout).pointInTime as { ts: string; at: string; requested: { time: string }; cut: { kept: number } | undefined };
  t.is(pit.requested.time, points[1]!.time);
  // The time restored to is when that commit was seen durable: at or before T2, after T1.
  t.true(Date.parse(pit.at) <= Date.parse(points[1]!.time), pit.at);
  t.true(Date.parse(pit.at) > Date.parse(points[0]!.time), pit.at);
  t.truthy(pit.cut, 'the archived WAL goes on to T3, so it is cut');

  // mgbackup's own decoder replays the restored directory (snapshot, then the WAL with the cut file
  // last) to the same graph, independently of the stand-in's recovery.
  const walFiles = fs.readdirSync(path.join(target, 'wal')).sort().map((n) => path.join(target, 'wal', n));
  const snapFiles = fs.readdirSync(path.join(target, 'snapshots')).map((n) => path.join(target, 'snapshots', n));
  t.is(snapFiles.length, 1);
  const decoded = await runCli(['convert', snapFiles[0]!, ...walFiles]);
  t.is(decoded.code, 0, decoded.stderr);
  t.deepEqual(comparableDump(decoded.stdout.trimEnd().split('\n')), comparableDump(points[1]!.dump));

  const restored = await startServer(t, target);
  t.deepEqual(await dumpDatabase(restored.uri), points[1]!.dump);
  await restored.kill();

  // The same commit by --to-ts, in text: the first lines name the commit and the time.
  const byTs = path.join(root, 'restored-ts');
  const r2 = await runCli(['restore', '--repo', repo, '--to-ts', pit.ts, '--data-dir', byTs]);
  t.is(r2.code, 0, r2.stderr);
  t.is(r2.stdout.split('\n')[0], `point in time: commit ${pit.ts}, durable by ${pit.at} (asked: commit ${pit.ts})`);
  const again = await startServer(t, byTs);
  t.deepEqual(await dumpDatabase(again.uri), points[1]!.dump);
  await again.kill();

  // convert --to-time on the repository: the same point as Cypher, without a server.
  const cv = await runCli(['convert', '--repo', repo, '--to-time', points[1]!.time]);
  t.is(cv.code, 0, cv.stderr);
  t.deepEqual(comparableDump(cv.stdout.trimEnd().split('\n')), comparableDump(points[1]!.dump));

  // T3 is the newest point: restorable too, and different.
  const t3 = path.join(root, 'restored-t3');
  const r3 = await runCli(['restore', '--repo', repo, '--to-time', points[2]!.time, '--data-dir', t3, '--quiet', '--json']);
  t.is(r3.code, 0, r3.stderr);
  const third = await startServer(t, t3);
  t.deepEqual(await dumpDatabase(third.uri), points[2]!.dump);
  await third.kill();

  // The refusals, each by exit code and exact stderr.
  const list = JSON.parse((await runCli(['list', '--repo', repo, '--json'])).stdout) as {
    backups: { id: string; uuid: string; pinned: boolean; snapshotOnly: boolean; ageSeconds: number }[];
    databases: { uuid: string; databases: string[]; backups: string[]; archive: { files: number }; holes: string[]; window: { earliest: { ts: string; at: string }; latest: { ts: string; at: string } } }[];
  };
  const { uuid, window: w } = list.databases[0]!;
  t.like(list.databases[0], { databases: ['memgraph'], backups: [list.backups[0]!.id], holes: [] });
  t.like(list.backups[0], { uuid, pinned: false });
  t.true(list.databases[0]!.archive.files >= 1);
  t.is(w.latest.ts, pit3(r3));
  const windowText = `${w.earliest.at} (commit ${w.earliest.ts}) .. ${w.latest.at} (commit ${w.latest.ts})`;
  const text = await runCli(['list', '--repo', repo]);
  t.is(text.stdout.split('\n')[0], `database memgraph, storage ${uuid}`);
  t.true(text.stdout.includes(`\nrestore window: ${windowText}\n`), text.stdout);
  const refuse = (args: string[]) => runCli(['restore', '--repo', repo, '--data-dir', path.join(root, 'refused'), ...args]);

  const early = await refuse(['--to-time', '2001-01-01T00:00:00Z']);
  t.is(early.code, 12);
  t.is(early.stderr, `mgbackup: error: --to-time "2001-01-01T00:00:00.000Z" is before the restore window of database "memgraph": ${windowText}\n`
    + 'hint: older states are in no base backup kept in this repository\n');
  const late = await refuse(['--to-time', '2999-01-01T00:00:00+01:00']);
  t.is(late.code, 12);
  t.regex(late.stderr, new RegExp(`^mgbackup: error: --to-time "2998-12-31T23:00:00\\.000Z" is after the restore window of database "memgraph": ${escape(windowText)}\n`
    + 'hint: that time is still to come \\(now is \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); pick a point inside the window\n$'));
  const pastTs = await refuse(['--to-ts', String(BigInt(w.latest.ts) + 1000n)]);
  t.is(pastTs.code, 12);
  t.is(pastTs.stderr, `mgbackup: error: --to-ts "${BigInt(w.latest.ts) + 1000n}" is after the restore window of database "memgraph": ${windowText}\n`
    + 'hint: later commits are not archived yet (is `mgbackup watch` running?); pick a point inside the window\n');
  const bad = await refuse(['--to-time', 'yesterday']);
  t.is(bad.code, 2);
  t.is(bad.stderr, 'mgbackup: error: bad --to-time "yesterday"\nhint: give an ISO 8601 time with its zone, e.g. --to-time 2026-12-02T10:41:00Z\n');
  const noZone = await refuse(['--to-time', '2026-12-02T10:41:00']);
  t.is(noZone.code, 2);
  const badTs = await refuse(['--to-ts', '12abc']);
  t.is(badTs.code, 2);
  t.is(badTs.stderr, 'mgbackup: error: bad --to-ts "12abc"\nhint: give a commit timestamp as a decimal number, as `mgbackup list` shows it\n');
  t.false(fs.existsSync(path.join(root, 'refused')), 'a refusal writes nothing');
});
