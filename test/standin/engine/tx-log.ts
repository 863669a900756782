// Transactions as an undo log: the first time a transaction touches a vertex, edge or the schema, its
// pre-image is kept. ROLLBACK restores those pre-images; COMMIT turns the touched set into one WAL
// transaction. Cost is proportional to what the transaction touched, never to the graph size, so large
// loads stay fast.
import type { Edge, Graph, SchemaItem, Vertex } from '../../../src/graph/model.js';
import type { WalOp } from './codec.js';
import { applyMemgraphDelta } from './memgraph-codec.js';

const copyVertex = (v: Vertex): Vertex => ({ gid: v.gid, labels: [...v.labels], props: new Map(v.props) });
const copyEdge = (e: Edge): Edge => ({ gid: e.gid, from: e.from, to: e.to, type: e.type, props: new Map(e.props) });

/** A Map that reports every key it is about to change, so statements applied by code we do not own
 *  (DumpApplier) are still recorded. */
export class TrackingMap<V> extends Map<bigint, V> {
  onTouch: ((key: bigint) => void) | undefined;

  override set(key: bigint, value: V): this {
    this.onTouch?.(key);
    return super.set(key, value);
  }

  override delete(key: bigint): boolean {
    if (this.has(key)) this.onTouch?.(key);
    return super.delete(key);
  }

  override clear(): void {
    if (this.onTouch) for (const k of this.keys()) this.onTouch(k);
    super.clear();
  }
}

export interface TrackedGraph extends Graph {
  vertices: TrackingMap<Vertex>;
  edges: TrackingMap<Edge>;
}

export function trackedGraph(from?: Graph): TrackedGraph {
  const g: TrackedGraph = { vertices: new TrackingMap(), edges: new TrackingMap(), schema: [] };
  if (from) {
    for (const [k, v] of from.vertices) g.vertices.set(k, v);
    for (const [k, e] of from.edges) g.edges.set(k, e);
    g.schema = [...from.schema];
  }
  return g;
}

export class TxLog {
  private readonly vertexPre = new Map<bigint, Vertex | undefined>();
  private readonly edgePre = new Map<bigint, Edge | undefined>();
  private schemaPre: SchemaItem[] | undefined;

  constructor(private readonly graph: TrackedGraph) {}

  /** Route the graph's change notifications to this log; only one transaction writes at a time. */
  attach(): void {
    this.graph.vertices.onTouch = (gid) => this.touchVertex(gid);
    this.graph.edges.onTouch = (gid) => this.touchEdge(gid);
  }

  detach(): void {
    this.graph.vertices.onTouch = undefined;
    this.graph.edges.onTouch = undefined;
  }

  get empty(): boolean {
    return this.vertexPre.size === 0 && this.edgePre.size === 0 && this.schemaPre === undefined;
  }

  /** Call before mutating a vertex object in place (a Map cannot see that). */
  touchVertex(gid: bigint): void {
    if (this.vertexPre.has(gid)) return;
    const v = this.graph.vertices.get(gid);
    this.vertexPre.set(gid, v && copyVertex(v));
  }

  touchEdge(gid: bigint): void {
    if (this.edgePre.has(gid)) return;
    const e = this.graph.edges.get(gid);
    this.edgePre.set(gid, e && copyEdge(e));
  }

  touchSchema(): void {
    if (this.schemaPre === undefined) this.schemaPre = [...this.graph.schema];
  }

  /** The graph as it was before this transaction, as a copy (O(graph)); used for snapshots taken while
   *  a transaction is open. */
  committedView(): Graph {
    const vertices = new Map(this.graph.vertices);
    const edges = new Map(this.graph.edges);
    for (const [gid, pre] of this.vertexPre) {
      if (pre) vertices.set(gid, pre);
      else vertices.delete(gid);
    }
    for (const [gid, pre] of this.edgePre) {
      if (pre) edges.set(gid, pre);
      else edges.delete(gid);
    }
    return { vertices, edges, schema: this.schemaPre ?? this.graph.schema };
  }

  rollback(): void {
    this.detach();
    for (const [gid, pre] of this.edgePre) {
      if (pre) this.graph.edges.set(gid, pre);
      else this.graph.edges.delete(gid);
    }
    for (const [gid, pre] of this.vertexPre) {
      if (pre) this.graph.vertices.set(gid, pre);
      else this.graph.vertices.delete(gid);
    }
    if (this.schemaPre) this.graph.schema = this.schemaPre;
  }

  /** The committed changes as final states, vertices before edges so replay never sees a dangling edge;
   *  edge deletions come first so vertex deletions never leave one behind. Each op carries its pre-image
   *  (`before`, null when new) so a codec can write finer deltas. */
  ops(): WalOp[] {
    const ops: WalOp[] = [];
    for (const [gid, pre] of this.edgePre) {
      if (!this.graph.edges.has(gid)) ops.push({ op: 'deleteEdge', gid, before: pre ?? null });
    }
    for (const [gid, pre] of this.vertexPre) {
      const v = this.graph.vertices.get(gid);
      ops.push(v ? { op: 'upsertVertex', vertex: copyVertex(v), before: pre ?? null } : { op: 'deleteVertex', gid, before: pre ?? null });
    }
    for (const [gid, pre] of this.edgePre) {
      const e = this.graph.edges.get(gid);
      if (e) ops.push({ op: 'upsertEdge', edge: copyEdge(e), before: pre ?? null });
    }
    if (this.schemaPre) ops.push({ op: 'schema', schema: [...this.graph.schema], before: this.schemaPre });
    return ops;
  }
}

/** Replays committed ops onto a graph (recovery). */
export function applyOps(graph: Graph, ops: WalOp[]): void {
  for (const op of ops) {
    switch (op.op) {
      case 'upsertVertex': graph.vertices.set(op.vertex.gid, copyVertex(op.vertex)); break;
      case 'deleteVertex': graph.vertices.delete(op.gid); break;
      case 'upsertEdge': graph.edges.set(op.edge.gid, copyEdge(op.edge)); break;
      case 'deleteEdge': graph.edges.delete(op.gid); break;
      case 'schema': graph.schema = [...op.schema]; break;
      case 'delta': applyMemgraphDelta(graph, op.delta); break;
    }
  }
}
