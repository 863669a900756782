// Test support only, never shipped. The seam between the stand-in's Bolt protocol server
// (bolt-server.ts: handshake, messages, sessions, faults) and its query engine (engine/: storage,
// durability files, locks, queries). Both halves behave like Memgraph in what mgbackup relies on.
import type { Value } from '../../src/graph/value.js';

/** A FAILURE the server sends: Memgraph's error code and message (texts from Memgraph's source). */
export class StandinQueryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'StandinQueryError';
  }
}

export interface EngineSession {
  readonly id: number;
  /** The Bolt `db` field of BEGIN/RUN, if the client set one; undefined = default database. */
  database: string | undefined;
  /** True between BEGIN and COMMIT/ROLLBACK. */
  inTransaction: boolean;
  user: string | undefined;
}

export interface QueryResult {
  fields: string[];
  /** Produced lazily so that PULL n can stream: the server takes n rows at a time. */
  rows: Iterator<Value[]>;
}

export interface Engine {
  /** Basic auth; with no users configured every credential is accepted (SessionHL.cpp). */
  authenticate(user: string | undefined, password: string | undefined): boolean;
  run(session: EngineSession, query: string, params: Record<string, Value>): QueryResult;
  begin(session: EngineSession): void;
  commit(session: EngineSession): void;
  rollback(session: EngineSession): void;
  /** Called when a connection ends (drop or GOODBYE): an open transaction is rolled back. */
  endSession(session: EngineSession): void;
}
