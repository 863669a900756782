// The seam between the stand-in's durability logic (names, retention, recovery, locking) and the bytes
// inside the files. interim-codec.ts writes files that can never be mistaken for Memgraph's; now that
// the real encoder/decoder exist, the second implementation of this interface is the only file to add
// (and `codec` in EngineOptions picks it): memgraph-codec.ts writes real Memgraph v36 files.
import type { WalOp as MemgraphDelta } from '../../../src/format/wal-types.js';
import type { Graph, Edge, SchemaItem, Vertex } from '../../../src/graph/model.js';

/** What a snapshot header records (snapshot.cpp:700-736, metadata section). */
export interface SnapshotMeta {
  uuid: string;
  epochId: string;
  startTs: bigint;
  durableTs: bigint;
  vertexCount: bigint;
  edgeCount: bigint;
}

/** What a WAL header records (wal.cpp:948-1023): uuid, epoch and the file's sequence number. */
export interface WalMeta {
  uuid: string;
  epochId: string;
  seqNum: bigint;
}

/** One committed transaction, as the final state of everything it touched. A real WAL stores finer
 *  deltas, which need the state before the transaction: `before` carries it (null = did not exist
 *  before; absent = unknown, which the interim codec never needs). Decoding a real WAL cannot give final
 *  states without the graph, so it yields `delta` ops that recovery applies in order (applyOps). */
export type WalOp =
  | { op: 'upsertVertex'; vertex: Vertex; before?: Vertex | null }
  | { op: 'deleteVertex'; gid: bigint; before?: Vertex | null }
  | { op: 'upsertEdge'; edge: Edge; before?: Edge | null }
  | { op: 'deleteEdge'; gid: bigint; before?: Edge | null }
  | { op: 'schema'; schema: SchemaItem[]; before?: SchemaItem[] }
  | { op: 'delta'; delta: MemgraphDelta };

export interface WalTransaction {
  commitTs: bigint;
  ops: WalOp[];
  /** Enum definitions in force at commit, for codecs that store enum values by id (Memgraph's do). */
  enums?: { name: string; values: string[] }[];
}

export interface DecodedWal {
  meta: WalMeta;
  /** Complete transactions only: a torn tail yields the prefix (wal.cpp:1382-1396). */
  transactions: WalTransaction[];
}

export interface DurabilityCodec {
  /** Short label for log lines. */
  readonly name: string;
  /** Durability version the codec writes, when it writes Memgraph's format: the newest one the imitated
   *  server accepts (IsVersionSupported), checked by RECOVER SNAPSHOT before loading. */
  readonly durabilityVersion?: number;
  encodeSnapshot(graph: Graph, meta: SnapshotMeta): Uint8Array;
  /** Throws on anything that is not a complete snapshot this codec wrote (a foreign or partial file). */
  decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta;
  decodeSnapshot(bytes: Uint8Array): { meta: SnapshotMeta; graph: Graph };
  /** A WAL is written as a header followed by appended transactions. */
  encodeWalHeader(meta: WalMeta): Uint8Array;
  encodeWalTransaction(tx: WalTransaction): Uint8Array;
  /** Throws when the header is not this codec's. */
  decodeWal(bytes: Uint8Array): DecodedWal;
}
