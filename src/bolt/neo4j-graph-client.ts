// The only module that imports neo4j-driver (with driver-values.ts for value conversion).
// Memgraph refuses its admin queries inside explicit transactions, and executeRead/executeWrite,
// beginTransaction and driver.executeQuery all open one, so everything except `transaction()` goes
// through auto-commit `session.run`. Routing (neo4j://) is refused: a standalone Memgraph rejects ROUTE.
import neo4j, { type Driver, type Session } from 'neo4j-driver';
import { MgBackupError } from '../errors/errors.js';
import { parseBoltUri } from './bolt-uri.js';
import type { ConnectionOptions, GraphClient, Params, Row, Statement } from './graph-client.js';
import { classifyConnectError, classifyQueryError } from './classify.js';
import { fromDriverValue, toDriverValue } from './driver-values.js';

export interface DriverTuning {
  /** Neo4j-driver 6 does not time out a silent handshake with connectionTimeout; this bounds it. */
  connectionAcquisitionTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Rows per PULL. */
  fetchSize?: number;
}

function toParams(params: Params | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = toDriverValue(v);
  return out;
}

function toRow(record: { keys: PropertyKey[]; get(key: PropertyKey): unknown }): Row {
  const row: Row = {};
  for (const key of record.keys) row[String(key)] = fromDriverValue(record.get(key));
  return row;
}

export async function connectNeo4j(opts: ConnectionOptions, tuning: DriverTuning = {}): Promise<GraphClient> {
  // Callers from the CLI pass a clean address already; library callers may pass credentials in the URI.
  const parsed = parseBoltUri(opts.uri);
  opts = {
    ...opts,
    uri: parsed.address,
    ...(opts.user === undefined && parsed.user !== undefined ? { user: parsed.user } : {}),
    ...(opts.password === undefined && parsed.password !== undefined ? { password: parsed.password } : {}),
  };
  const auth = opts.user !== undefined || opts.password !== undefined
    ? neo4j.auth.basic(opts.user ?? '', opts.password ?? '')
    : undefined;
  let driver: Driver;
  try {
    driver = neo4j.driver(opts.uri, auth, {
      connectionAcquisitionTimeout: tuning.connectionAcquisitionTimeoutMs ?? 10_000,
      connectionTimeout: tuning.connectionTimeoutMs ?? 10_000,
      maxConnectionPoolSize: 4,
      fetchSize: tuning.fetchSize ?? 1000,
      useBigInt: true,
      userAgent: 'mgbackup',
    });
  } catch (err) {
    throw classifyConnectError(err, opts.uri);
  }
  try {
    await driver.getServerInfo({ database: opts.database });
  } catch (err) {
    await driver.close().catch(() => {});
    throw classifyConnectError(err, opts.uri);
  }
  return new Neo4jGraphClient(driver, opts, tuning.fetchSize ?? 1000);
}

class Neo4jGraphClient implements GraphClient {
  private closed = false;

  constructor(private readonly driver: Driver, private readonly opts: ConnectionOptions, private readonly fetchSize: number) {}

  private session(): Session {
    if (this.closed) throw new MgBackupError('internal', 'connection used after close');
    return this.driver.session({
      database: this.opts.database,
      defaultAccessMode: neo4j.session.WRITE,
      fetchSize: this.fetchSize,
    });
  }

  async run(query: string, params?: Params): Promise<Row[]> {
    const session = this.session();
    try {
      const result = await session.run(query, toParams(params));
      return result.records.map(toRow);
    } catch (err) {
      throw classifyQueryError(err, query);
    } finally {
      await session.close().catch(() => {});
    }
  }

  async *stream(query: string, params?: Params): AsyncIterable<Row> {
    const session = this.session();
    try {
      // The async iterator pulls the next batch only when its buffer drains: back-pressure.
      for await (const record of session.run(query, toParams(params))) yield toRow(record);
    } catch (err) {
      throw classifyQueryError(err, query);
    } finally {
      await session.close().catch(() => {});
    }
  }

  async transaction(statements: Statement[]): Promise<void> {
    const session = this.session();
    const tx = session.beginTransaction();
    let current = 'BEGIN';
    try {
      for (const s of statements) {
        current = s.query;
        await tx.run(s.query, toParams(s.params));
      }
      current = 'COMMIT';
      await tx.commit();
    } catch (err) {
      if (tx.isOpen()) await tx.rollback().catch(() => {});
      throw classifyQueryError(err, current);
    } finally {
      await session.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }
}
