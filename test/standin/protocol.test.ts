// The stand-in's Bolt server driven by the real neo4j-driver 6.3.0, with a fake engine behind it.
import test, { type ExecutionContext } from 'ava';
import neo4j, { type Driver } from 'neo4j-driver';
import { StandIn, type StandInOptions } from './standin.js';
import { FakeEngine } from './protocol-fake-engine.js';

async function standin(t: ExecutionContext, opts: Partial<StandInOptions> = {}): Promise<{ s: StandIn; engine: FakeEngine }> {
  const engine = (opts.engine as FakeEngine | undefined) ?? new FakeEngine(opts.users ?? []);
  const s = await StandIn.start({ dataDir: '/nonexistent-unused', ...opts, engine });
  t.teardown(() => s.stop());
  return { s, engine };
}

function driver(t: ExecutionContext, s: StandIn, auth = neo4j.auth.basic('any', 'thing'), config: Record<string, unknown> = {}): Driver {
  const d = neo4j.driver(s.uri, auth, { connectionAcquisitionTimeout: 5000, useBigInt: true, ...config });
  t.teardown(() => d.close());
  return d;
}

test('driver 6 negotiates Bolt 5.2 and sees a Neo4j-compatible agent without the word Memgraph', async (t) => {
  const { s } = await standin(t);
  const info = await driver(t, s).getServerInfo();
  t.like(info.protocolVersion, { major: 5, minor: 2 });
  t.is(info.agent, 'Neo4j/v5.11.0 compatible graph database server - mgbackup stand-in');
  t.false(/memgraph/i.test(info.agent ?? ''));
  t.deepEqual(s.log.of('out', 'VERSION').map((e) => e.version), ['5.2']);
});

test('an older server (2.8) is reached over Bolt 4.3; a 4.4 cap over 4.4', async (t) => {
  const { s: old } = await standin(t, { version: '2.8.0' });
  t.deepEqual(old.boltVersions, ['1.0', '4.0', '4.1', '4.3']);
  t.like((await driver(t, old).getServerInfo()).protocolVersion, { major: 4, minor: 3 });
  const { s: capped } = await standin(t, { maxBolt: '4.4' });
  const d = driver(t, capped);
  t.like((await d.getServerInfo()).protocolVersion, { major: 4, minor: 4 });
  const res = await d.executeQuery('RETURN $x AS x', { x: 42n });
  t.is(res.records[0]!.get('x'), 42n);
});

test('a 2.0 server has no version in common with driver 6', async (t) => {
  const { s } = await standin(t, { version: '2.0.0' });
  await t.throwsAsync(driver(t, s).getServerInfo());
  t.is(s.log.of('out', 'VERSION').length, 0);
});

test('basic auth: right password works, wrong one fails with the Unauthenticated code and the connection closes', async (t) => {
  const users = [{ user: 'alice', password: 'secret' }];
  const { s } = await standin(t, { users });
  const good = driver(t, s, neo4j.auth.basic('alice', 'secret'));
  const ok = await good.executeQuery('SHOW SESSION');
  t.is(ok.records[0]!.get('user'), 'alice');
  await good.close();
  await waitFor(() => s.connectionCount === 0);
  const err = await t.throwsAsync(driver(t, s, neo4j.auth.basic('alice', 'wrong')).getServerInfo());
  t.is((err as { code?: string }).code, 'Memgraph.ClientError.Security.Unauthenticated');
  t.regex(err!.message, /Authentication failure/);
  const failures = s.log.of('out', 'FAILURE');
  t.is(failures.length, 1);
  const conn = failures[0]!.connection;
  const seq = s.log.entries.filter((e) => e.connection === conn && e.type !== 'HANDSHAKE' && e.type !== 'VERSION');
  t.deepEqual(seq.map((e) => `${e.direction}:${e.type}`), ['in:HELLO', 'out:SUCCESS', 'in:LOGON', 'out:FAILURE']);
  await waitFor(() => s.connectionCount === 0);
  t.is(s.connectionCount, 0, 'the refused connection was closed by the server');
});

test('with no users configured any credentials are accepted', async (t) => {
  const { s } = await standin(t);
  const res = await driver(t, s, neo4j.auth.basic('nobody', 'whatever')).executeQuery('RETURN $x AS x', { x: 'hi' });
  t.is(res.records[0]!.get('x'), 'hi');
  const none = await driver(t, s, undefined).executeQuery('RETURN $x AS x', { x: 1n });
  t.is(none.records[0]!.get('x'), 1n);
});

test('PULL n streams n rows at a time with has_more until the rows run out', async (t) => {
  const { s } = await standin(t);
  const session = driver(t, s).session({ fetchSize: 3 });
  t.teardown(() => session.close());
  const seen: bigint[] = [];
  for await (const rec of session.run('UNWIND range(1, $n) AS i RETURN i', { n: 10n })) seen.push(rec.get('i') as bigint);
  t.deepEqual(seen, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  t.true(s.log.of('in', 'PULL').every((e) => e.n === 3));
  const pulls = s.log.entries.filter((e) => e.direction === 'out' && e.records !== undefined);
  t.deepEqual(pulls.map((e) => [e.records, e.hasMore]), [[3, true], [3, true], [3, true], [1, false]]);
});

test('exactly n remaining rows end with has_more false (the server looks one row ahead)', async (t) => {
  const { s } = await standin(t);
  const session = driver(t, s).session({ fetchSize: 3 });
  t.teardown(() => session.close());
  const res = await session.run('UNWIND range(1, $n) AS i RETURN i', { n: 6n });
  t.is(res.records.length, 6);
  const pulls = s.log.entries.filter((e) => e.direction === 'out' && e.records !== undefined);
  t.deepEqual(pulls.map((e) => [e.records, e.hasMore]), [[3, true], [3, false]]);
});

test('FAILURE, then IGNORED until RESET, then the same session works again', async (t) => {
  const { s } = await standin(t);
  const session = driver(t, s).session();
  t.teardown(() => session.close());
  const err = await t.throwsAsync(session.run('NONSENSE'));
  t.is((err as { code?: string }).code, 'Memgraph.ClientError.MemgraphError.MemgraphError');
  t.regex(err!.message, /mismatched input 'NONSENSE'/);
  const res = await session.run('RETURN $x AS x', { x: 7n });
  t.is(res.records[0]!.get('x'), 7n);
  const kinds = s.log.entries.filter((e) => e.type !== 'HANDSHAKE' && e.type !== 'VERSION').map((e) => `${e.direction}:${e.type}`);
  const fail = kinds.indexOf('out:FAILURE');
  t.deepEqual(kinds.slice(fail, fail + 4), ['out:FAILURE', 'in:PULL', 'out:IGNORED', 'in:RESET']);
});

test('an error while streaming rows fails the query after the rows before it', async (t) => {
  const { s } = await standin(t);
  const session = driver(t, s).session({ fetchSize: 2 });
  t.teardown(() => session.close());
  const got: number[] = [];
  const err = await t.throwsAsync(async () => {
    for await (const rec of session.run('UNWIND range(1, $n) AS i RETURN i / (i - $z)', { n: 10n, z: 5n })) got.push(rec.get('r') as number);
  });
  t.regex(err!.message, /Division by zero/);
  t.deepEqual(got.slice(0, 2), [-0.25, -2 / 3]);
  t.true(got.length <= 4);
});

test('explicit transactions: BEGIN/COMMIT applies, ROLLBACK discards, db selects the database', async (t) => {
  const { s, engine } = await standin(t);
  const d = driver(t, s);
  const session = d.session({ database: 'tenant1' });
  t.teardown(() => session.close());
  const tx = await session.beginTransaction();
  await tx.run('CREATE (:N {v: $v})', { v: 1n });
  const inside = await tx.run('SHOW SESSION');
  t.is(inside.records[0]!.get('db'), 'tenant1');
  t.true(inside.records[0]!.get('tx'));
  t.deepEqual(engine.committed, []);
  await tx.commit();
  t.deepEqual(engine.committed, [1n]);
  const tx2 = await session.beginTransaction();
  await tx2.run('CREATE (:N {v: $v})', { v: 2n });
  t.deepEqual((await tx2.run('MATCH (n:N) RETURN n.v AS v')).records.map((r) => r.get('v')), [1n, 2n]);
  await tx2.rollback();
  t.deepEqual(engine.committed, [1n]);
  t.true(s.log.of('in', 'BEGIN').every((e) => e.db === 'tenant1'));
  t.is(s.log.of('in', 'COMMIT').length, 1);
  t.is(s.log.of('in', 'ROLLBACK').length, 1);
  const plain = await d.executeQuery('SHOW SESSION');
  t.is(plain.records[0]!.get('db'), null, 'no db field = the default database');
});

test('a dropped connection ends the engine session (open transaction rolled back)', async (t) => {
  const { s, engine } = await standin(t);
  const session = driver(t, s).session();
  const tx = await session.beginTransaction();
  await tx.run('CREATE (:N {v: $v})', { v: 5n });
  s.faults.dropConnectionAfterMessages(0);
  await t.throwsAsync(tx.commit());
  await waitFor(() => engine.ended.length > 0);
  t.deepEqual(engine.committed, []);
  t.is(engine.ended.length, 1);
  await session.close().catch(() => {});
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  for (let waited = 0; !cond() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
}
