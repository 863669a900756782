// RECOVER SNAPSHOT in the stand-in engine, driven directly (no Bolt), one test per behaviour of
// Memgraph's handler and storage side (research/memgraph-semantics.md:166-202; storage.cpp:4471-4720).
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { type EngineSession, StandinQueryError } from './engine-api.js';
import { createEngine, type EngineOptions } from './engine/engine.js';
import { memgraphCodec as fileCodec } from './engine/memgraph-codec.js';
import { CLIENT_ERROR, TRANSIENT_ERROR } from './engine/memgraph-errors.js';


let nextSession = 1;
const session = (database?: string): EngineSession => ({ id: nextSession++, database, inTransaction: false, user: undefined });

function tmpDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-recover-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type E = Awaited<ReturnType<typeof createEngine>>;

async function engineIn(t: { teardown(fn: () => void): void }, opts: Partial<EngineOptions> = {}) {
  const root = tmpDir(t);
  const dataDir = path.join(root, 'data');
  const engine = await createEngine({ dataDir, ...opts });
  return { engine, dataDir, root, s: session() };
}

function run(engine: E, s: EngineSession, query: string): Value[][] {
  const r = engine.run(s, query, {});
  const rows: Value[][] = [];
  for (let x = r.rows.next(); !x.done; x = r.rows.next()) rows.push(x.value);
  return rows;
}

const count = (engine: E, s: EngineSession): Value => run(engine, s, 'MATCH (n) RETURN count(n)')[0]![0]!;
const labels = (engine: E, db?: string): string[] =>
  [...engine.storage(db).graph.vertices.values()].flatMap((v) => v.labels).filter((l) => l !== '__mg_vertex__').sort();
const entries = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const vertexStmt = (id: number, label = 'Live'): string => `CREATE (:__mg_vertex__:\`${label}\` {__mg_id__: ${id}});`;
const recover = (file: string, force = false): string => `RECOVER SNAPSHOT "${file}"${force ? ' FORCE' : ''}`;

function graphOf(n: number, label: string): Graph {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  for (let i = 0; i < n; i++) g.vertices.set(BigInt(i), { gid: BigInt(i), labels: [label], props: new Map([['i', BigInt(i)]]) });
  return g;
}

const BACKUP_UUID = '0badc0de-0000-4000-8000-000000000001';

/** A snapshot made by "another instance": its own UUID, durable ts 7. */
function backupSnapshot(dir: string, n = 3, label = 'Backup', name = '20250101000000000000_timestamp_7'): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, fileCodec.encodeSnapshot(graphOf(n, label), {
    uuid: BACKUP_UUID, epochId: 'backup-epoch', startTs: 8n, durableTs: 7n, vertexCount: BigInt(n), edgeCount: 0n,
  }));
  return file;
}

function expectError(t: { throws(fn: () => unknown, exp: object): unknown; is(a: unknown, b: unknown): void },
  fn: () => unknown, code: string, message: string): void {
  const e = t.throws(fn, { instanceOf: StandinQueryError, message }) as StandinQueryError | undefined;
  t.is(e?.code, code);
}

test('an empty database loads the snapshot without FORCE: copied into snapshots/ under a fresh name with this DB\'s UUID', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  const src = backupSnapshot(path.join(root, 'elsewhere'));
  const srcBytes = fs.readFileSync(src);
  t.deepEqual(run(engine, s, recover(src)), []);
  t.deepEqual(labels(engine), ['Backup', 'Backup', 'Backup']);
  t.deepEqual(fs.readFileSync(src), srcBytes, 'the source file is only read');
  const snaps = entries(path.join(dataDir, 'snapshots'));
  t.is(snaps.length, 1);
  t.regex(snaps[0]!, /^\d{20}_timestamp_7$/);
  t.not(snaps[0], path.basename(src));
  const meta = fileCodec.decodeSnapshotMeta(fs.readFileSync(path.join(dataDir, 'snapshots', snaps[0]!)));
  t.is(meta.uuid, engine.storage().uuid);
  t.not(meta.uuid, BACKUP_UUID);
  t.is(meta.epochId, 'backup-epoch');
  t.is(engine.storage().epochId, 'backup-epoch', 'the epoch comes from the snapshot');
  t.is(engine.storage().lastCommitTs, 7n);
  engine.restart();
  t.deepEqual(labels(engine), ['Backup', 'Backup', 'Backup'], 'a restart recovers the renamed file');
});

test('without FORCE a database that ever committed is refused, the copy removed, data kept; FORCE clears it first', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  run(engine, s, vertexStmt(0));
  run(engine, s, 'MATCH (n) DETACH DELETE n');
  t.is(count(engine, s), 0n);
  const src = backupSnapshot(path.join(root, 'elsewhere'));
  expectError(t, () => run(engine, s, recover(src)), TRANSIENT_ERROR,
    'Failed to recover a snapshot. Storage is not clean. Try using FORCE.');
  t.deepEqual(entries(path.join(dataDir, 'snapshots')), [], 'the copied file went again');
  run(engine, s, vertexStmt(1));
  expectError(t, () => run(engine, s, recover(src)), TRANSIENT_ERROR,
    'Failed to recover a snapshot. Storage is not clean. Try using FORCE.');
  t.deepEqual(labels(engine), ['Live']);
  run(engine, s, recover(src, true));
  t.deepEqual(labels(engine), ['Backup', 'Backup', 'Backup']);
});

test('FORCE archives other snapshots to snapshots/.old and WALs to wal/.old (wiped first); writes after it survive a restart', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  run(engine, s, vertexStmt(0));
  run(engine, s, 'CREATE SNAPSHOT');
  run(engine, s, vertexStmt(1));
  const oldSnaps = entries(path.join(dataDir, 'snapshots'));
  const oldWals = entries(path.join(dataDir, 'wal'));
  t.is(oldSnaps.length, 1);
  t.is(oldWals.length, 1);
  for (const d of ['snapshots', 'wal']) {
    fs.mkdirSync(path.join(dataDir, d, '.old'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, d, '.old', 'stale'), 'from an earlier recover');
  }
  const src = backupSnapshot(path.join(root, 'elsewhere'));
  run(engine, s, recover(src, true));
  t.deepEqual(entries(path.join(dataDir, 'snapshots', '.old')), oldSnaps);
  t.deepEqual(entries(path.join(dataDir, 'wal', '.old')), oldWals, 'the open WAL is moved as it is, unfinalized');
  t.deepEqual(entries(path.join(dataDir, 'wal')), ['.old']);
  const snaps = entries(path.join(dataDir, 'snapshots')).filter((n) => n !== '.old');
  t.is(snaps.length, 1);
  t.regex(snaps[0]!, /_timestamp_7$/);

  run(engine, s, vertexStmt(10, 'After'));
  const wal = entries(path.join(dataDir, 'wal')).filter((n) => n !== '.old');
  t.is(fileCodec.decodeWal(fs.readFileSync(path.join(dataDir, 'wal', wal[0]!))).meta.seqNum, 0n, 'FORCE restarts WAL numbering');
  engine.restart();
  t.deepEqual(labels(engine), ['After', 'Backup', 'Backup', 'Backup']);
});

test('a second RECOVER leaves only the latest archive: .old holds what the first one produced', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  run(engine, s, recover(backupSnapshot(path.join(root, 'a'), 2, 'First')));
  const first = entries(path.join(dataDir, 'snapshots')).filter((n) => n !== '.old');
  run(engine, s, recover(backupSnapshot(path.join(root, 'b'), 1, 'Second'), true));
  t.deepEqual(entries(path.join(dataDir, 'snapshots', '.old')), first);
  t.deepEqual(labels(engine), ['Second']);
});

test('a file already in snapshots/ is not copied: it is backed up into .old and renamed', async (t) => {
  const { engine, s, dataDir } = await engineIn(t);
  const inPlace = backupSnapshot(path.join(dataDir, 'snapshots'), 2, 'Here', '19990101000000000000_timestamp_7');
  run(engine, s, recover(inPlace));
  t.deepEqual(labels(engine), ['Here', 'Here']);
  t.deepEqual(entries(path.join(dataDir, 'snapshots', '.old')), [path.basename(inPlace)]);
  t.is(fileCodec.decodeSnapshotMeta(fs.readFileSync(path.join(dataDir, 'snapshots', '.old', path.basename(inPlace)))).uuid,
    BACKUP_UUID, 'the backup copy keeps the original UUID');
  const live = entries(path.join(dataDir, 'snapshots')).filter((n) => n !== '.old');
  t.is(live.length, 1);
  t.not(live[0], path.basename(inPlace));
});

test('under LOCK DATA DIRECTORY the moves are copies; the originals go at UNLOCK', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  run(engine, s, vertexStmt(0));
  run(engine, s, 'CREATE SNAPSHOT');
  const before = entries(path.join(dataDir, 'snapshots'));
  const walBefore = entries(path.join(dataDir, 'wal'));
  run(engine, s, 'LOCK DATA DIRECTORY');
  run(engine, s, recover(backupSnapshot(path.join(root, 'x')), true));
  const snaps = entries(path.join(dataDir, 'snapshots'));
  for (const f of before) t.true(snaps.includes(f), `${f} stays while locked`);
  const copied = snaps.filter((n) => n.endsWith('_timestamp_7'));
  t.is(copied.length, 2, 'the copied-in file and its renamed copy both exist while locked');
  t.deepEqual(entries(path.join(dataDir, 'snapshots', '.old')), before);
  t.deepEqual(entries(path.join(dataDir, 'wal', '.old')), walBefore);
  t.deepEqual(entries(path.join(dataDir, 'wal')), ['.old', ...walBefore]);
  run(engine, s, 'UNLOCK DATA DIRECTORY');
  const after = entries(path.join(dataDir, 'snapshots')).filter((n) => n !== '.old');
  t.is(after.length, 1);
  t.regex(after[0]!, /^\d{20}_timestamp_7$/);
  t.deepEqual(entries(path.join(dataDir, 'wal')), ['.old']);
});

test('with --storage-backup-dir-enabled=false old files are deleted and no .old appears', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t, { backupDirEnabled: false });
  run(engine, s, vertexStmt(0));
  run(engine, s, 'CREATE SNAPSHOT');
  run(engine, s, vertexStmt(1));
  run(engine, s, recover(backupSnapshot(path.join(root, 'x')), true));
  const snaps = entries(path.join(dataDir, 'snapshots'));
  t.is(snaps.length, 1);
  t.regex(snaps[0]!, /_timestamp_7$/);
  t.deepEqual(entries(path.join(dataDir, 'wal')), []);
});

test('a missing file or a directory: "Failed to find the defined snapshot file."', async (t) => {
  const { engine, s, root } = await engineIn(t);
  expectError(t, () => run(engine, s, recover(path.join(root, 'nope'))), TRANSIENT_ERROR, 'Failed to find the defined snapshot file.');
  expectError(t, () => run(engine, s, recover(root)), TRANSIENT_ERROR, 'Failed to find the defined snapshot file.');
});

test('an unsupported version fails with LoadSnapshot\'s text; under FORCE the database is left empty', async (t) => {
  const { engine, s, dataDir, root } = await engineIn(t);
  const good = backupSnapshot(path.join(root, 'ok'), 2, 'Kept');
  run(engine, s, recover(good));
  const src = backupSnapshot(path.join(root, 'bad'));
  const bytes = fs.readFileSync(src);
  bytes.writeBigUInt64LE(99n, 4);
  fs.writeFileSync(src, bytes);
  expectError(t, () => run(engine, s, recover(src, true)), TRANSIENT_ERROR,
    "Couldn't recover from the snapshot because of: Invalid snapshot version 99");
  t.is(count(engine, s), 0n, 'Clear() ran before the load failed');
  t.false(entries(path.join(dataDir, 'snapshots')).includes(path.basename(src)), 'the copy is removed');
  fs.writeFileSync(src, 'not a snapshot');
  expectError(t, () => run(engine, s, recover(src, true)), TRANSIENT_ERROR,
    "Couldn't recover from the snapshot because of: Couldn't read snapshot magic and/or version!");
});

test('grammar: from v2.22 on, string literal in either quotes, FORCE optional; older releases answer a syntax error', async (t) => {
  const old = await engineIn(t, { version: '2.21.0' });
  expectError(t, () => run(old.engine, old.s, recover('/x')), CLIENT_ERROR,
    "Error on line 1 position 1 with the RECOVER token. The underlying parsing error is no viable alternative at input 'RECOVER'. Take a look at clauses around and try to fix the query.");
  const { engine, s, root } = await engineIn(t, { version: '2.22.0' });
  const src = backupSnapshot(path.join(root, 'q'), 1);
  run(engine, s, `recover snapshot '${src}';`);
  t.is(count(engine, s), 1n);
});

test('inside an explicit transaction: "Recovering from snapshot" multicommand error; on a replica: refused', async (t) => {
  const { engine, s, root } = await engineIn(t);
  const src = backupSnapshot(path.join(root, 'q'), 1);
  engine.begin(s);
  expectError(t, () => run(engine, s, recover(src)), CLIENT_ERROR,
    'Recovering from snapshot is not allowed in multicommand transactions. A multicommand transaction, also known as ' +
      'an explicit transaction, groups multiple commands into a single atomic operation. Instead, please use an implicit ' +
      'transaction, also known as an auto committing transaction, in order to execute this particularquery. For more ' +
      'details, visit https://memgraph.com/docs');
  engine.rollback(s);
  engine.setReplicationRole('replica');
  expectError(t, () => run(engine, s, recover(src)), TRANSIENT_ERROR,
    'Failed to recover a snapshot. Replica instances are not allowed to create them.');
  t.is(count(engine, s), 0n);
});

test('a tenant recovers into its own databases/<uuid>/ with its own UUID; the default database is untouched', async (t) => {
  const { engine, dataDir, root } = await engineIn(t, { databases: ['tenant'] });
  const ts = session('tenant');
  run(engine, ts, recover(backupSnapshot(path.join(root, 'q'), 2, 'T')));
  t.deepEqual(labels(engine, 'tenant'), ['T', 'T']);
  t.deepEqual(labels(engine), []);
  t.deepEqual(entries(path.join(dataDir, 'snapshots')), []);
  const tdir = path.join(engine.storage('tenant').opts.dir, 'snapshots');
  const snaps = entries(tdir);
  t.is(snaps.length, 1);
  t.is(fileCodec.decodeSnapshotMeta(fs.readFileSync(path.join(tdir, snaps[0]!))).uuid, engine.storage('tenant').uuid);
});
