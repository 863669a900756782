// Executes parsed DUMP statements against an in-memory Graph the way Memgraph would: the core of the
// test stand-in's executor and of round-trip tests. What it mimics:
// - new vertices get gids max+1, max+2, ... in creation order (0, 1, 2 ... on an empty graph); edges likewise;
// - __mg_vertex__ / __mg_id__ are a real label and property until the cleanup statement removes them;
// - names get internal ids in first-seen order (one mapper for labels, properties and edge types, as
//   Memgraph's NameIdMapper); properties are kept in id order (PropertyStore is sorted by id), labels
//   in insertion order, and removing a label moves the last label into its slot (vertex_accessor.cpp
//   RemoveLabel swaps with back()), so after cleanup `:__mg_vertex__:A:B` leaves [B, A]. DUMP prints
//   both in exactly this stored order;
// - a property set to Null is not stored;
// - re-creating an existing index or existence/unique constraint is a no-op (Memgraph only notifies);
//   a duplicate type constraint, enum or trigger is an error, as in Memgraph's interpreter.
import type { Graph, SchemaItem } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { MgBackupError, q } from '../errors/errors.js';
import type { DumpStatement } from './dump-statement.js';
import { INTERNAL_LABEL, INTERNAL_PROPERTY, renderStatement } from './render-dump.js';
import { renderValue } from './render-value.js';

/** Equality key for __mg_id__ values: 1 and 1.0 match, as Cypher `=` does. */
function idKey(v: Value): string {
  if (typeof v === 'bigint') return 'i' + v;
  if (typeof v === 'number' && Number.isInteger(v)) return 'i' + BigInt(v);
  return 'v' + renderValue(v, { exact: true });
}

function serverError(message: string): MgBackupError {
  return new MgBackupError('server', message, { hints: ['the dump does not apply cleanly to this database'] });
}

export class DumpApplier {
  private readonly ids = new Map<string, number>();
  private nextVertexGid = 0n;
  private nextEdgeGid = 0n;
  /** __mg_id__ key -> gids of vertices carrying __mg_vertex__ with that __mg_id__. */
  private readonly byInternalId = new Map<string, bigint[]>();

  constructor(readonly graph: Graph) {
    for (const v of graph.vertices.values()) {
      if (v.gid >= this.nextVertexGid) this.nextVertexGid = v.gid + 1n;
      v.labels.forEach((l) => this.idOf(l));
      for (const k of v.props.keys()) this.idOf(k);
      this.index(v.gid, v.labels, v.props);
    }
    for (const e of graph.edges.values()) {
      if (e.gid >= this.nextEdgeGid) this.nextEdgeGid = e.gid + 1n;
      this.idOf(e.type);
      for (const k of e.props.keys()) this.idOf(k);
    }
  }

  /** The internal id Memgraph would give the name (assigned on first sight). */
  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
    }
    return id;
  }

  apply(stmt: DumpStatement): void {
    switch (stmt.kind) {
      case 'vertex': return this.createVertex(stmt.labels, stmt.props);
      case 'edge': return this.createEdges(stmt.from, stmt.to, stmt.type, stmt.props);
      case 'helperIndex': return this.addSchema({ kind: 'labelPropertyIndex', label: INTERNAL_LABEL, properties: [[INTERNAL_PROPERTY]] });
      case 'dropHelperIndex': return this.dropHelperIndex();
      case 'cleanup': return this.cleanup();
      case 'schema': return this.addSchema(stmt.item);
    }
  }

  private byId<T>(names: Iterable<T>, nameOf: (t: T) => string): T[] {
    const list = [...names];
    list.forEach((t) => this.idOf(nameOf(t)));
    return list.sort((a, b) => this.idOf(nameOf(a)) - this.idOf(nameOf(b)));
  }

  private storedProps(props: PropertyMap): PropertyMap {
    const entries = this.byId(props, ([k]) => k).filter(([, v]) => v !== null);
    return new Map(entries);
  }

  private index(gid: bigint, labels: string[], props: PropertyMap): void {
    const id = props.get(INTERNAL_PROPERTY);
    if (!labels.includes(INTERNAL_LABEL) || id === undefined || id === null) return;
    const key = idKey(id);
    const list = this.byInternalId.get(key);
    if (list) list.push(gid);
    else this.byInternalId.set(key, [gid]);
  }

  private createVertex(labels: string[], props: PropertyMap): void {
    const gid = this.nextVertexGid++;
    const uniqueLabels = [...new Set(labels)];
    uniqueLabels.forEach((l) => this.idOf(l));
    const stored = this.storedProps(props);
    this.graph.vertices.set(gid, { gid, labels: uniqueLabels, props: stored });
    this.index(gid, uniqueLabels, stored);
  }

  private createEdges(from: Value, to: Value, type: string, props: PropertyMap): void {
    const sources = this.byInternalId.get(idKey(from)) ?? [];
    const targets = this.byInternalId.get(idKey(to)) ?? [];
    // Memgraph's MATCH would just create nothing; a restore wants to hear about it.
    if (sources.length === 0 || targets.length === 0) {
      const missing = sources.length === 0 ? from : to;
      throw serverError(`no vertex with label ${INTERNAL_LABEL} and ${INTERNAL_PROPERTY} = ${renderValue(missing)} to create the edge ${q(type)}`);
    }
    this.idOf(type);
    const stored = this.storedProps(props);
    for (const u of sources) {
      for (const v of targets) {
        const gid = this.nextEdgeGid++;
        this.graph.edges.set(gid, { gid, from: u, to: v, type, props: new Map(stored) });
      }
    }
  }

  private dropHelperIndex(): void {
    const at = this.graph.schema.findIndex((s) => s.kind === 'labelPropertyIndex' && s.label === INTERNAL_LABEL && s.properties.length === 1 && s.properties[0]?.join('.') === INTERNAL_PROPERTY);
    if (at < 0) throw serverError(`index on label ${INTERNAL_LABEL} on properties ${INTERNAL_PROPERTY} doesn't exist`);
    this.graph.schema.splice(at, 1);
  }

  private cleanup(): void {
    for (const v of this.graph.vertices.values()) {
      const at = v.labels.indexOf(INTERNAL_LABEL);
      if (at >= 0) {
        const last = v.labels.pop() as string;
        if (at < v.labels.length) v.labels[at] = last;
      }
      v.props.delete(INTERNAL_PROPERTY);
    }
    this.byInternalId.clear();
  }

  private addSchema(item: SchemaItem): void {
    const schema = this.graph.schema;
    const text = identity(item);
    const same = schema.findIndex((s) => identity(s) === text);
    switch (item.kind) {
      case 'ttl': {
        const at = schema.findIndex((s) => s.kind === 'ttl');
        if (at >= 0) schema[at] = item;
        else schema.push(item);
        return;
      }
      case 'description': {
        const key = JSON.stringify(item.target, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
        const at = schema.findIndex((s) => s.kind === 'description' && JSON.stringify(s.target, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) === key);
        if (at >= 0) schema[at] = item;
        else schema.push(item);
        return;
      }
      case 'enum':
        if (schema.some((s) => s.kind === 'enum' && s.name === item.name)) throw serverError('Enum already exists.');
        if (new Set(item.values).size !== item.values.length) throw serverError('Enum value has duplicate.');
        break;
      case 'typeConstraint':
        if (schema.some((s) => s.kind === 'typeConstraint' && s.label === item.label && s.property === item.property)) {
          throw serverError(`Constraint IS TYPED ${renderStatement(item).split(' IS TYPED ')[1]?.replace(/;$/, '')} on :${item.label}(${item.property}) already exists`);
        }
        break;
      case 'trigger': {
        const name = triggerName(item.statement);
        if (schema.some((s) => s.kind === 'trigger' && triggerName(s.statement) === name)) {
          throw serverError('Trigger with the same name already exists.');
        }
        break;
      }
      case 'vectorIndex':
      case 'vectorEdgeIndex':
      case 'textIndex':
      case 'textEdgeIndex':
        if (same < 0 && schema.some((s) => s.kind === item.kind && s.name === item.name)) {
          throw serverError(`index with name ${item.name} already exists`);
        }
        break;
      default:
        break;
    }
    if (same < 0) schema.push(item);
  }
}

/** Two schema items are the same index/constraint when they render alike (unique sets compared sorted). */
function identity(item: SchemaItem): string {
  if (item.kind === 'uniqueConstraint') return renderStatement({ ...item, properties: [...item.properties].sort() });
  return renderStatement(item);
}

function triggerName(statement: string): string {
  return /^\s*CREATE\s+TRIGGER\s+(`(?:[^`]|``)*`|\S+)/i.exec(statement)?.[1] ?? statement;
}
