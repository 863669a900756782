// The stand-in writes real Memgraph v36 durability files: what it leaves on disk decodes with src/format
// to the graph it DUMPs, a restart recovers from those files, a torn `_current` WAL gives its complete
// prefix and a snapshot still being written is skipped.
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeSnapshot, decodeSnapshotInfo, decodeWal, readFileHeader, replay } from '../../src/format/index.js';
import type { WalOp } from '../../src/format/wal-types.js';
import type { Value } from '../../src/graph/value.js';
import type { EngineSession } from './engine-api.js';
import { createEngine, type EngineOptions } from './engine/engine.js';
import { memgraphCodec } from './engine/memgraph-codec.js';
import { fixturesRoot, NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { skipIf } from '../helpers/skip.js';
import { dumpDatabase } from './cypher/dump-render.js';
import { comparableDump as canonicalDump } from './dump-compare.js';
import type { Graph } from '../../src/graph/model.js';


type E = Awaited<ReturnType<typeof createEngine>>;
let nextSession = 1;
const session = (): EngineSession => ({ id: nextSession++, database: undefined, inTransaction: false, user: undefined });

function tmpDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-mgcodec-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rows(engine: E, s: EngineSession, query: string): Value[][] {
  const r = engine.run(s, query, {});
  const out: Value[][] = [];
  for (let x = r.rows.next(); !x.done; x = r.rows.next()) out.push(x.value);
  return out;
}

const dumpOf = (engine: E, s: EngineSession): string[] => rows(engine, s, 'DUMP DATABASE').map((r) => r[0] as string);
const filesIn = (dir: string): string[] => fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
const walFiles = (dataDir: string): Uint8Array[] => filesIn(path.join(dataDir, 'wal')).map((f) => fs.readFileSync(f));

const helper = 'CREATE INDEX ON :__mg_vertex__(__mg_id__);';
const dropHelper = 'DROP INDEX ON :__mg_vertex__(__mg_id__);';
const cleanup = 'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;';
const edge = (a: number, b: number, rest: string): string =>
  `MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ${a} AND v.__mg_id__ = ${b} CREATE (u)-[${rest}]->(v);`;

/** Every value kind, an enum used by vertex and edge, labels and properties later removed (cleanup). */
const FIRST = [
  'CREATE ENUM Status VALUES { ACTIVE, DISABLED };',
  'CREATE (:__mg_vertex__:`Person`:`Admin` {__mg_id__: 0, `name`: "Ann", `born`: DATE("1994-12-07"), `status`: Status::ACTIVE, ' +
    '`tags`: ["a", 1, 2.5, Null, -0.0], `m`: {`k`: LOCALDATETIME("1970-01-02T00:00:01.5")}});',
  'CREATE (:__mg_vertex__:`Person` {__mg_id__: 1, `name`: "Bob", `wait`: DURATION("P3DT4H5M6.010011S"), `at`: POINT({ x:1, y:2, srid: 7203 })});',
  'CREATE (:__mg_vertex__:`City` {__mg_id__: 2, `name`: "Oslo", `pop`: 709037});',
  helper,
  edge(0, 1, ':`KNOWS` {`since`: 2020, `status`: Status::DISABLED}'),
  edge(1, 2, ':`LIVES_IN`'),
  dropHelper,
  cleanup,
  'CREATE INDEX ON :`Person`(`name`);',
  'CREATE CONSTRAINT ON (u:`Person`) ASSERT EXISTS (u.`name`);',
  'CREATE CONSTRAINT ON (u:`City`) ASSERT u.`name` IS UNIQUE;',
];

/** After a snapshot: deletes of everything (edges then vertices), new data reusing the enum, TTL, a description. */
const SECOND = [
  'MATCH (n) DETACH DELETE n',
  'CREATE (:__mg_vertex__:`Person` {__mg_id__: 0, `name`: "Cid", `status`: Status::DISABLED});',
  'CREATE (:__mg_vertex__:`Person` {__mg_id__: 1, `name`: "Dee"});',
  helper,
  edge(0, 1, ':`KNOWS` {`since`: 2024}'),
  dropHelper,
  cleanup,
  'ENABLE TTL EVERY "1000s" AT "12:00:00";',
  'SET DESCRIPTION ON LABEL :`Person` "people";',
];

async function engineIn(t: { teardown(fn: () => void): void }, opts: Partial<EngineOptions> = {}) {
  const dataDir = tmpDir(t);
  const engine = await createEngine({ dataDir, ...opts });
  return { engine, dataDir, s: session() };
}

// The decoded graph printed by the stand-in's own DUMP renderer (independent of src/cypher).
const canonicalOf = (g: Graph): string[] => canonicalDump([...dumpDatabase(g, 'memgraph')]);

test('WAL files alone: real v36 headers, and src/format replays them to the graph the stand-in DUMPs', async (t) => {
  // 1 KiB segments: the writes span a chain of finalized files plus the `_current` one.
  const { engine, dataDir, s } = await engineIn(t, { walFileSizeKib: 1 });
  for (const q of FIRST) rows(engine, s, q);
  const wals = walFiles(dataDir);
  t.true(wals.length > 1);
  for (const w of wals) t.deepEqual(readFileHeader(w), { kind: 'wal', version: 36 });
  const decoded = replay(undefined, wals);
  t.is(decoded.lastTimestamp, engine.storage().lastCommitTs);
  t.deepEqual(canonicalOf(decoded.graph), canonicalDump(dumpOf(engine, s)));
});

test('CREATE SNAPSHOT writes a real v36 snapshot; snapshot + later WALs replay to the DUMP; restarts recover exactly', async (t) => {
  const { engine, dataDir, s } = await engineIn(t);
  for (const q of FIRST) rows(engine, s, q);
  const file = rows(engine, s, 'CREATE SNAPSHOT')[0]![0] as string;
  const bytes = fs.readFileSync(file);
  t.deepEqual(readFileHeader(bytes), { kind: 'snapshot', version: 36 });
  const snap = decodeSnapshot(bytes);
  t.is(snap.info.uuid, memgraphCodec.decodeSnapshotMeta(bytes).uuid);
  t.is(snap.info.durableTimestamp, engine.storage().lastCommitTs);
  t.deepEqual(canonicalOf(snap.graph), canonicalDump(dumpOf(engine, s)));

  for (const q of SECOND) rows(engine, s, q);
  const dump = dumpOf(engine, s);
  t.true(dump.some((l) => l.startsWith('ENABLE TTL')) && dump.some((l) => l.includes('Cid')));
  t.deepEqual(canonicalOf(replay(bytes, walFiles(dataDir)).graph), canonicalDump(dump));

  engine.restart({ crash: true }); // snapshot + the `_current` WAL left as it was
  t.deepEqual(dumpOf(engine, s), dump);
  engine.restart();
  t.deepEqual(dumpOf(engine, s), dump);
});

test('a commit is written as Memgraph deltas: start/end with CRC, access type, and fine-grained updates', async (t) => {
  const { engine, dataDir, s } = await engineIn(t);
  for (const q of FIRST.slice(0, 4)) rows(engine, s, q);
  rows(engine, s, cleanup);
  rows(engine, s, 'CREATE INDEX ON :`Person`(`name`);');
  engine.begin(s); // created and deleted in one transaction: Memgraph still logs both
  rows(engine, s, 'CREATE (:`Tmp` {`x`: 1});');
  rows(engine, s, 'MATCH (n) DETACH DELETE n');
  engine.commit(s);
  const txs = decodeWal(walFiles(dataDir)[0]!, { lenientEnums: true }).transactions;
  const last = txs.slice(-3);
  t.true(txs.every((x) => x.crcChecked && x.commit));
  // The cleanup: per vertex, the helper label leaves (the last label takes its slot) and __mg_id__ is nulled.
  const shape = (ops: WalOp[]): string[] => ops.map((o) => ('label' in o ? `${o.op}:${o.label}` : 'property' in o ? `${o.op}:${o.property}=${String(o.value)}` : o.op));
  t.deepEqual(shape(last[0]!.ops), [0, 1, 2].flatMap(() => ['vertexRemoveLabel:__mg_vertex__', 'vertexSetProperty:__mg_id__=null']));
  t.is(last[0]!.accessType, 1);
  t.deepEqual(last[1]!.ops, [{ op: 'schemaCreate', item: { kind: 'labelPropertyIndex', label: 'Person', properties: [['name']] } }]);
  t.is(last[1]!.accessType, 3, 'CREATE INDEX runs with READ_ONLY access');
  const tmpGid = 3n;
  t.deepEqual(last[2]!.ops.filter((o) => 'gid' in o && o.gid === tmpGid).map((o) => o.op), ['vertexCreate', 'vertexDelete']);
  t.deepEqual(last[2]!.ops.filter((o) => o.op === 'vertexDelete').length, 4);
});

test('a torn `_current` WAL recovers its complete prefix, as Memgraph does', async (t) => {
  const { engine, dataDir, s } = await engineIn(t);
  const stmts = FIRST.slice(0, 4);
  for (const q of stmts.slice(0, -1)) rows(engine, s, q);
  const prefix = dumpOf(engine, s);
  rows(engine, s, stmts.at(-1)!);
  engine.restart({ crash: true });

  const copy = tmpDir(t);
  fs.cpSync(dataDir, copy, { recursive: true });
  const [current] = filesIn(path.join(copy, 'wal')).filter((f) => f.endsWith('_current'));
  const bytes = fs.readFileSync(current!);
  const whole = decodeWal(bytes, { lenientEnums: true });
  t.is(whole.transactions.length, stmts.length);
  const cut = whole.transactions.at(-1)!.offset + 20; // inside the last transaction
  fs.writeFileSync(current!, bytes.subarray(0, cut));
  const torn = decodeWal(bytes.subarray(0, cut), { lenientEnums: true });
  t.is(torn.transactions.length, stmts.length - 1);
  t.is(torn.tail?.offset, whole.transactions.at(-1)!.offset);

  const recovered = await createEngine({ dataDir: copy });
  t.deepEqual(dumpOf(recovered, session()), prefix);
  t.is(recovered.storage().lastCommitTs, BigInt(stmts.length - 1));
});

test('a snapshot still being written (zero section offsets) or cut short is skipped; recovery uses the older one', async (t) => {
  const { engine, dataDir, s } = await engineIn(t);
  const good = rows(engine, s, 'CREATE SNAPSHOT')[0]![0] as string;
  const bytes = new Uint8Array(fs.readFileSync(good));
  // Memgraph fills the offsets table last (snapshot.cpp), so a file being written has zeros there.
  const sections = Object.keys(decodeSnapshotInfo(bytes).offsets).length;
  const inProgress = bytes.slice();
  for (let i = 0; i < sections; i++) inProgress.fill(0, 13 + i * 9 + 1, 13 + i * 9 + 9);
  t.throws(() => memgraphCodec.decodeSnapshotMeta(inProgress), { message: /offset 0 is invalid/ });
  t.throws(() => memgraphCodec.decodeSnapshotMeta(bytes.subarray(0, bytes.length >> 1)));

  const partial = engine.beginPeriodicSnapshot();
  t.throws(() => memgraphCodec.decodeSnapshotMeta(fs.readFileSync(partial)));
  fs.writeFileSync(path.join(dataDir, 'snapshots', '99990101000000000000_timestamp_0'), inProgress);
  engine.restart({ crash: true });
  t.true(engine.logLines.some((l) => l.startsWith("Couldn't read snapshot info") && l.includes('99990101000000000000')));
  t.true(engine.logLines.includes(`Recovered snapshot ${good}`));
});

// ---------------------------------------------------------------- real-world dump, one statement per commit

const fixtureRoot = fixturesRoot();
const fixture = path.join(fixtureRoot ?? '', 'v36', 'test_all', 'expected_snapshot.cypher');
const fixtureTest = skipIf(test, !fixtureRoot ? NO_FIXTURES_REASON : fs.existsSync(fixture) ? undefined : `${fixture} is missing from the fixtures`);

fixtureTest('v36 test_all dump applied statement by statement: WALs and snapshot decode to the DUMP; restart is exact', async (t) => {
  const lines = fs.readFileSync(fixture, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const { engine, dataDir, s } = await engineIn(t);
  for (const q of lines) rows(engine, s, q);
  const dump = dumpOf(engine, s);
  t.deepEqual(canonicalDump(dump), canonicalDump(lines));
  t.deepEqual(canonicalOf(replay(undefined, walFiles(dataDir)).graph), canonicalDump(dump));
  const file = rows(engine, s, 'CREATE SNAPSHOT')[0]![0] as string;
  t.deepEqual(canonicalOf(decodeSnapshot(fs.readFileSync(file)).graph), canonicalDump(dump));
  engine.restart();
  t.deepEqual(dumpOf(engine, s), dump);
});
