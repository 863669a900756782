// Snapshot + WAL chain -> Graph, by Memgraph's recovery rules (research doc §5.5–5.6): which files form
// the chain (uuid, numbering, sequence gaps, prefix) is recovery-chain.ts's one rule, and only
// committed transactions newer than the last applied timestamp are replayed.
//
// With `workingSet`, the snapshot is not loaded whole: a first pass over the chain collects the gids
// its transactions touch, the snapshot is checked in one streaming pass keeping only those records,
// and the chain is replayed onto that partial graph. Memory then follows the WAL, not the graph;
// `counts` says what full recovery would hold.
import { CorruptFileError, MgBackupError } from '../errors/errors.js';
import { emptyGraph, type Graph } from '../graph/model.js';
import { asSource, type ByteSource } from './byte-source.js';
import { GraphReplayer } from './apply-wal.js';
import { EnumRegistry, type EnumDef } from './enums.js';
import { Reader } from './reader.js';
import { decodeSnapshot } from './snapshot.js';
import { decodeSnapshotInfo, type SnapshotInfo } from './snapshot-header.js';
import { scanSnapshot, type ScanKeep } from './snapshot-scan.js';
import { chainFor, chainUuid, memgraphSays, walSpan, type ChainProblem, type ChainWal } from './recovery-chain.js';
import { named, readWalInfo, walTransactions } from './wal.js';
import type { WalInfo } from './wal-types.js';

export interface ReplayResult {
  /** With `workingSet`: only the records the WAL touched (plus the schema). */
  graph: Graph;
  /** Vertices and edges full recovery yields. */
  counts: { vertices: number; edges: number };
  snapshot: SnapshotInfo | undefined;
  /** WAL files used, in replay order, with the number of transactions applied from each. */
  wals: { index: number; info: WalInfo; applied: number; skipped: number }[];
  /** Indexes (into the input list) of WAL files ignored because their storage uuid differs. */
  ignored: number[];
  /** Timestamp of the last applied transaction (or the snapshot's durable timestamp). */
  lastTimestamp: bigint | undefined;
}

export interface ReplayOptions {
  /** Keep only what the WAL files touch in memory (verify --deep); graph is then partial. */
  workingSet?: boolean;
  /** The WAL files' names, in input order: errors name the file, and a finalized name means finalized. */
  walNames?: readonly (string | undefined)[];
}

/**
 * A file followed by a higher sequence number in the chain was finalized before the next one started,
 * so it cannot have a torn tail. Where two files share a number (a `_current` copy taken during a LOCK
 * and the file it became), each is judged by its own name and summary: the copy may be torn.
 */
function followed(chain: readonly { info: WalInfo }[], i: number): boolean {
  const seq = chain[i]!.info.sequenceNumber;
  if (chain.some((n, j) => j !== i && n.info.sequenceNumber === seq)) return false;
  return chain.slice(i + 1).some((n) => n.info.sequenceNumber > seq);
}

/** Commit timestamp of a WAL's first complete transaction (undefined: it holds none). */
function firstCommit(r: Reader, info: WalInfo, name: string | undefined): bigint | undefined {
  const it = walTransactions(new Reader(r.source), info, { lenientEnums: true, ...(name === undefined ? {} : { name }) });
  const n = it.next();
  return n.done ? undefined : n.value.timestamp;
}

/** Every vertex and edge gid a chain's transactions name (a superset of what replay changes). */
function touchedBy(chain: readonly { r: Reader; info: WalInfo; name?: string | undefined }[]): ScanKeep {
  const vertices = new Set<bigint>();
  const edges = new Set<bigint>();
  for (const [i, w] of chain.entries()) {
    // Enum values do not matter here; the real replay resolves them strictly. Damage is judged as in the
    // replay below (same finalized rule, the file named).
    const it = walTransactions(new Reader(w.r.source), w.info, {
      lenientEnums: true, finalized: followed(chain, i), ...(w.name === undefined ? {} : { name: w.name }),
    });
    for (let n = it.next(); !n.done; n = it.next()) {
      for (const op of n.value.ops) {
        switch (op.op) {
          case 'vertexCreate': case 'vertexDelete': case 'vertexAddLabel': case 'vertexRemoveLabel': case 'vertexSetProperty':
            vertices.add(op.gid);
            break;
          case 'edgeCreate':
            vertices.add(op.from);
            vertices.add(op.to);
            edges.add(op.gid);
            break;
          case 'edgeDelete': case 'edgeSetProperty':
            edges.add(op.gid);
            break;
          default:
            break;
        }
      }
    }
  }
  return { vertices, edges };
}

/** Hints for a chain replay refuses: the remedy is a file to add, not a restore flag. */
function replayHints(p: ChainProblem<ChainWal>): string[] {
  switch (p.kind) {
    case 'noPrefix': return [`Memgraph's recovery stops with "${memgraphSays(p)}"`, 'add the snapshot these wal files continue, or the earlier wal files'];
    case 'startsAfterSnapshot': return [`Memgraph's recovery stops with "${memgraphSays(p)}"`, 'the wal files between the snapshot and this one are missing: add them'];
    case 'gap': return [`Memgraph's recovery stops with "${memgraphSays(p)}"`,
      `the wal file with sequence number ${p.missing[0]} is missing: add it, or restore only up to sequence ${p.after.seqNum}`];
  }
}

export function replay(snapshotInput: ByteSource | Uint8Array | undefined, walInputs: readonly (ByteSource | Uint8Array)[], opts: ReplayOptions = {}): ReplayResult {
  // The chain is chosen from the snapshot's header alone; the records are read once it is known.
  const snap: { info: SnapshotInfo } | undefined = snapshotInput === undefined ? undefined : { info: decodeSnapshotInfo(snapshotInput) };
  const opened = walInputs.map((input, index) => {
    const r = new Reader(asSource(input));
    const name = opts.walNames?.[index];
    const info = named(name, () => readWalInfo(r));
    return { index, r, name, info };
  });
  const entries = opened.map((w) => {
    // Messages name the file as the operator gave it; unnamed inputs by position.
    const label = w.name ?? `wal #${w.index + 1}`;
    let first: bigint | undefined | null = null;
    return {
      w, name: label, uuid: w.info.uuid, seqNum: w.info.sequenceNumber,
      // One transaction tells whether the file holds any (Memgraph drops it otherwise) and where it
      // starts; the whole file is read only when two numberings make the rule ask for its end.
      firstTs: () => (first !== null ? first : (first = firstCommit(w.r, w.info, w.name))),
      span: () => walSpan(label, () => w.r.source),
    };
  });
  // The one chain rule (recovery-chain.ts): uuid, numbering, sequence order, gaps, prefix.
  const chainSnap = snap === undefined ? undefined : { uuid: snap.info.uuid, durableTs: snap.info.durableTimestamp };
  const chain = chainFor(chainSnap, entries, { hints: replayHints }).chain.map((e) => e.w);
  const uuid = chainUuid(chainSnap, entries);
  const ignored = opened.filter((w) => w.info.uuid !== uuid).map((w) => w.index);

  let loaded: { graph: Graph; names: string[]; enums: readonly EnumDef[]; counts?: ReplayResult['counts'] } | undefined;
  if (snapshotInput !== undefined && opts.workingSet === true) {
    const scan = scanSnapshot(snapshotInput, touchedBy(chain));
    loaded = { graph: { vertices: scan.vertices, edges: scan.edges, schema: scan.schema }, names: scan.names, enums: scan.enums, counts: scan.counts };
  } else if (snapshotInput !== undefined) {
    const decoded = decodeSnapshot(snapshotInput);
    loaded = { graph: decoded.graph, names: decoded.names, enums: decoded.enums };
  }
  const before = { vertices: loaded?.graph.vertices.size ?? 0, edges: loaded?.graph.edges.size ?? 0 };
  const graph = loaded?.graph ?? emptyGraph();
  const replayer = new GraphReplayer(graph, loaded?.names ?? []);
  const enums = new EnumRegistry(loaded?.enums ?? []);
  let last: bigint | undefined = snap?.info.durableTimestamp;
  const used: ReplayResult['wals'] = [];
  chain.forEach((w, i) => {
    const it = walTransactions(w.r, w.info, {
      enums, after: last ?? -1n, finalized: followed(chain, i), ...(w.name === undefined ? {} : { name: w.name }),
    });
    let applied = 0;
    let skipped = 0;
    for (let n = it.next(); !n.done; n = it.next()) {
      const tx = n.value;
      if ((last !== undefined && tx.timestamp <= last) || !tx.commit) {
        skipped++;
        continue;
      }
      try {
        replayer.apply(tx);
      } catch (e) {
        // A transaction that decodes but does not apply: name the file and where the transaction starts.
        if (!(e instanceof MgBackupError) || e.kind !== 'integrity' || e instanceof CorruptFileError) throw e;
        throw new CorruptFileError(e.message, tx.offset, { ...(w.name === undefined ? {} : { file: w.name }), hints: e.hints, cause: e });
      }
      last = tx.timestamp;
      applied++;
    }
    used.push({ index: w.index, info: w.info, applied, skipped });
  });
  const result = replayer.finish();
  // Records outside the working set are untouched by the WAL: they count as the snapshot holds them.
  const counts = loaded?.counts === undefined
    ? { vertices: result.vertices.size, edges: result.edges.size }
    : {
        vertices: loaded.counts.vertices - before.vertices + result.vertices.size,
        edges: loaded.counts.edges - before.edges + result.edges.size,
      };
  return { graph: result, counts, snapshot: snap?.info, wals: used, ignored, lastTimestamp: last };
}
