// Test support for protocol tests only: a tiny Engine that answers a handful of fixed queries, so
// the Bolt server can be tested without the real engine. Not a Cypher implementation.
import type { Value } from '../../src/graph/value.js';
import { StandinQueryError, type Engine, type EngineSession, type QueryResult } from './engine-api.js';

export class FakeEngine implements Engine {
  committed: Value[] = [];
  private pending = new Map<number, Value[]>();
  lastParams: Record<string, Value> = {};
  restarts = 0;
  snapshotRunning = false;
  ended: number[] = [];

  constructor(private readonly users: { user: string; password: string }[] = []) {}

  authenticate(user: string | undefined, password: string | undefined): boolean {
    return this.users.length === 0 || this.users.some((u) => u.user === user && u.password === password);
  }

  run(session: EngineSession, query: string, params: Record<string, Value>): QueryResult {
    this.lastParams = params;
    const q = query.trim();
    if (q === 'RETURN $x AS x') return { fields: ['x'], rows: [[params['x'] ?? null]][Symbol.iterator]() };
    if (q === 'UNWIND range(1, $n) AS i RETURN i') return { fields: ['i'], rows: count(params['n'] as bigint) };
    if (q === 'UNWIND range(1, $n) AS i RETURN i / (i - $z)') {
      return { fields: ['r'], rows: failAt(params['n'] as bigint, params['z'] as bigint) };
    }
    if (q === 'CREATE (:N {v: $v})') {
      if (session.inTransaction) this.pending.get(session.id)!.push(params['v'] ?? null);
      else this.committed.push(params['v'] ?? null);
      return { fields: [], rows: [][Symbol.iterator]() };
    }
    if (q === 'MATCH (n:N) RETURN n.v AS v') {
      const mine = session.inTransaction ? this.pending.get(session.id)! : [];
      return { fields: ['v'], rows: [...this.committed, ...mine].map((v) => [v])[Symbol.iterator]() };
    }
    if (q === 'SHOW SESSION') {
      const row: Value[] = [session.database ?? null, session.user ?? null, session.inTransaction];
      return { fields: ['db', 'user', 'tx'], rows: [row][Symbol.iterator]() };
    }
    throw new StandinQueryError('Memgraph.ClientError.MemgraphError.MemgraphError', `line 1:1 mismatched input '${q.split(' ')[0]}'`);
  }

  begin(session: EngineSession): void {
    if (session.inTransaction) throw new StandinQueryError('Memgraph.ClientError.MemgraphError.MemgraphError', 'Nested transactions are not supported.');
    this.pending.set(session.id, []);
  }

  commit(session: EngineSession): void {
    this.committed.push(...(this.pending.get(session.id) ?? []));
    this.pending.delete(session.id);
  }

  rollback(session: EngineSession): void {
    this.pending.delete(session.id);
  }

  endSession(session: EngineSession): void {
    this.pending.delete(session.id);
    this.ended.push(session.id);
  }

  restart(): void {
    this.restarts++;
    this.pending.clear();
  }

  beginPeriodicSnapshot(): string {
    this.snapshotRunning = true;
    return '/fake/snapshots/in-progress';
  }

  endPeriodicSnapshot(): string | undefined {
    this.snapshotRunning = false;
    return undefined;
  }
}

function* count(n: bigint): Iterator<Value[]> {
  for (let i = 1n; i <= n; i++) yield [i];
}

function* failAt(n: bigint, z: bigint): Iterator<Value[]> {
  for (let i = 1n; i <= n; i++) {
    if (i === z) throw new StandinQueryError('Memgraph.ClientError.MemgraphError.MemgraphError', 'Division by zero');
    yield [Number(i) / Number(i - z)];
  }
}
