// Test support only. One Bolt connection: the state machine of Memgraph's bolt::Session
// (src/communication/bolt/v1/session.hpp, states/*.hpp) driving an Engine session.
import type { Socket } from 'node:net';
import type { Value } from '../../src/graph/value.js';
import { StandinQueryError, type Engine, type EngineSession, type QueryResult } from './engine-api.js';
import { negotiate, HANDSHAKE_SIZE, PREAMBLE, type BoltVersion } from './bolt-handshake.js';
import { Dechunker, PackWriter, Struct, unpack, type PackValue } from './packstream.js';
import { fromPack, toPack } from './packstream-values.js';
import type { Faults } from './faults.js';
import { MSG, messageName, type LoggedMessage } from './bolt-messages.js';

export interface ConnectionContext {
  engine: Engine;
  faults: Faults;
  versions: readonly BoltVersion[];
  serverAgent: string;
  runId: string;
  log(entry: LoggedMessage): void;
}

type State = 'handshake' | 'init' | 'idle' | 'result' | 'error' | 'closed';

/** Thrown inside a handler to end the connection, optionally after a last FAILURE. */
class CloseConnection extends Error {
  constructor(readonly failure?: { code: string; message: string }) {
    super('close');
  }
}

// session.hpp:192-205 ClientFailureInvalidData: the reply to anything malformed or out of order.
const INVALID_DATA = {
  code: 'Memgraph.ExecutionException',
  message: 'Something went wrong while executing the query! Check the server logs for more details.',
};
// init.hpp:24-33 HandleAuthFailure.
const AUTH_FAILURE = { code: 'Memgraph.ClientError.Security.Unauthenticated', message: 'Authentication failure' };

interface OpenResult {
  result: QueryResult;
  next: IteratorResult<Value[]>;
  db: string;
  type: string;
}

export class BoltConnection {
  state: State = 'handshake';
  version: BoltVersion | undefined;
  readonly session: EngineSession;
  private handshakeBytes = Buffer.alloc(0);
  private readonly dechunker = new Dechunker();
  private readonly out = new PackWriter();
  private queue: Buffer[] = [];
  private busy = false;
  private open: OpenResult | undefined;
  private txQueries = 0;

  constructor(readonly id: number, private readonly socket: Socket, private readonly ctx: ConnectionContext) {
    this.session = { id, database: undefined, inTransaction: false, user: undefined };
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => this.onClosed());
  }

  get major(): number {
    return (this.version ?? 0) >> 8;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue = [];
    // handlers.hpp: the session's interpreter is destroyed with the connection; an open transaction aborts.
    if (this.version === undefined) return;
    try {
      this.ctx.engine.endSession(this.session);
    } catch (err) {
      this.ctx.log({ connection: this.id, direction: 'out', type: 'ERROR', message: `endSession: ${String(err)}` });
    }
  }

  private onData(data: Buffer): void {
    if (this.state === 'closed') return;
    if (this.state === 'handshake') {
      // session.hpp:79-98: nothing happens until all 20 handshake bytes are in.
      this.handshakeBytes = Buffer.concat([this.handshakeBytes, data]);
      if (this.handshakeBytes.length < HANDSHAKE_SIZE) return;
      data = this.handshakeBytes.subarray(HANDSHAKE_SIZE);
      this.queue.push(this.handshakeBytes.subarray(0, HANDSHAKE_SIZE));
      this.handshakeBytes = Buffer.alloc(0);
      this.state = 'init'; // the queued handshake is processed first; `version` is set then
    }
    if (data.length > 0) this.queue.push(...this.dechunker.push(data));
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && this.state !== 'closed') {
        const msg = this.queue.shift()!;
        if (this.ctx.faults.delayMs > 0) await sleep(this.ctx.faults.delayMs);
        if ((this.state as State) === 'closed') break;
        if (this.version === undefined) await this.handshake(msg);
        else await this.handle(msg);
      }
    } catch (err) {
      if (!(err instanceof CloseConnection)) {
        // A bug in the server or engine: the connection dies, and the log says why.
        this.ctx.log({ connection: this.id, direction: 'out', type: 'ERROR', message: String((err as Error)?.stack ?? err) });
      } else {
        if (err.failure) {
          this.out.take(); // handlers.hpp HandleFailure clears unsent data first
          this.failure(err.failure);
          await this.flush();
        }
      }
      this.socket.end();
      this.socket.destroySoon();
      this.onClosed();
    } finally {
      this.busy = false;
    }
  }

  private async handshake(bytes: Buffer): Promise<void> {
    const picked = bytes.subarray(0, 4).equals(PREAMBLE) ? negotiate(bytes, this.ctx.versions) : undefined;
    this.ctx.log({ connection: this.id, direction: 'in', type: 'HANDSHAKE' });
    if (picked === undefined) throw new CloseConnection(INVALID_DATA); // session.hpp:89-92
    this.version = picked;
    this.ctx.log({ connection: this.id, direction: 'out', type: 'VERSION', version: `${picked >> 8}.${picked & 0xff}` });
    await this.write(Buffer.from([0, 0, picked & 0xff, picked >> 8]));
  }

  private async handle(raw: Buffer): Promise<void> {
    let msg: PackValue;
    try {
      msg = unpack(raw);
    } catch {
      throw new CloseConnection(INVALID_DATA);
    }
    if (!(msg instanceof Struct)) throw new CloseConnection(INVALID_DATA);
    const entry: LoggedMessage = { connection: this.id, direction: 'in', type: messageName(msg.signature, this.major) };
    describeInbound(msg, entry);
    this.ctx.log(entry);
    if (this.ctx.faults.onClientMessage()) {
      this.socket.destroy();
      this.onClosed();
      return;
    }
    switch (this.state) {
      case 'init': this.handleInit(msg); break;
      case 'error': this.handleError(msg); break;
      default: await this.handleExecuting(msg);
    }
    await this.flush();
  }

  // init.hpp:356-466: HELLO authenticates in Bolt 1/4; in Bolt 5 HELLO answers and LOGON authenticates.
  private handleInit(msg: Struct): void {
    const sig = msg.signature;
    if (this.major === 5 && sig === MSG.HELLO) {
      if (!userAgent(msg.fields[0])) throw new CloseConnection(INVALID_DATA);
      return this.success(this.helloMetadata());
    }
    if (this.major === 5 && sig === MSG.LOGON) {
      this.authenticate(msg.fields[0]);
      this.state = 'idle';
      return this.success(this.helloMetadata());
    }
    if (this.major !== 5 && sig === MSG.HELLO) {
      const auth = this.major === 1 ? msg.fields[1] : msg.fields[0];
      if (this.major === 4 && !userAgent(auth)) throw new CloseConnection(INVALID_DATA);
      this.authenticate(auth);
      this.state = 'idle';
      return this.success(this.helloMetadata());
    }
    throw new CloseConnection(INVALID_DATA);
  }

  private helloMetadata(): Map<string, PackValue> {
    // init.hpp:337-354: connection_id is the fixed "bolt-1"; server is --bolt-server-name-for-init.
    return new Map<string, PackValue>([['connection_id', 'bolt-1'], ['server', this.ctx.serverAgent]]);
  }

  // init.hpp:132-235 AuthenticateUser: a missing scheme counts as "none"; basic/none check user and
  // password (missing ones become ""); any other scheme fails; failure sends FAILURE and closes.
  private authenticate(meta: PackValue | undefined): void {
    const data = meta instanceof Map ? meta : new Map<string, PackValue>();
    const scheme = typeof data.get('scheme') === 'string' ? (data.get('scheme') as string) : 'none';
    const principal = data.get('principal');
    const credentials = data.get('credentials');
    const user = typeof principal === 'string' ? principal : '';
    const password = typeof credentials === 'string' ? credentials : '';
    if ((scheme !== 'basic' && scheme !== 'none') || !this.ctx.engine.authenticate(user, password)) {
      throw new CloseConnection(AUTH_FAILURE);
    }
    this.session.user = user === '' ? undefined : user;
  }

  // error.hpp:20-81: RESET (and ACK_FAILURE in Bolt 1) leave the error state; all else is IGNORED.
  private handleError(msg: Struct): void {
    if (msg.signature === MSG.RESET) return this.reset();
    if (this.major === 1 && msg.signature === MSG.ACK_FAILURE) {
      this.state = 'idle';
      return this.success(new Map());
    }
    this.out.message(new Struct(MSG.IGNORED, []));
    this.ctx.log({ connection: this.id, direction: 'out', type: 'IGNORED' });
  }

  // executing.hpp:21-107 and handlers.hpp: which messages each Bolt major accepts in Idle/Result.
  private async handleExecuting(msg: Struct): Promise<void> {
    const sig = msg.signature;
    const v4 = this.major >= 4;
    const expect = (n: number): void => {
      if (msg.fields.length !== n) throw new CloseConnection(INVALID_DATA);
    };
    const inState = (s: State): void => {
      if (this.state !== s) throw new CloseConnection(INVALID_DATA); // "Unexpected RUN/PULL/... command!"
    };
    switch (true) {
      case sig === MSG.RUN:
        expect(v4 ? 3 : 2);
        inState('idle');
        return this.run(msg.fields[0], msg.fields[1], v4 ? msg.fields[2] : undefined);
      case sig === MSG.PULL || sig === MSG.DISCARD: {
        expect(v4 ? 1 : 0);
        inState('result');
        return this.pull(sig === MSG.PULL, v4 ? msg.fields[0] : undefined);
      }
      case sig === MSG.RESET:
        expect(0);
        return this.reset();
      case v4 && sig === MSG.BEGIN:
        expect(1);
        inState('idle');
        return this.guard(() => {
          this.configure(msg.fields[0]);
          this.ctx.engine.begin(this.session);
          this.session.inTransaction = true;
          this.txQueries = 0;
          this.success(new Map());
        });
      case v4 && (sig === MSG.COMMIT || sig === MSG.ROLLBACK):
        expect(0);
        inState('idle');
        return this.guard(() => {
          try {
            if (sig === MSG.COMMIT) this.ctx.engine.commit(this.session);
            else this.ctx.engine.rollback(this.session);
          } finally {
            this.session.inTransaction = false;
          }
          this.success(new Map());
        });
      case v4 && sig === MSG.GOODBYE:
        throw new CloseConnection(); // handlers.hpp:497-500
      case sig === MSG.ROUTE && (this.major === 5 || this.version! >= 0x0403):
        // handlers.hpp:565-574, the community build's answer.
        this.open = undefined;
        this.state = 'error';
        return this.failure({ code: '66', message: 'Route message is not supported in Memgraph!' });
      case this.major === 5 && sig === MSG.LOGOFF:
        // handlers.hpp:577-589 + SessionHL.cpp:465-476: abort, forget the user, back to Init.
        this.abort();
        this.session.user = undefined;
        this.state = 'init';
        return this.success(new Map());
      default:
        throw new CloseConnection(INVALID_DATA);
    }
  }

  /** Runs `fn`; a query error becomes FAILURE and the Error state (handlers.hpp:184-199). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof CloseConnection) throw err;
      this.open = undefined;
      this.state = 'error';
      this.failure(
        err instanceof StandinQueryError
          ? { code: err.code, message: err.message }
          : // Memgraph hides unknown exceptions (handlers.hpp:86-90); a test server shows them to help debugging.
            { code: 'Memgraph.DatabaseError.MemgraphError.MemgraphError', message: String((err as Error)?.message ?? err) },
      );
    }
  }

  // SessionHL.cpp:749-800 RuntimeConfig::Configure: `db` picks the database, ignored inside a transaction.
  private configure(extra: PackValue | undefined): void {
    if (this.session.inTransaction || !(extra instanceof Map)) return;
    const db = extra.get('db');
    this.session.database = typeof db === 'string' && db !== '' ? db : undefined;
  }

  private run(query: PackValue | undefined, params: PackValue | undefined, extra: PackValue | undefined): void {
    if (typeof query !== 'string' || !(params instanceof Map)) throw new CloseConnection(INVALID_DATA);
    let values: Record<string, Value>;
    try {
      values = Object.fromEntries([...params].map(([k, p]) => [k, fromPack(p, this.major)]));
    } catch {
      throw new CloseConnection(INVALID_DATA); // handlers.hpp:291-294 "Couldn't read parameters!"
    }
    this.guard(() => {
      this.configure(extra);
      const fault = this.ctx.faults.failureFor(query);
      if (fault) throw new StandinQueryError(fault.code, fault.message);
      const result = this.ctx.engine.run(this.session, query, values);
      const meta = new Map<string, PackValue>([['fields', [...result.fields]]]);
      // interpreter.cpp:10595-10596: qid is reported only inside an explicit transaction.
      if (this.session.inTransaction && this.major > 1) meta.set('qid', BigInt(this.txQueries++));
      const type = (result as QueryResult & { type?: string }).type ?? 'rw';
      this.open = { result, next: { done: false, value: undefined as never }, db: this.session.database ?? 'memgraph', type };
      this.open.next = result.rows.next();
      this.state = 'result';
      this.success(meta);
    });
  }

  // handlers.hpp:95-181 + interpreter.cpp PullPlan::Pull: send up to n rows, look one row ahead, and
  // report has_more only when a further row exists; the last summary carries the query statistics.
  private async pull(send: boolean, extra: PackValue | undefined): Promise<void> {
    let n = -1n;
    if (extra instanceof Map && typeof extra.get('n') === 'bigint') n = extra.get('n') as bigint;
    const open = this.open!;
    let sent = 0;
    let failed = false;
    this.guard(() => {
      if (n < -1n) throw new StandinQueryError('Memgraph.ClientError.MemgraphError.MemgraphError', 'Cannot fetch negative number of results!');
    });
    if (this.state === 'error') return;
    while (!open.next.done && (n === -1n || BigInt(sent) < n)) {
      if (send) {
        this.out.message(new Struct(MSG.RECORD, [open.next.value.map((v) => toPack(v, this.major))]));
        if (this.ctx.faults.onRecordSent()) {
          await this.flush();
          throw new CloseConnection();
        }
        if (this.out.length >= 64 * 1024) await this.flush();
      }
      sent++;
      this.guard(() => {
        open.next = open.result.rows.next();
      });
      if ((this.state as State) === 'error') {
        failed = true;
        break;
      }
    }
    if (failed) return;
    const hasMore = !open.next.done;
    const summary = new Map<string, PackValue>();
    if (hasMore) {
      summary.set('has_more', true);
    } else {
      summary.set('cost_estimate', 0.0).set('db', open.db).set('has_more', false);
      summary.set('parsing_time', 0.0001).set('plan_execution_time', 0.0001).set('planning_time', 0.0001);
    }
    summary.set('run_id', this.ctx.runId); // SessionHL.cpp DecodeSummary adds run_id to every summary
    if (!hasMore) summary.set('type', open.type);
    this.state = hasMore ? 'result' : 'idle';
    if (!hasMore) this.open = undefined;
    this.success(summary, { records: sent, hasMore });
  }

  private abort(): void {
    this.open = undefined;
    if (this.session.inTransaction) {
      this.session.inTransaction = false;
      try {
        this.ctx.engine.rollback(this.session);
      } catch {
        // SessionHL::Abort swallows the outcome; the transaction is gone either way.
      }
    }
  }

  // handlers.hpp:375-403: RESET aborts the transaction and returns to Idle.
  private reset(): void {
    this.abort();
    this.state = 'idle';
    this.success(new Map());
  }

  private success(meta: Map<string, PackValue>, extra: Partial<LoggedMessage> = {}): void {
    this.out.message(new Struct(MSG.SUCCESS, [meta]));
    this.ctx.log({ connection: this.id, direction: 'out', type: 'SUCCESS', ...extra });
  }

  private failure(f: { code: string; message: string }): void {
    this.out.message(new Struct(MSG.FAILURE, [new Map<string, PackValue>([['code', f.code], ['message', f.message]])]));
    this.ctx.log({ connection: this.id, direction: 'out', type: 'FAILURE', code: f.code, message: f.message });
  }

  private async flush(): Promise<void> {
    if (this.out.length > 0) await this.write(this.out.take());
  }

  private write(buf: Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    if (this.socket.write(buf)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}

function userAgent(meta: PackValue | undefined): boolean {
  // init.hpp:284-289 / 309-314: HELLO without a string user_agent is refused.
  return meta instanceof Map && typeof meta.get('user_agent') === 'string';
}

function describeInbound(msg: Struct, entry: LoggedMessage): void {
  const f = msg.fields;
  if (msg.signature === MSG.RUN && typeof f[0] === 'string') {
    entry.query = f[0];
    const extra = f[2];
    if (extra instanceof Map && typeof extra.get('db') === 'string') entry.db = extra.get('db') as string;
  }
  if ((msg.signature === MSG.PULL || msg.signature === MSG.DISCARD) && f[0] instanceof Map) {
    const n = f[0].get('n');
    if (typeof n === 'bigint') entry.n = Number(n);
  }
  if (msg.signature === MSG.BEGIN && f[0] instanceof Map && typeof f[0].get('db') === 'string') {
    entry.db = f[0].get('db') as string;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
