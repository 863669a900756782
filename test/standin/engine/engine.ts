// The stand-in's query engine (test support, never shipped): storage, durability files, data-directory
// lock and the queries mgbackup relies on, behaving like Memgraph >= 3.5 (older releases via `version`).
// Folder layout: storage.ts (one database), file-retainer.ts (LOCK), wal-writer.ts, retention.ts,
// recovery.ts, recover-snapshot.ts (RECOVER SNAPSHOT), codec.ts + memgraph-codec.ts (real v36 file bytes; interim-codec.ts the old JSON form), admin-queries.ts (admin
// queries), memgraph-errors.ts (error codes and texts), tx-log.ts (undo log). Every query is parsed with
// Memgraph's own grammar and the rest executed by ../cypher/ (interpreter, DUMP renderer from dump.cpp).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Value } from '../../../src/graph/value.js';
import type { Engine, EngineSession, QueryResult } from '../engine-api.js';
import { StandinQueryError } from '../engine-api.js';
import {
  type AdminQuery, firstRelease, multicommandName, onDiskName, parseAdminQuery,
} from './admin-queries.js';
import type { DurabilityCodec } from './codec.js';
import { rowsOf, showSnapshots, storageInfo } from './info-queries.js';
import { type MicroClock, PrefixSource, systemMicroClock } from './durability-names.js';
import { memgraphCodec, memgraphCodecFor } from './memgraph-codec.js';
import {
  clientError, multicommandError, onDiskError, replicaWriteError, syntaxError, transientError,
} from './memgraph-errors.js';
import { atLeast, DEFAULT_SERVER_VERSION, parseServerVersion, type ServerVersion } from './server-version.js';
import { recoverSnapshot } from './recover-snapshot.js';
import { SnapshotInProgressError, Storage, type StorageMode } from './storage.js';
import { DEFAULT_DATABASE, registerTenants } from './tenants.js';
import { TxLog } from './tx-log.js';
import { dumpDatabase } from '../cypher/dump-render.js';
import { GraphState } from '../cypher/graph-state.js';
import { prepare } from '../cypher/interpreter.js';
import { type QueryParser, queryParserFor } from '../cypher/parse-cache.js';

export type { StorageMode } from './storage.js';

export { DEFAULT_DATABASE } from './tenants.js';

export interface EngineOptions {
  dataDir: string;
  /** Memgraph release to imitate, X.Y.Z; default 3.12.0. */
  version?: string;
  /** Basic-auth users; none = every credential accepted (SessionHL.cpp:316-324). */
  users?: { user: string; password: string }[];
  /** Tenants besides `memgraph`, each with databases/<uuid>/. */
  databases?: string[];
  replicationRole?: 'main' | 'replica';
  /** --storage-snapshot-retention-count, default 3. */
  snapshotRetention?: number;
  /** --storage-wal-enabled, default true (the packaged config). */
  walEnabled?: boolean;
  /** --storage-wal-file-size-kib, default 20480. */
  walFileSizeKib?: number;
  /** --storage-backup-dir-enabled, default true: RECOVER SNAPSHOT archives into .old/ instead of deleting. */
  backupDirEnabled?: boolean;
  /** --storage-mode at start, default IN_MEMORY_TRANSACTIONAL. */
  storageMode?: StorageMode;
  codec?: DurabilityCodec;
  clock?: MicroClock;
  log?: (line: string) => void;
}

export interface StandinEngineControls {
  /** Stop and start again: the lock is gone, the graph is recovered from the files. `crash` skips the
   *  clean-shutdown WAL finalize. */
  restart(opts?: { crash?: boolean }): void;
  /** A periodic snapshot starts (its file partly written) and stays "in progress" until ended. */
  beginPeriodicSnapshot(database?: string): string;
  endPeriodicSnapshot(database?: string): string | undefined;
  setReplicationRole(role: 'main' | 'replica'): void;
  storage(database?: string): Storage;
  readonly version: ServerVersion;
  readonly logLines: string[];
}

interface SessionTx {
  storage: Storage;
  log: TxLog | undefined;
}

const GRAPH_WRITE_CONFLICT =
  'Cannot resolve conflicting transactions. Retry this transaction when the conflicting transaction is ' +
  'finished. For more details, visit https://memgraph.com/docs';

class StandinEngine implements Engine, StandinEngineControls {
  readonly version: ServerVersion;
  readonly logLines: string[] = [];
  private readonly storages = new Map<string, Storage>();
  private readonly txs = new Map<number, SessionTx>();
  /** Per storage: name ids, gid counters and lookups of its graph; rebuilt after a rollback or restart. */
  private readonly states = new Map<Storage, { generation: number; state: GraphState }>();
  private role: 'main' | 'replica';
  private readonly codec: DurabilityCodec;

  constructor(private readonly opts: EngineOptions, private readonly parser: QueryParser) {
    this.version = parseServerVersion(opts.version ?? DEFAULT_SERVER_VERSION);
    this.role = opts.replicationRole ?? 'main';
    // 3.13 writes durability v37 (global indices); earlier releases imitated here write v36.
    const codec = opts.codec ?? (atLeast(this.version, '3.13.0') ? memgraphCodecFor(37) : memgraphCodec);
    const prefixes = new PrefixSource(opts.clock ?? systemMicroClock);
    const log = (line: string): void => {
      this.logLines.push(line);
      opts.log?.(line);
    };
    this.codec = codec;
    const make = (name: string, dir: string): Storage =>
      new Storage({
        name, dir, codec, prefixes, log,
        retention: opts.snapshotRetention ?? 3,
        walEnabled: opts.walEnabled ?? true,
        walFileSizeBytes: (opts.walFileSizeKib ?? 20480) * 1024,
        mode: opts.storageMode ?? 'IN_MEMORY_TRANSACTIONAL',
      });
    const root = path.resolve(opts.dataDir);
    fs.mkdirSync(root, { recursive: true });
    this.storages.set(DEFAULT_DATABASE, make(DEFAULT_DATABASE, root));
    const tenants = registerTenants(root, opts.databases ?? [], log);
    for (const [name, dir] of tenants) this.storages.set(name, make(name, dir));
  }

  // ---- Engine ----

  authenticate(user: string | undefined, password: string | undefined): boolean {
    const users = this.opts.users ?? [];
    if (users.length === 0) return true;
    return users.some((u) => u.user === user && u.password === password);
  }

  run(session: EngineSession, query: string, params: Record<string, Value>): QueryResult {
    // Every query goes through Memgraph's grammar first: what it rejects fails with Memgraph's text.
    const parsed = this.parser.parse(query);
    if (!parsed.ok) throw clientError(parsed.message);
    const storage = this.storageFor(session);
    const admin = parseAdminQuery(query);
    if (admin) return this.runAdmin(session, storage, admin);
    const prepared = prepare(parsed.statement);
    if (parsed.literals) params = { ...params, ...parsed.literals };
    if (!prepared.write) {
      const out = prepared.run(this.stateFor(storage), params, { touchSchema: () => {} });
      return { fields: out.fields, rows: rowsOf(out.rows) };
    }
    // Only write queries are refused on a REPLICA (interpreter.cpp:11085-11092).
    if (this.role === 'replica') throw replicaWriteError();
    const tx = session.inTransaction ? this.txOf(session, storage) : undefined;
    const log = this.acquireWriter(session, storage, tx);
    log.attach();
    let out: { fields: string[]; rows: Value[][] };
    try {
      out = prepared.run(this.stateFor(storage), params, log);
    } catch (e) {
      // A failed query aborts the whole transaction, explicit or not.
      this.abort(storage, log, tx);
      throw e instanceof StandinQueryError ? e : clientError(e instanceof Error ? e.message : String(e));
    }
    if (tx) log.detach();
    else this.finish(storage, log, true);
    return { fields: out.fields, rows: rowsOf(out.rows) };
  }

  begin(session: EngineSession): void {
    session.inTransaction = true;
    this.txs.set(session.id, { storage: this.storageFor(session), log: undefined });
  }

  commit(session: EngineSession): void {
    const tx = this.txs.get(session.id);
    this.txs.delete(session.id);
    session.inTransaction = false;
    if (tx?.log) this.finish(tx.storage, tx.log, true);
  }

  rollback(session: EngineSession): void {
    const tx = this.txs.get(session.id);
    this.txs.delete(session.id);
    session.inTransaction = false;
    if (tx?.log) this.finish(tx.storage, tx.log, false);
  }

  endSession(session: EngineSession): void {
    if (this.txs.has(session.id)) this.rollback(session);
  }

  // ---- controls ----

  restart(opts: { crash?: boolean } = {}): void {
    this.txs.clear();
    this.states.clear();
    for (const s of this.storages.values()) s.restart(!opts.crash);
  }

  beginPeriodicSnapshot(database?: string): string {
    return this.storage(database).beginPeriodicSnapshot();
  }

  endPeriodicSnapshot(database?: string): string | undefined {
    return this.storage(database).endPeriodicSnapshot();
  }

  setReplicationRole(role: 'main' | 'replica'): void {
    this.role = role;
  }

  storage(database?: string): Storage {
    const s = this.storages.get(database ?? DEFAULT_DATABASE);
    if (!s) throw new Error(`stand-in has no database ${JSON.stringify(database)}`);
    return s;
  }

  // ---- internals ----

  private storageFor(session: EngineSession): Storage {
    const name = session.database ?? DEFAULT_DATABASE;
    const s = this.storages.get(name);
    // UnknownDatabaseException (src/dbms/dbms_handler.hpp:1086).
    if (!s) throw clientError(`Tried to retrieve an unknown database "${name}".`);
    return s;
  }

  private txOf(session: EngineSession, storage: Storage): SessionTx {
    let tx = this.txs.get(session.id);
    if (!tx) {
      tx = { storage, log: undefined };
      this.txs.set(session.id, tx);
    }
    return tx;
  }

  /** One writer per storage at a time; a second one gets Memgraph's serialization error (a
   *  RetryBasicException, so TransientError: exceptions.hpp:303-309). */
  private acquireWriter(session: EngineSession, storage: Storage, tx: SessionTx | undefined): TxLog {
    const w = storage.writer;
    if (w && w.sessionId !== session.id) throw transientError(GRAPH_WRITE_CONFLICT);
    if (w) return w.log;
    const log = new TxLog(storage.graph);
    storage.writer = { sessionId: session.id, log };
    if (tx) tx.log = log;
    return log;
  }

  private abort(storage: Storage, log: TxLog, tx: SessionTx | undefined): void {
    log.rollback();
    storage.writer = undefined;
    if (tx) tx.log = undefined;
    this.states.delete(storage);
  }

  private finish(storage: Storage, log: TxLog, commit: boolean): void {
    if (storage.writer?.log !== log) return; // the storage restarted meanwhile
    storage.writer = undefined;
    if (commit) {
      storage.commit(log);
    } else {
      log.rollback();
      // The graph state keeps its own lookups of what it created; rebuild it from the restored graph.
      this.states.delete(storage);
    }
  }

  private stateFor(storage: Storage): GraphState {
    const cached = this.states.get(storage);
    if (cached && cached.generation === storage.generation && cached.state.graph === storage.graph) return cached.state;
    const state = new GraphState(storage.graph);
    this.states.set(storage, { generation: storage.generation, state });
    return state;
  }

  private runAdmin(session: EngineSession, storage: Storage, q: AdminQuery): QueryResult {
    const v = this.version;
    if (!atLeast(v, firstRelease(q))) throw syntaxError(normalizeFirst(q));
    if (session.inTransaction) {
      const name = multicommandName(q);
      if (name) throw multicommandError(name);
    }
    const disk = onDiskName(q);
    if (disk && storage.mode === 'ON_DISK_TRANSACTIONAL') throw onDiskError(disk);
    switch (q.kind) {
      case 'lock': return this.lock(storage, q.action);
      case 'createSnapshot': return this.createSnapshot(storage);
      case 'showSnapshots': return showSnapshots(this.codec, storage);
      case 'showNextSnapshot': return { fields: ['path', 'creation_time'], rows: rowsOf([]) };
      case 'recoverSnapshot': {
        recoverSnapshot(storage, {
          uri: q.path, force: q.force, role: this.role, backupDirEnabled: this.opts.backupDirEnabled ?? true,
        });
        this.states.delete(storage);
        return { fields: [], rows: rowsOf([]) };
      }
      case 'storageInfo': {
        const ctx = { version: v, storages: this.storages, globalMode: this.opts.storageMode ?? 'IN_MEMORY_TRANSACTIONAL' };
        return storageInfo(ctx, storage, q.on);
      }
      case 'version': return { fields: ['version'], rows: rowsOf([[v.text]]) };
      case 'replicationRole': return { fields: ['replication role'], rows: rowsOf([[this.role]]) };
      case 'storageMode': return this.storageMode(storage, q.mode);
      case 'freeMemory': return { fields: [], rows: rowsOf([]) };
      case 'showDatabases': {
        const names = [...this.storages.keys()].map((n) => [n] as Value[]);
        // Name, then Name/State/Health since v3.12 (research §1.8).
        if (atLeast(v, '3.12.0')) {
          return { fields: ['Name', 'State', 'Health'], rows: rowsOf(names.map((r) => [...r, 'HOT', 'ready'])) };
        }
        return { fields: ['Name'], rows: rowsOf(names) };
      }
      case 'showDatabase': return { fields: ['Current'], rows: rowsOf([[storage.opts.name]]) };
      case 'dump': {
        // One `QUERY` row per statement, produced as the client pulls (dump.cpp:543-567).
        const it = dumpDatabase(storage.graph, storage.opts.name);
        const rows: Iterator<Value[]> = {
          next: () => {
            const r = it.next();
            return r.done ? { done: true, value: undefined } : { done: false, value: [r.value] };
          },
        };
        return { fields: ['QUERY'], rows };
      }
    }
  }

  /** interpreter.cpp:6048-6105; before v2.8 LOCK had no rows and UNLOCK of an unlocked directory threw
   *  (v2.7.0 interpreter.cpp:1760-1787). */
  private lock(storage: Storage, action: 'lock' | 'unlock' | 'status'): QueryResult {
    const r = storage.retainer;
    if (!atLeast(this.version, '2.8.0')) {
      if (action === 'lock') r.lock();
      else if (!r.unlock()) throw clientError('Failed to unlock the data directory');
      return { fields: [], rows: rowsOf([]) };
    }
    let status: string;
    if (action === 'lock') status = r.lock() ? 'Data directory is now locked.' : 'Data directory is already locked.';
    else if (action === 'unlock') {
      status = r.unlock() ? 'Data directory is now unlocked.' : 'Data directory is already unlocked.';
    } else status = r.isLocked() ? 'Data directory is locked.' : 'Data directory is unlocked.';
    return { fields: ['STATUS'], rows: rowsOf([[status]]) };
  }

  /** interpreter.cpp:6720-6772: one row `path` since v3.5 (none before); replicas refused before v3.8. */
  private createSnapshot(storage: Storage): QueryResult {
    const v = this.version;
    if (this.role === 'replica' && !atLeast(v, '3.8.0')) {
      throw transientError('Failed to create a snapshot. Replica instances are not allowed to create them.');
    }
    if (atLeast(v, '3.3.0') && !atLeast(v, '3.5.0') && storage.lastSnapshotTs === storage.lastCommitTs) {
      throw transientError('Nothing has been written since the last snapshot.');
    }
    let file: string;
    try {
      file = storage.createSnapshot();
    } catch (e) {
      if (!(e instanceof SnapshotInProgressError)) throw e;
      // The message lost its final period in v3.8 (CreateSnapshotErrorToString, storage.hpp:110-124).
      throw transientError(`Another snapshot creation is already in progress${atLeast(v, '3.8.0') ? '' : '.'}`);
    }
    if (!atLeast(v, '3.5.0')) return { fields: [], rows: rowsOf([]) };
    return { fields: ['path'], rows: rowsOf([[file]]) };
  }

  /** interpreter.cpp:6498-6545: no rows; leaving ON_DISK and entering it with data are refused. */
  private storageMode(storage: Storage, mode: StorageMode): QueryResult {
    const cur = storage.mode;
    if (cur !== mode) {
      if (cur === 'ON_DISK_TRANSACTIONAL') {
        throw transientError(
          'You cannot switch from the on-disk storage mode to an in-memory storage mode while the database is ' +
            'running. To make the switch, delete the data directory and restart the database. Once restarted, ' +
            'Memgraph will automatically start in the default in-memory transactional storage mode.',
        );
      }
      if (mode === 'ON_DISK_TRANSACTIONAL' && storage.graph.vertices.size > 0) {
        throw transientError(
          'You cannot switch from an in-memory storage mode to the on-disk storage mode when the database ' +
            'contains data. Delete all entries from the database, run FREE MEMORY and then repeat this query. ',
        );
      }
      if (mode === 'IN_MEMORY_ANALYTICAL' && this.role === 'replica') {
        throw clientError(
          'Only the MAIN data instance can use analytical mode. A REPLICA receives replicated writes, which ' +
            'analytical mode cannot apply.',
        );
      }
      storage.setMode(mode);
    }
    return { fields: [], rows: rowsOf([]) };
  }
}

function normalizeFirst(q: AdminQuery): string {
  if (q.kind === 'recoverSnapshot') return 'RECOVER';
  return q.kind === 'lock' && q.action === 'status' ? 'DATA' : q.kind.toUpperCase();
}

export async function createEngine(opts: EngineOptions): Promise<Engine & StandinEngineControls> {
  return new StandinEngine(opts, await queryParserFor(parseServerVersion(opts.version ?? DEFAULT_SERVER_VERSION)));
}
