// Test support only. The stand-in's writes to one database's graph, with Memgraph's storage rules:
// - gids: a new vertex (edge) gets max+1 (0 on an empty graph);
// - names get ids on first sight (one NameIdMapper for labels, edge types and properties); a vertex's
//   properties are kept in property-id order (PropertyStore), labels in insertion order, and removing a
//   label moves the last one into its slot (VertexAccessor::RemoveLabel swaps with back());
// - a property set to Null is removed.
// Objects are replaced, never edited in place, so the transaction log's tracking maps see every change.
import type { Edge, Graph, SchemaItem, Vertex } from '../../../src/graph/model.js';
import type { PropertyMap, Value } from '../../../src/graph/value.js';
import { valueKey } from './values.js';

export interface SchemaTx {
  /** Called before the schema list changes (the transaction keeps its pre-image). */
  touchSchema(): void;
}

export class GraphState {
  private readonly ids = new Map<string, number>();
  private nextVertex = 0n;
  private nextEdge = 0n;
  /** property name -> value key -> gids of vertices that had that value when indexed (checked on use). */
  private readonly propIndex = new Map<string, Map<string, Set<bigint>>>();
  private outEdges: Map<bigint, Edge[]> | undefined;
  private inEdges: Map<bigint, Edge[]> | undefined;

  constructor(readonly graph: Graph) {
    for (const v of graph.vertices.values()) {
      if (v.gid >= this.nextVertex) this.nextVertex = v.gid + 1n;
      for (const l of v.labels) this.idOf(l);
      for (const k of v.props.keys()) this.idOf(k);
    }
    for (const e of graph.edges.values()) {
      if (e.gid >= this.nextEdge) this.nextEdge = e.gid + 1n;
      this.idOf(e.type);
      for (const k of e.props.keys()) this.idOf(k);
    }
  }

  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
    }
    return id;
  }

  private sorted(props: Iterable<[string, Value]>): PropertyMap {
    const entries = [...props].filter(([, v]) => v !== null);
    entries.forEach(([k]) => this.idOf(k));
    entries.sort((a, b) => this.idOf(a[0]) - this.idOf(b[0]));
    return new Map(entries);
  }

  createVertex(labels: string[], props: PropertyMap): Vertex {
    labels.forEach((l) => this.idOf(l));
    const v: Vertex = { gid: this.nextVertex++, labels: [...new Set(labels)], props: this.sorted(props) };
    this.graph.vertices.set(v.gid, v);
    for (const [k, value] of v.props) this.propIndex.get(k)?.get(valueKey(value))?.add(v.gid) ?? this.indexAdd(k, value, v.gid);
    return v;
  }

  private indexAdd(k: string, value: Value, gid: bigint): void {
    const byValue = this.propIndex.get(k);
    if (!byValue) return;
    byValue.set(valueKey(value), new Set([gid]));
  }

  createEdge(from: bigint, to: bigint, type: string, props: PropertyMap): Edge {
    this.idOf(type);
    const e: Edge = { gid: this.nextEdge++, from, to, type, props: this.sorted(props) };
    this.graph.edges.set(e.gid, e);
    this.outEdges?.get(from)?.push(e) ?? this.outEdges?.set(from, [e]);
    this.inEdges?.get(to)?.push(e) ?? this.inEdges?.set(to, [e]);
    return e;
  }

  setVertexProperty(gid: bigint, key: string, value: Value): void {
    const v = this.graph.vertices.get(gid);
    if (!v) return;
    const props = new Map(v.props);
    if (value === null) props.delete(key);
    else props.set(key, value);
    this.graph.vertices.set(gid, { ...v, props: this.sorted(props) });
    if (value !== null) this.propIndex.get(key)?.get(valueKey(value))?.add(gid) ?? this.indexAdd(key, value, gid);
  }

  setEdgeProperty(gid: bigint, key: string, value: Value): void {
    const e = this.graph.edges.get(gid);
    if (!e) return;
    const props = new Map(e.props);
    if (value === null) props.delete(key);
    else props.set(key, value);
    const next = { ...e, props: this.sorted(props) };
    this.graph.edges.set(gid, next);
    this.outEdges = undefined;
    this.inEdges = undefined;
  }

  addLabels(gid: bigint, labels: string[]): void {
    const v = this.graph.vertices.get(gid);
    if (!v) return;
    const add = labels.filter((l) => !v.labels.includes(l));
    if (add.length === 0) return;
    add.forEach((l) => this.idOf(l));
    this.graph.vertices.set(gid, { ...v, labels: [...v.labels, ...new Set(add)] });
  }

  removeLabels(gid: bigint, labels: string[]): void {
    const v = this.graph.vertices.get(gid);
    if (!v || !labels.some((l) => v.labels.includes(l))) return;
    const next = [...v.labels];
    for (const l of labels) {
      const i = next.indexOf(l);
      if (i < 0) continue;
      next[i] = next[next.length - 1]!;
      next.pop();
    }
    this.graph.vertices.set(gid, { ...v, labels: next });
  }

  deleteEdge(gid: bigint): void {
    this.graph.edges.delete(gid);
    this.outEdges = undefined;
    this.inEdges = undefined;
  }

  /** Returns false when the vertex still has edges and `detach` is off. */
  deleteVertex(gid: bigint, detach: boolean): boolean {
    const touching = [...(this.out(gid)), ...(this.in(gid))];
    if (touching.length > 0 && !detach) return false;
    for (const e of touching) this.graph.edges.delete(e.gid);
    this.graph.vertices.delete(gid);
    this.outEdges = undefined;
    this.inEdges = undefined;
    return true;
  }

  /** Vertices whose property `key` equals `value` (by Cypher equality of the stored value). */
  lookup(key: string, value: Value): Vertex[] {
    let byValue = this.propIndex.get(key);
    if (!byValue) {
      byValue = new Map();
      for (const v of this.graph.vertices.values()) {
        const x = v.props.get(key);
        if (x === undefined) continue;
        const k = valueKey(x);
        const set = byValue.get(k);
        if (set) set.add(v.gid);
        else byValue.set(k, new Set([v.gid]));
      }
      this.propIndex.set(key, byValue);
    }
    const want = valueKey(value);
    const out: Vertex[] = [];
    for (const gid of byValue.get(want) ?? []) {
      const v = this.graph.vertices.get(gid);
      const x = v?.props.get(key);
      if (v && x !== undefined && valueKey(x) === want) out.push(v);
    }
    return out;
  }

  out(gid: bigint): Edge[] {
    this.adjacency();
    return this.outEdges!.get(gid) ?? [];
  }

  in(gid: bigint): Edge[] {
    this.adjacency();
    return this.inEdges!.get(gid) ?? [];
  }

  private adjacency(): void {
    if (this.outEdges && this.inEdges) return;
    this.outEdges = new Map();
    this.inEdges = new Map();
    for (const e of this.graph.edges.values()) {
      this.outEdges.get(e.from)?.push(e) ?? this.outEdges.set(e.from, [e]);
      this.inEdges.get(e.to)?.push(e) ?? this.inEdges.set(e.to, [e]);
    }
  }

  /** Replaces the schema list (after tx.touchSchema()). */
  setSchema(tx: SchemaTx, schema: SchemaItem[]): void {
    tx.touchSchema();
    this.graph.schema = schema;
  }
}
