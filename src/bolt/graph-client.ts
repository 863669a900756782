// The Bolt boundary as the rest of mgbackup sees it. Only neo4j-graph-client.ts imports neo4j-driver;
// core modules and tests use this interface (tests also have an in-memory fake).
import type { Value } from '../graph/value.js';

export interface ConnectionOptions {
  /** bolt://host:port (also bolt+s://, bolt+ssc://). Routing schemes are refused. */
  uri: string;
  user?: string;
  password?: string;
  /** Ask for the password on the terminal (when --password is given without a value). */
  askPassword?: boolean;
  /** Read the password from this file (first line) when connecting (--password-file). */
  passwordFile?: string;
  /** Tenant; undefined means the server's default database. */
  database?: string;
}

/** One result row; column name -> value. Integers arrive as bigint, floats as number. */
export type Row = Record<string, Value>;
export type Params = Record<string, Value>;

export interface Statement {
  query: string;
  params?: Params;
}

export interface GraphClient {
  /** Auto-commit query (Bolt RUN outside BEGIN): the only form Memgraph accepts for admin queries. */
  run(query: string, params?: Params): Promise<Row[]>;
  /** Auto-commit query streamed with back-pressure: rows are pulled in batches as they are consumed. */
  stream(query: string, params?: Params): AsyncIterable<Row>;
  /** Runs the statements in one explicit transaction (BEGIN ... COMMIT); rolls back on failure. */
  transaction(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
}
