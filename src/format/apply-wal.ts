// Applies decoded WAL operations to a Graph the way Memgraph's recovery does: names get internal ids
// in first-seen order (properties are kept in that order, which DUMP prints), schema deltas create
// and drop items by identity, and only committed transactions newer than the cut-off are applied.
import { MgBackupError, q } from '../errors/errors.js';
import type { DescriptionTarget, Graph, SchemaItem } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { ttlItem } from './snapshot-schema.js';
import type { WalOp, WalTransaction } from './wal-types.js';

function keyJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v));
}

/** Identity of a schema item: two items with one key cannot coexist; a drop removes the item with its key. */
export function schemaKey(item: SchemaItem): string {
  switch (item.kind) {
    case 'enum': case 'textIndex': case 'textEdgeIndex': return `${item.kind}:${item.name}`;
    case 'vectorIndex': case 'vectorEdgeIndex': return `vector:${item.name}`;
    case 'labelIndex': return keyJson([item.kind, item.label]);
    case 'labelPropertyIndex': return keyJson([item.kind, item.label, item.properties, item.descending === true]);
    case 'pointIndex': case 'existenceConstraint': return keyJson([item.kind, item.label, item.property]);
    case 'typeConstraint': return keyJson([item.kind, item.label, item.property, item.type]);
    case 'uniqueConstraint': return keyJson([item.kind, item.label, [...item.properties].sort()]);
    case 'globalIndex': case 'globalEdgeIndex': return keyJson([item.kind, item.property]);
    case 'edgeTypeIndex': return keyJson([item.kind, item.edgeType]);
    case 'edgeTypePropertyIndex': return keyJson([item.kind, item.edgeType, item.property]);
    case 'ttl': return 'ttl';
    case 'description': return `description:${keyJson(item.target)}`;
    case 'trigger': return `trigger:${item.statement}`;
  }
}

function itemNames(item: SchemaItem): string[] {
  const out: string[] = [];
  const add = (...xs: (string | undefined)[]): void => { for (const x of xs) if (x !== undefined) out.push(x); };
  switch (item.kind) {
    case 'labelIndex': add(item.label); break;
    case 'labelPropertyIndex': add(item.label, ...item.properties.flat()); break;
    case 'textIndex': add(item.label, ...item.properties); break;
    case 'textEdgeIndex': add(item.edgeType, ...item.properties); break;
    case 'pointIndex': case 'existenceConstraint': case 'typeConstraint': add(item.label, item.property); break;
    case 'uniqueConstraint': add(item.label, ...item.properties); break;
    case 'vectorIndex': add(...item.labels, item.property); break;
    case 'vectorEdgeIndex': add(...item.edgeTypes, item.property); break;
    case 'globalIndex': case 'globalEdgeIndex': add(item.property); break;
    case 'edgeTypeIndex': add(item.edgeType); break;
    case 'edgeTypePropertyIndex': add(item.edgeType, item.property); break;
    default: break;
  }
  return out;
}

export class GraphReplayer {
  private readonly rank = new Map<string, number>();
  private readonly schema = new Map<string, SchemaItem>();
  private ttlEnabled = false;
  private ttlConfig: { period?: string; startTime?: string } = {};

  /** names: the snapshot's mapper order, which fixes the internal ids of names already known. */
  constructor(readonly graph: Graph, names: readonly string[] = []) {
    for (const n of names) this.id(n);
    for (const item of graph.schema) {
      this.schema.set(schemaKey(item), item);
      if (item.kind === 'ttl') {
        this.ttlEnabled = true;
        if (item.period !== undefined) this.ttlConfig.period = item.period;
        if (item.startTime !== undefined) this.ttlConfig.startTime = item.startTime;
      }
    }
  }

  private id(name: string): number {
    let r = this.rank.get(name);
    if (r === undefined) {
      r = this.rank.size;
      this.rank.set(name, r);
    }
    return r;
  }

  private setProp(props: PropertyMap, key: string, value: Value): void {
    const r = this.id(key);
    if (value === null) {
      props.delete(key);
      return;
    }
    if (props.has(key)) {
      props.set(key, value);
      return;
    }
    let last = -1;
    for (const k of props.keys()) last = this.rank.get(k) ?? 0;
    props.set(key, value);
    if (r < last) {
      const sorted = [...props].sort((a, b) => this.rank.get(a[0])! - this.rank.get(b[0])!);
      props.clear();
      for (const [k, v] of sorted) props.set(k, v);
    }
  }

  private fail(what: string, tx: WalTransaction): never {
    throw new MgBackupError('integrity', `cannot replay wal transaction ${q(tx.timestamp)}: ${what}`, {
      hints: ['the wal files do not continue the snapshot they were combined with (wrong or missing file in the chain)'],
      details: { timestamp: String(tx.timestamp), offset: tx.offset },
    });
  }

  private putSchema(item: SchemaItem): void {
    this.schema.set(schemaKey(item), item);
  }

  apply(tx: WalTransaction): void {
    for (const op of tx.ops) this.applyOp(op, tx);
  }

  private applyOp(op: WalOp, tx: WalTransaction): void {
    const g = this.graph;
    switch (op.op) {
      case 'vertexCreate':
        if (g.vertices.has(op.gid)) this.fail(`vertex ${op.gid} already exists`, tx);
        g.vertices.set(op.gid, { gid: op.gid, labels: [], props: new Map() });
        return;
      case 'vertexDelete':
        if (!g.vertices.delete(op.gid)) this.fail(`vertex ${op.gid} does not exist`, tx);
        return;
      case 'vertexAddLabel': {
        const v = g.vertices.get(op.gid) ?? this.fail(`vertex ${op.gid} does not exist`, tx);
        this.id(op.label);
        if (!v.labels.includes(op.label)) v.labels.push(op.label);
        return;
      }
      case 'vertexRemoveLabel': {
        const v = g.vertices.get(op.gid) ?? this.fail(`vertex ${op.gid} does not exist`, tx);
        const i = v.labels.indexOf(op.label);
        // Memgraph removes a label by swapping it with the last one.
        if (i >= 0) {
          v.labels[i] = v.labels[v.labels.length - 1]!;
          v.labels.pop();
        }
        return;
      }
      case 'vertexSetProperty': {
        const v = g.vertices.get(op.gid) ?? this.fail(`vertex ${op.gid} does not exist`, tx);
        this.setProp(v.props, op.property, op.value);
        return;
      }
      case 'edgeCreate':
        if (g.edges.has(op.gid)) this.fail(`edge ${op.gid} already exists`, tx);
        if (!g.vertices.has(op.from) || !g.vertices.has(op.to)) this.fail(`edge ${op.gid} joins a missing vertex`, tx);
        this.id(op.edgeType);
        g.edges.set(op.gid, { gid: op.gid, from: op.from, to: op.to, type: op.edgeType, props: new Map() });
        return;
      case 'edgeDelete':
        if (!g.edges.delete(op.gid)) this.fail(`edge ${op.gid} does not exist`, tx);
        return;
      case 'edgeSetProperty': {
        const e = g.edges.get(op.gid) ?? this.fail(`edge ${op.gid} does not exist`, tx);
        this.setProp(e.props, op.property, op.value);
        return;
      }
      case 'schemaCreate': {
        for (const n of itemNames(op.item)) this.id(n);
        const item = op.item;
        if (item.kind === 'uniqueConstraint') item.properties.sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
        this.putSchema(item);
        return;
      }
      case 'schemaDrop':
        this.schema.delete(schemaKey(op.item));
        return;
      case 'textIndexDrop':
        this.schema.delete(`textIndex:${op.name}`);
        this.schema.delete(`textEdgeIndex:${op.name}`);
        return;
      case 'vectorIndexDrop':
        this.schema.delete(`vector:${op.name}`);
        return;
      case 'enumCreate':
        this.putSchema({ kind: 'enum', name: op.name, values: [...op.values] });
        return;
      case 'enumAddValue': case 'enumUpdateValue': {
        const e = this.schema.get(`enum:${op.name}`);
        if (e?.kind !== 'enum') this.fail(`enum ${q(op.name)} does not exist`, tx);
        if (op.op === 'enumAddValue') e.values.push(op.value);
        else e.values = e.values.map((v) => (v === op.oldValue ? op.newValue : v));
        return;
      }
      case 'statistics':
        return;
      case 'ttl': {
        // CONFIGURE may precede ENABLE in one transaction; the dump shows the merged config once enabled.
        if (op.action === 'disable') {
          this.schema.delete('ttl');
          this.ttlConfig = {};
          this.ttlEnabled = false;
          return;
        }
        const update = ttlItem(op.periodMicros, op.startMicros);
        if (update.kind === 'ttl') {
          if (update.period !== undefined) this.ttlConfig.period = update.period;
          if (update.startTime !== undefined) this.ttlConfig.startTime = update.startTime;
        }
        if (op.action === 'enable') this.ttlEnabled = true;
        if (this.ttlEnabled) this.putSchema({ kind: 'ttl', ...this.ttlConfig });
        return;
      }
      case 'descriptionSet':
        this.putSchema({ kind: 'description', target: op.target, text: op.text });
        return;
      case 'descriptionDelete':
        this.schema.delete(`description:${keyJson(op.target satisfies DescriptionTarget)}`);
        return;
    }
  }

  /** Writes the schema model back into graph.schema and returns the graph. */
  finish(): Graph {
    this.graph.schema = [...this.schema.values()];
    return this.graph;
  }
}
