// The load core against a fake client: what runs in auto-commit and what in transactions, the UNWIND
// grouping of the fast path, enums travelling as text, and the halving that finds a failing line.
import test from 'ava';
import { classifyStatement } from '../../src/core/load/classify.js';
import { fastPathStatements, type BatchItem } from '../../src/core/load/fast-path.js';
import { loadStatements, StatementFailedError, type LoadFailure } from '../../src/core/load/load.js';
import { FakeClient, syntheticDump } from '../dump/fake-client.js';

const items = (lines: string[]): BatchItem[] => lines.map((text, i) => ({ line: i + 1, text, what: classifyStatement(text) }));
const numbered = (lines: string[]) => lines.map((text, i) => ({ text, line: i + 1 }));

test('classify: DUMP schema and helper statements are admin, vertices/edges fast, enum values and hand-written data as text', (t) => {
  t.is(classifyStatement('CREATE INDEX ON :__mg_vertex__(__mg_id__);').kind, 'admin');
  t.is(classifyStatement('CREATE CONSTRAINT ON (u:`L`) ASSERT u.`p` IS UNIQUE;').kind, 'admin');
  t.is(classifyStatement('MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;').kind, 'admin');
  t.is(classifyStatement('create edge index on :`T`;').kind, 'admin');
  t.is(classifyStatement('CREATE (:__mg_vertex__:`L` {__mg_id__: 1, `d`: DATE("2024-01-02")});').kind, 'vertex');
  t.is(classifyStatement('CREATE (:__mg_vertex__:`L` {__mg_id__: 2, `s`: Status::ACTIVE});').kind, 'data');
  t.is(classifyStatement('CREATE (:__mg_vertex__:`L` {__mg_id__: 2, `s`: [{`x`: Status::ACTIVE}]});').kind, 'data');
  t.is(classifyStatement('MERGE (n:Person {id: 1}) SET n.x = 2;').kind, 'data');
});

test('fast path: one UNWIND per label set and property names, runs split where the kind changes', (t) => {
  const lines = [
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 0, `p`: 1});',
    'CREATE (:__mg_vertex__:`B` {__mg_id__: 1, `p`: 2});',
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 2, `p`: 3});',
    'CREATE (:__mg_vertex__:`A` {__mg_id__: 3, `p`: Status::ON});',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T`]->(v);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 2 AND v.__mg_id__ = 1 CREATE (u)-[:`T`]->(v);',
  ];
  const out = fastPathStatements(items(lines));
  t.deepEqual(out.map((s) => s.query), [
    'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`A` {`__mg_id__`: r[0], `p`: r[1]})',
    'UNWIND $rows AS r CREATE (:`__mg_vertex__`:`B` {`__mg_id__`: r[0], `p`: r[1]})',
    lines[3],
    'UNWIND $rows AS r MATCH (u:`__mg_vertex__` {`__mg_id__`: r[0]}), (v:`__mg_vertex__` {`__mg_id__`: r[1]}) CREATE (u)-[:`T`]->(v)',
  ]);
  t.deepEqual(out[0]!.params, { rows: [[0n, 1n], [2n, 3n]] });
  t.deepEqual(out[3]!.params, { rows: [[0n, 1n], [2n, 1n]] });
});

test('admin statements run in auto-commit between data batches, in file order', async (t) => {
  const client = new FakeClient();
  const lines = syntheticDump(5, 3);
  const r = await loadStatements(client, numbered(lines), { batchSize: 2, fastPath: true, continueOnError: false });
  t.is(r.executed, lines.length);
  t.deepEqual(client.runs.map((x) => x.query), [lines[5], lines[9], lines[10]]);
  // 5 vertices in batches of 2 (3 transactions), then 3 edges (2 transactions).
  t.deepEqual(client.transactions.map((tx) => tx.length), [1, 1, 1, 1, 1]);
  t.deepEqual(client.transactions.map((tx) => (tx[0]!.params?.rows as unknown[] | undefined)?.length ?? 1), [2, 2, 1, 2, 1]);
});

test('a failing statement inside a batch is found by halving; the good ones are committed, in order', async (t) => {
  const lines = syntheticDump(40, 0).slice(0, 40);
  const bad = lines[22]!;
  // The fake rejects the statement as text and its row inside an UNWIND, as a server would.
  const rejects = (q: string, params?: Record<string, unknown>) =>
    q === bad || ((params?.rows as bigint[][] | undefined)?.some((row) => row[0] === 22n) ?? false);
  const client = new FakeClient({ rejects });
  const failures: LoadFailure[] = [];
  const r = await loadStatements(client, numbered(lines), { batchSize: 40, fastPath: true, continueOnError: true, onFailure: (f) => { failures.push(f); } });
  t.is(r.failures, 1);
  t.is(r.executed, 39);
  t.deepEqual(failures, [{ line: 23, statement: bad, message: 'rejected by the fake' }]);
  const committedIds = client.transactions.flatMap((tx) => tx.flatMap((s) => s.params ? (s.params.rows as bigint[][]).map((row) => row[0]) : [BigInt(/__mg_id__: (\d+)/.exec(s.query)![1]!)]));
  t.deepEqual(committedIds, Array.from({ length: 40 }, (_, i) => BigInt(i)).filter((i) => i !== 22n));

  const stopping = new FakeClient({ rejects });
  const err = await t.throwsAsync(loadStatements(stopping, numbered(lines), { batchSize: 40, fastPath: true, continueOnError: false }));
  t.true(err instanceof StatementFailedError);
  t.is((err as StatementFailedError).failure.line, 23);
  t.is(stopping.transactions.flatMap((tx) => tx.flatMap((s) => (s.params?.rows as unknown[] | undefined) ?? [s])).length, 22);
});

test('--resume-from skips the statements that start before the line', async (t) => {
  const client = new FakeClient();
  const lines = syntheticDump(10, 0);
  const r = await loadStatements(client, numbered(lines), { batchSize: 100, fastPath: false, continueOnError: false, resumeFrom: 8 });
  t.is(r.skipped, 7);
  t.deepEqual(client.transactions.flat().map((s) => s.query), lines.slice(7, 10));
});

test('progress: each transaction is announced with its lines before it is sent and settled after it is acknowledged', async (t) => {
  const client = new FakeClient();
  const lines = syntheticDump(5, 0); // 5 vertices, helper index, drop index, cleanup
  const events: string[] = [];
  await loadStatements(client, numbered(lines), {
    batchSize: 2, fastPath: true, continueOnError: false,
    progress: { sending: (a, b) => events.push(`send ${a}-${b}`), done: (n) => events.push(`done <${n}`) },
  });
  t.deepEqual(events, [
    'send 1-2', 'done <3', 'send 3-4', 'done <5', 'send 5-5', 'done <6',
    'send 6-6', 'done <7', 'send 7-7', 'done <8', 'send 8-8', 'done <9',
  ]);
});

test('progress: a rejected statement settles on its own line (without --continue-on-error) or after it (with)', async (t) => {
  const lines = syntheticDump(4, 0).slice(0, 4);
  const bad = lines[2]!;
  const rejects = (q: string, params?: Record<string, unknown>) =>
    q === bad || ((params?.rows as bigint[][] | undefined)?.some((row) => row[0] === 2n) ?? false);
  for (const continueOnError of [false, true]) {
    const last: number[] = [];
    const run = loadStatements(new FakeClient({ rejects }), numbered(lines), {
      batchSize: 10, fastPath: true, continueOnError, progress: { sending: () => {}, done: (n) => last.push(n) },
    });
    if (continueOnError) await run;
    else await t.throwsAsync(run, { instanceOf: StatementFailedError });
    t.is(last.at(-1), continueOnError ? 5 : 3, `continueOnError ${continueOnError}`);
  }
});
