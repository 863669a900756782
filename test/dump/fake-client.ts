// Test support: an in-memory GraphClient that serves a fixed DUMP and records what it was sent, plus a
// fake ProcessIo for calling main() in-process. Used until (and beside) the stand-in server.
import { PassThrough } from 'node:stream';
import type { GraphClient, Params, Row, Statement } from '../../src/bolt/graph-client.js';
import type { ProcessIo } from '../../src/cli/main.js';
import { MgBackupError } from '../../src/errors/errors.js';

export interface FakeClientOptions {
  dumpLines?: string[];
  /** Throw a server error after yielding this many DUMP rows. */
  failDumpAfter?: number;
  /** Answers for run(query) by exact text. */
  answers?: Record<string, Row[]>;
  /** A statement the fake server rejects (in run or inside a transaction, which then rolls back). */
  rejects?: (query: string, params?: Params) => boolean;
  /** Called as each DUMP row is handed out, with the count so far (tests act at an exact row, not a time). */
  onPulled?: (pulled: number) => void;
}

export class FakeClient implements GraphClient {
  /** DUMP rows handed out so far (to observe back-pressure). */
  pulled = 0;
  closed = false;
  readonly runs: { query: string; params?: Params }[] = [];
  readonly transactions: Statement[][] = [];

  constructor(private readonly opts: FakeClientOptions = {}) {}

  async run(query: string, params?: Params): Promise<Row[]> {
    if (this.opts.rejects?.(query, params)) throw new MgBackupError('server', `server rejected ${query}`, { details: { serverMessage: 'rejected by the fake' } });
    this.runs.push(params ? { query, params } : { query });
    const answer = this.opts.answers?.[query];
    if (answer) return answer;
    return [];
  }

  async *stream(query: string): AsyncIterable<Row> {
    if (query !== 'DUMP DATABASE') throw new MgBackupError('server', `fake cannot stream ${query}`);
    const lines = this.opts.dumpLines ?? [];
    for (let i = 0; i < lines.length; i++) {
      if (this.opts.failDumpAfter !== undefined && i === this.opts.failDumpAfter) {
        throw new MgBackupError('cannotConnect', 'connection lost while running "DUMP DATABASE"');
      }
      this.pulled++;
      this.opts.onPulled?.(this.pulled);
      // A real driver delivers rows asynchronously, batch by batch.
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      yield { QUERY: lines[i]! };
    }
  }

  async transaction(statements: Statement[]): Promise<void> {
    if (statements.some((s) => this.opts.rejects?.(s.query, s.params))) {
      throw new MgBackupError('server', 'server rejected a statement', { details: { serverMessage: 'rejected by the fake' } });
    }
    this.transactions.push(statements);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface FakeIo extends ProcessIo {
  stdoutText(): string;
  stderrText(): string;
  stdoutBytes(): Buffer;
  /** Fire a signal as the OS would. */
  raise(signal: string): void;
}

export function fakeIo(opts: { stdoutIsTTY?: boolean; stdin?: string | Buffer; cwd?: string; stdout?: NodeJS.WritableStream } = {}): FakeIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = opts.stdout ?? new PassThrough();
  if (!opts.stdout) (stdout as PassThrough).on('data', (d: Buffer) => out.push(d));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => err.push(d));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const handlers: ((s: string) => void)[] = [];
  return {
    stdin,
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    env: {},
    cwd: opts.cwd ?? process.cwd(),
    onSignal(handler) {
      handlers.push(handler);
      return () => { handlers.splice(handlers.indexOf(handler), 1); };
    },
    flush: async () => {},
    stdoutText: () => Buffer.concat(out).toString('utf8'),
    stderrText: () => Buffer.concat(err).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    raise: (s) => { for (const h of [...handlers]) h(s); },
  };
}

/** Lines shaped like a real dump: vertices with varied properties, the helper index, edges, cleanup. */
export function syntheticDump(vertices: number, edges: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < vertices; i++) {
    lines.push(`CREATE (:__mg_vertex__:\`Person\` {__mg_id__: ${i}, \`name\`: "person ${i}; \\"quoted\\"", \`age\`: ${i % 90}});`);
  }
  if (vertices > 0) lines.push('CREATE INDEX ON :__mg_vertex__(__mg_id__);');
  for (let i = 0; i < edges; i++) {
    lines.push(`MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = ${i % vertices} AND v.__mg_id__ = ${(i * 7 + 1) % vertices} CREATE (u)-[:\`KNOWS\` {\`since\`: ${2000 + (i % 20)}}]->(v);`);
  }
  if (vertices > 0) {
    lines.push('DROP INDEX ON :__mg_vertex__(__mg_id__);');
    lines.push('MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;');
  }
  return lines;
}
