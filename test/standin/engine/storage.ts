// One database's storage: its graph, durability directory, lock (FileRetainer), open WAL, commit clock
// and storage mode. The default database lives at the data-directory root, a tenant at
// databases/<uuid>/ (research/memgraph-semantics.md §2); each has its own retainer, hence its own lock.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Graph } from '../../../src/graph/model.js';
import type { DurabilityCodec } from './codec.js';
import { snapshotName, type PrefixSource } from './durability-names.js';
import { FileRetainer } from './file-retainer.js';
import { recover } from './recovery.js';
import { applyRetention } from './retention.js';
import { trackedGraph, type TrackedGraph, TxLog } from './tx-log.js';
import { WalWriter } from './wal-writer.js';

export type StorageMode = 'IN_MEMORY_TRANSACTIONAL' | 'IN_MEMORY_ANALYTICAL' | 'ON_DISK_TRANSACTIONAL';

export interface StorageOptions {
  name: string;
  dir: string;
  codec: DurabilityCodec;
  prefixes: PrefixSource;
  retention: number;
  walEnabled: boolean;
  walFileSizeBytes: number;
  mode: StorageMode;
  log: (line: string) => void;
}

export class SnapshotInProgressError extends Error {}

export class Storage {
  graph!: TrackedGraph;
  uuid!: string;
  epochId!: string;
  lastCommitTs = 0n;
  /** Durable ts of the last snapshot this run wrote (the v3.3-3.4 "nothing new" check). */
  lastSnapshotTs: bigint | undefined;
  mode: StorageMode;
  readonly retainer: FileRetainer;
  private wal!: WalWriter;
  /** Path of a periodic snapshot being written, with the bytes it will have when complete. */
  private periodic: { file: string; bytes: Uint8Array } | undefined;
  /** The one transaction allowed to write at a time, keyed by session id. */
  writer: { sessionId: number; log: TxLog } | undefined;
  /** Bumped on every restart so holders of the old graph (DumpApplier) know to rebuild. */
  generation = 0;

  constructor(readonly opts: StorageOptions) {
    this.mode = opts.mode;
    this.retainer = new FileRetainer(opts.log);
    this.start();
  }

  get snapshotDir(): string {
    return path.join(this.opts.dir, 'snapshots');
  }

  get walDir(): string {
    return path.join(this.opts.dir, 'wal');
  }

  get currentWal(): string | undefined {
    return this.wal.currentPath;
  }

  get periodicInProgress(): boolean {
    return this.periodic !== undefined;
  }

  /** Memgraph start: create the layout, recover, and begin with no lock (it is not persisted). */
  private start(): void {
    fs.mkdirSync(this.snapshotDir, { recursive: true });
    fs.mkdirSync(this.walDir, { recursive: true });
    fs.closeSync(fs.openSync(path.join(this.opts.dir, '.lock'), 'a'));
    const rec = recover(this.opts.codec, this.snapshotDir, this.walDir, this.opts.log);
    this.graph = trackedGraph(rec?.graph);
    this.uuid = rec?.uuid ?? randomUUID();
    this.epochId = rec?.epochId || randomUUID();
    this.lastCommitTs = rec?.lastTs ?? 0n;
    this.retainer.reset();
    this.writer = undefined;
    this.periodic = undefined;
    this.lastSnapshotTs = undefined;
    this.generation += 1;
    this.openWal(rec?.nextWalSeq ?? 0n);
  }

  private openWal(nextSeq: bigint): void {
    this.wal = new WalWriter(
      { dir: this.walDir, codec: this.opts.codec, retainer: this.retainer, prefixes: this.opts.prefixes,
        fileSizeBytes: this.opts.walFileSizeBytes },
      { uuid: this.uuid, epochId: this.epochId },
      nextSeq,
    );
  }

  /** InMemoryStorage::Clear (storage.cpp:5234-5318), as RECOVER SNAPSHOT ... FORCE runs it: no data, commit
   *  clock and WAL sequence back to 0, the open WAL closed as it is (wal_file_.reset(): a `_current` that
   *  holds commits stays), a fresh epoch. The storage UUID is kept. */
  clear(): void {
    this.dropWriter();
    this.wal.abandon();
    this.graph = trackedGraph(undefined);
    this.lastCommitTs = 0n;
    this.lastSnapshotTs = undefined;
    this.epochId = randomUUID();
    this.generation += 1;
    this.openWal(0n);
  }

  /** The in-memory half of RECOVER SNAPSHOT (storage.cpp:4551-4614): the snapshot's graph and epoch, the
   *  durable ts as last commit, the open WAL closed unfinalized; WAL numbering carries on. */
  installRecovered(graph: Graph, epochId: string, durableTs: bigint): void {
    this.dropWriter();
    // wal_seq_num_ counts files created, so a closed `_current` keeps its number.
    const seq = this.wal.nextSeq + (this.wal.currentPath === undefined ? 0n : 1n);
    this.wal.abandon();
    this.graph = trackedGraph(graph);
    this.epochId = epochId;
    if (durableTs > this.lastCommitTs) this.lastCommitTs = durableTs;
    this.generation += 1;
    this.openWal(seq);
  }

  /** RECOVER holds the engine lock exclusively: no other transaction survives it. */
  private dropWriter(): void {
    if (this.writer) this.writer.log.rollback();
    this.writer = undefined;
  }

  /** Shutdown then start. A clean stop finalizes the WAL (storage.cpp:564-567); a crash leaves `_current`
   *  and any half-written periodic snapshot as they are. */
  restart(clean: boolean): void {
    if (this.writer) this.writer.log.rollback();
    if (clean) this.wal.finalize();
    else this.wal.abandon();
    this.start();
  }

  /** Commits a transaction: one WAL transaction when anything changed and the mode writes WAL. */
  commit(log: TxLog): void {
    log.detach();
    // An empty log is exactly a transaction with no ops; the ops (copies of everything touched) are
    // only built when a WAL will hold them.
    if (log.empty) return;
    this.lastCommitTs += 1n;
    // Analytical writes bypass the WAL (interpreter.cpp:6615); on-disk mode keeps its own RocksDB WAL.
    if (this.opts.walEnabled && this.mode === 'IN_MEMORY_TRANSACTIONAL') {
      const ops = log.ops();
      const enums = this.graph.schema.flatMap((s) => (s.kind === 'enum' ? [{ name: s.name, values: [...s.values] }] : []));
      this.wal.append({ commitTs: this.lastCommitTs, ops, enums });
    }
  }

  /** The committed state: an open transaction's changes are not in a snapshot (snapshot isolation). */
  private committedGraph(): Graph {
    if (!this.writer || this.writer.log.empty) return this.graph;
    return this.writer.log.committedView();
  }

  /** CreateSnapshot (storage.cpp:4376-4468): written complete under its final name, then retention. */
  createSnapshot(): string {
    if (this.periodic) throw new SnapshotInProgressError('Another snapshot creation is already in progress');
    const { file, bytes } = this.encodeSnapshot();
    fs.writeFileSync(file, bytes);
    this.afterSnapshot(file);
    return file;
  }

  /** A periodic snapshot that has started: its file exists under the final name with only part of its
   *  bytes, as Memgraph's does while being written (snapshot.cpp:15110-15118). */
  beginPeriodicSnapshot(): string {
    if (this.periodic) throw new SnapshotInProgressError('Another snapshot creation is already in progress');
    const { file, bytes } = this.encodeSnapshot();
    fs.writeFileSync(file, bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))));
    this.periodic = { file, bytes };
    return file;
  }

  endPeriodicSnapshot(): string | undefined {
    const p = this.periodic;
    if (!p) return undefined;
    this.periodic = undefined;
    fs.writeFileSync(p.file, p.bytes);
    this.afterSnapshot(p.file);
    return p.file;
  }

  /** Leaving analytical mode writes a snapshot; entering it finalizes the WAL (research §1.8, §3.1). */
  setMode(mode: StorageMode): void {
    const before = this.mode;
    if (before === mode) return;
    if (mode === 'IN_MEMORY_ANALYTICAL') this.wal.finalize();
    this.mode = mode;
    if (before === 'IN_MEMORY_ANALYTICAL' && mode === 'IN_MEMORY_TRANSACTIONAL') this.createSnapshot();
  }

  private encodeSnapshot(): { file: string; bytes: Uint8Array } {
    const graph = this.committedGraph();
    // Absolute, as storage_dir is weakly_canonical(absolute(...)) (config.hpp:180).
    const file = path.resolve(this.snapshotDir, snapshotName(this.opts.prefixes.next(), this.lastCommitTs));
    const bytes = this.opts.codec.encodeSnapshot(graph, {
      uuid: this.uuid, epochId: this.epochId, startTs: this.lastCommitTs + 1n, durableTs: this.lastCommitTs,
      vertexCount: BigInt(graph.vertices.size), edgeCount: BigInt(graph.edges.size),
    });
    return { file, bytes };
  }

  private afterSnapshot(file: string): void {
    this.lastSnapshotTs = this.lastCommitTs;
    applyRetention({
      codec: this.opts.codec, retainer: this.retainer, snapshotDir: this.snapshotDir, walDir: this.walDir,
      uuid: this.uuid, currentSnapshot: file, retention: this.opts.retention, lastDurableTs: this.lastCommitTs,
      log: this.opts.log,
    });
  }
}
