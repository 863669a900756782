// Fault hooks of the stand-in, seen through the real driver, plus the assembled StandIn with the real engine.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import { StandIn } from './standin.js';
import { FakeEngine } from './protocol-fake-engine.js';

async function setup(t: ExecutionContext): Promise<{ s: StandIn; engine: FakeEngine; d: Driver }> {
  const engine = new FakeEngine();
  const s = await StandIn.start({ dataDir: '/unused', engine });
  t.teardown(() => s.stop());
  const d = neo4j.driver(s.uri, neo4j.auth.basic('u', 'p'), {
    connectionAcquisitionTimeout: 5000,
    maxTransactionRetryTime: 0,
    useBigInt: true,
  });
  t.teardown(() => d.close());
  return { s, engine, d };
}

test('failQuery: a matching query fails with the given code and message, `times` retires the rule', async (t) => {
  const { s, d } = await setup(t);
  s.faults.failQuery({ match: 'RETURN $x AS x', code: 'Memgraph.TransientError.MemgraphError.MemgraphError', message: 'boom', times: 1 });
  const err = await t.throwsAsync(d.session().run('  RETURN $x AS x ', { x: 1n }));
  t.is((err as { code?: string }).code, 'Memgraph.TransientError.MemgraphError.MemgraphError');
  t.is(err!.message, 'boom');
  const ok = await d.session().run('RETURN $x AS x', { x: 2n });
  t.is(ok.records[0]!.get('x'), 2n);
});

test('failQuery with a RegExp uses the ordinary query-error code by default', async (t) => {
  const { s, d } = await setup(t);
  s.faults.failQuery({ match: /^UNWIND/, message: 'nope' });
  const err = await t.throwsAsync(d.session().run('UNWIND range(1, $n) AS i RETURN i', { n: 3n }));
  t.is((err as { code?: string }).code, 'Memgraph.ClientError.MemgraphError.MemgraphError');
  t.is((await d.session().run('RETURN $x AS x', { x: 1n })).records.length, 1);
  s.faults.clear();
  t.is((await d.session().run('UNWIND range(1, $n) AS i RETURN i', { n: 3n })).records.length, 3);
});

test('dropConnectionAfterMessages cuts the connection; the driver then connects afresh', async (t) => {
  const { s, d } = await setup(t);
  await d.executeQuery('RETURN $x AS x', { x: 1n });
  s.faults.dropConnectionAfterMessages(0);
  const session = d.session();
  const err = await t.throwsAsync(session.run('RETURN $x AS x', { x: 2n }));
  t.regex((err as { code?: string }).code ?? '', /ServiceUnavailable|SessionExpired/);
  await session.close().catch(() => {});
  const again = await d.executeQuery('RETURN $x AS x', { x: 3n });
  t.is(again.records[0]!.get('x'), 3n);
  t.is(new Set(s.log.entries.map((e) => e.connection)).size, 2);
});

test('dropConnectionAfterRecords cuts a stream mid-way after exactly that many rows', async (t) => {
  const { s, d } = await setup(t);
  s.faults.dropConnectionAfterRecords(25);
  const session = d.session({ fetchSize: 10 });
  const got: bigint[] = [];
  await t.throwsAsync(async () => {
    for await (const rec of session.run('UNWIND range(1, $n) AS i RETURN i', { n: 100n })) got.push(rec.get('i') as bigint);
  });
  await session.close().catch(() => {});
  t.is(got.length, 25);
  t.is(got.at(-1), 25n);
});

test('delay holds every response back by the given time', async (t) => {
  const { s, d } = await setup(t);
  await d.executeQuery('RETURN $x AS x', { x: 1n });
  s.faults.delay(150);
  const started = performance.now();
  await d.executeQuery('RETURN $x AS x', { x: 1n }); // RUN and PULL, each answered after the delay
  t.true(performance.now() - started >= 290, 'two delayed messages cannot finish before 2 x 150 ms');
  s.faults.delay(0);
});

test('restart cuts every connection and restarts the engine; periodic snapshot hooks reach the engine', async (t) => {
  const { s, engine, d } = await setup(t);
  await d.executeQuery('RETURN $x AS x', { x: 1n });
  t.true(s.connectionCount > 0);
  await s.restart();
  t.is(engine.restarts, 1);
  t.is(s.connectionCount, 0);
  const after = await neo4j.driver(s.uri, neo4j.auth.basic('u', 'p'), { connectionAcquisitionTimeout: 5000 });
  t.teardown(() => after.close());
  t.is((await after.executeQuery('RETURN $x AS x', { x: 'back' })).records[0]!.get('x'), 'back');
  t.is(s.beginPeriodicSnapshot(), '/fake/snapshots/in-progress');
  t.true(engine.snapshotRunning);
  s.endPeriodicSnapshot();
  t.false(engine.snapshotRunning);
});


test('StandIn.start without an injected engine uses engine/engine.js', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'standin-proto-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const s = await StandIn.start({ dataDir: dir, users: [{ user: 'admin', password: 'pw' }], version: '2.8.0' });
  t.teardown(() => s.stop());
  t.deepEqual(s.boltVersions, ['1.0', '4.0', '4.1', '4.3']);
  const d = neo4j.driver(s.uri, neo4j.auth.basic('admin', 'pw'), { connectionAcquisitionTimeout: 5000, useBigInt: true });
  t.teardown(() => d.close());
  const res = await d.executeQuery('RETURN 1');
  t.is(res.records.length, 1);
  t.is(res.records[0]!.get(0), 1n);
  const session = d.session();
  t.teardown(() => session.close());
  const version = await session.run('SHOW VERSION'); // admin queries refuse explicit transactions
  t.is(version.records[0]!.get('version'), '2.8.0');
});
