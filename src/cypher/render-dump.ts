// Graph -> the statements DUMP DATABASE prints, in Memgraph's current (HEAD) order (dump.cpp PullPlanDump):
// enums, vertices, helper index, edges, drop helper index, cleanup, vertex indices, constraints,
// edge indices, TTL, descriptions, triggers.
//
// Ordering rules, which make the output byte-identical to the server's:
// - vertices by gid ascending (the skip list order DUMP iterates);
// - edges grouped by source vertex in that same vertex order; within one vertex, in graph.edges
//   iteration order (producers insert edges in the vertex's out-edge order);
// - labels of a vertex and top-level properties of a vertex/edge in the order the model stores them;
//   this module never re-sorts them. Producers store properties in Memgraph's internal-id order (ids
//   handed out in first-seen order across the whole database; PropertyStore keeps them sorted by id)
//   and labels in the vertex's stored order (insertion order, where removing a label moves the last
//   one into its slot; see dump-applier.ts). That is exactly what DUMP prints;
// - nested map keys sorted by UTF-8 bytes (DUMP converts maps to a name-keyed flat_map);
// - schema items of one kind in the order graph.schema holds them.
import type { Edge, Graph, SchemaItem, TypeConstraintType, Vertex, VectorIndexConfig, DescriptionTarget } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { renderName, renderString, renderValue, type RenderValueOptions } from './render-value.js';
import { renderVector, vectorIndexed, vectorScalarFor, type VectorIndexed, type VectorScalar } from './render-vector.js';

export { f16round } from './render-vector.js';

export interface RenderDumpOptions extends RenderValueOptions {
  /** Print vertex properties held by a vector index as DUMP does: float32 (or f16) values with 6
   *  significant digits, which is lossy. Default true; false prints them like any other list. */
  vectorIndexPrecision?: boolean;
  /** Database name for `SET DESCRIPTION ON DATABASE` when the item has none. Default "memgraph". */
  databaseName?: string;
}

export const INTERNAL_LABEL = '__mg_vertex__';
export const INTERNAL_PROPERTY = '__mg_id__';
export const HELPER_INDEX_STATEMENT = `CREATE INDEX ON :${INTERNAL_LABEL}(${INTERNAL_PROPERTY});`;
export const DROP_HELPER_INDEX_STATEMENT = `DROP INDEX ON :${INTERNAL_LABEL}(${INTERNAL_PROPERTY});`;
export const CLEANUP_STATEMENT = `MATCH (u) REMOVE u:${INTERNAL_LABEL}, u.${INTERNAL_PROPERTY};`;

/** Block of each schema kind in the HEAD order; enums (0) come before the vertices, the rest after cleanup. */
const SCHEMA_ORDER: Record<SchemaItem['kind'], number> = {
  enum: 0,
  labelIndex: 1,
  labelPropertyIndex: 2,
  textIndex: 3,
  pointIndex: 4,
  vectorIndex: 5,
  vectorEdgeIndex: 6,
  globalIndex: 7,
  existenceConstraint: 8,
  uniqueConstraint: 9,
  typeConstraint: 10,
  edgeTypeIndex: 11,
  edgeTypePropertyIndex: 12,
  globalEdgeIndex: 13,
  textEdgeIndex: 14,
  ttl: 15,
  description: 16,
  trigger: 17,
};

export function schemaOrder(kind: SchemaItem['kind']): number {
  return SCHEMA_ORDER[kind];
}

/** What renderDumpFrom prints: the schema, and the records in the order DUMP prints them. */
export interface DumpSource {
  schema: SchemaItem[];
  /** Vertices by gid ascending. */
  vertices(): Iterable<Vertex>;
  /** Edges grouped by source vertex in the vertex order above. */
  edges(): Iterable<Edge>;
}

export function* renderDump(graph: Graph, opts: RenderDumpOptions = {}): Generator<string> {
  const vertices = [...graph.vertices.values()].sort((a, b) => (a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0));
  yield* renderDumpFrom({
    schema: graph.schema,
    vertices: () => vertices,
    *edges() {
      const outEdges = new Map<bigint, Edge[]>();
      for (const e of graph.edges.values()) {
        const list = outEdges.get(e.from);
        if (list) list.push(e);
        else outEdges.set(e.from, [e]);
      }
      for (const v of vertices) yield* outEdges.get(v.gid) ?? [];
    },
  }, opts);
}

/**
 * A dump's parts, for producers that render the records elsewhere (convert's worker threads): the
 * schema statements before the vertices and after the cleanup, and how to print one record.
 */
export interface DumpFrame {
  before: string[];
  after: string[];
  vertex(v: Vertex): string;
  edge(e: Edge): string;
}

export function dumpFrame(schemaItems: SchemaItem[], opts: RenderDumpOptions = {}): DumpFrame {
  const schema = schemaItems
    .map((item, i) => ({ item, i }))
    .sort((a, b) => SCHEMA_ORDER[a.item.kind] - SCHEMA_ORDER[b.item.kind] || a.i - b.i)
    .map((x) => x.item);
  const vectorProps = opts.vectorIndexPrecision === false ? [] : vectorIndexed(schemaItems);
  return {
    before: schema.filter((item) => item.kind === 'enum').map((item) => renderStatement(item, opts)),
    after: schema.filter((item) => item.kind !== 'enum').map((item) => renderStatement(item, opts)),
    vertex: (v) => renderVertex(v, opts, vectorProps),
    edge: (e) => renderEdge(e, opts),
  };
}

/** Printed between the vertices and the edges, and after the edges, when there is any vertex. */
export const AFTER_VERTICES = [HELPER_INDEX_STATEMENT];
export const AFTER_EDGES = [DROP_HELPER_INDEX_STATEMENT, CLEANUP_STATEMENT];

/** The same statements from sources that need not hold the graph (e.g. a snapshot read record by record). */
export function* renderDumpFrom(src: DumpSource, opts: RenderDumpOptions = {}): Generator<string> {
  const frame = dumpFrame(src.schema, opts);
  yield* frame.before;
  let anyVertex = false;
  for (const v of src.vertices()) {
    anyVertex = true;
    yield frame.vertex(v);
  }
  if (anyVertex) {
    yield* AFTER_VERTICES;
    for (const e of src.edges()) yield frame.edge(e);
    yield* AFTER_EDGES;
  }
  yield* frame.after;
}

function renderProps(props: PropertyMap, opts: RenderValueOptions, gid?: bigint, vectorSpec?: (name: string) => VectorScalar | undefined): string {
  const parts: string[] = [];
  if (gid !== undefined) parts.push(`${INTERNAL_PROPERTY}: ${gid}`);
  for (const [name, value] of props) {
    const scalar = vectorSpec?.(name);
    const text = scalar !== undefined && Array.isArray(value) ? renderVector(value, scalar) : renderValue(value, opts);
    parts.push(`${renderName(name)}: ${text}`);
  }
  return `{${parts.join(', ')}}`;
}

export function renderVertex(v: Vertex, opts: RenderValueOptions = {}, vectorProps: VectorIndexed[] = []): string {
  const labels = v.labels.map((l) => ':' + renderName(l)).join('');
  const spec = vectorProps.length === 0 ? undefined : (name: string) => vectorScalarFor(vectorProps, v.labels, name);
  return `CREATE (:${INTERNAL_LABEL}${labels} ${renderProps(v.props, opts, v.gid, spec)});`;
}

export function renderEdge(e: Edge, opts: RenderValueOptions = {}): string {
  const props = e.props.size === 0 ? '' : ' ' + renderProps(e.props, opts);
  return (
    `MATCH (u:${INTERNAL_LABEL}), (v:${INTERNAL_LABEL}) WHERE u.${INTERNAL_PROPERTY} = ${e.from} AND ` +
    `v.${INTERNAL_PROPERTY} = ${e.to} CREATE (u)-[:${renderName(e.type)}${props}]->(v);`
  );
}

// ---------------------------------------------------------------- schema statements

/** DUMP prints the kind names of TypeConstraintKindToString; the model keeps the grammar's spelling. */
const TYPE_NAMES: Record<TypeConstraintType, string> = {
  STRING: 'STRING', BOOLEAN: 'BOOL', INTEGER: 'INTEGER', FLOAT: 'FLOAT', LIST: 'LIST', MAP: 'MAP',
  DURATION: 'DURATION', DATE: 'DATE', 'LOCAL TIME': 'LOCAL TIME', 'LOCAL DATETIME': 'LOCAL DATE TIME',
  'ZONED DATETIME': 'ZONED DATE TIME', ENUM: 'ENUM', POINT: 'POINT',
};

export function renderTypeName(t: TypeConstraintType): string {
  return TYPE_NAMES[t];
}

function renderVectorConfig(c: VectorIndexConfig): string {
  return (
    `WITH CONFIG { "dimension": ${c.dimension}, "metric": "${c.metric}", "capacity": ${c.capacity}, ` +
    `"resize_coefficient": ${c.resizeCoefficient}, "scalar_kind": "${c.scalarKind ?? 'f32'}" }`
  );
}

function renderFilter(names: string[], sep: '|' | '&'): string {
  return names.length === 0 ? '' : ':' + names.map(renderName).join(sep);
}

function labelList(labels: string[] = []): string {
  return labels.map((l) => ':' + renderName(l)).join('');
}

function renderDescriptionTarget(t: DescriptionTarget, opts: RenderDumpOptions): string {
  switch (t.on) {
    case 'database': return `DATABASE ${renderName(t.name ?? opts.databaseName ?? 'memgraph')}`;
    case 'label': return 'LABEL' + t.labels.map((l) => ' :' + renderName(l)).join('');
    case 'edgeType':
      if (t.from === undefined && t.to === undefined) return `EDGE TYPE :${renderName(t.edgeType)}`;
      return `EDGE TYPE (${labelList(t.from)})-[:${renderName(t.edgeType)}]->(${labelList(t.to)})`;
    case 'labelProperty':
      return 'LABEL PROPERTY' + t.labels.map((l) => ' :' + renderName(l)).join('') + `(${renderName(t.property)})`;
    case 'edgeTypeProperty':
      if (t.from === undefined && t.to === undefined) {
        return `EDGE TYPE PROPERTY :${renderName(t.edgeType)}(${renderName(t.property)})`;
      }
      return `EDGE TYPE PROPERTY (${labelList(t.from)})-[:${renderName(t.edgeType)}]->(${labelList(t.to)})(${renderName(t.property)})`;
    case 'property': return `PROPERTY ${renderName(t.property)}`;
    case 'propertyValue': return `PROPERTY ${renderName(t.property)} VALUE ${renderValue(t.value, opts)}`;
  }
}

/** One schema item as the DUMP statement that recreates it (ends in `;`). */
export function renderStatement(item: SchemaItem, opts: RenderDumpOptions = {}): string {
  switch (item.kind) {
    case 'enum':
      return `CREATE ENUM ${item.name} VALUES { ${item.values.join(', ')} };`;
    case 'labelIndex':
      return `CREATE INDEX ON :${renderName(item.label)};`;
    case 'labelPropertyIndex': {
      const props = item.properties.map((path) => path.map(renderName).join('.')).join(', ');
      const desc = item.descending === true ? ' WITH CONFIG {"order": "DESC"}' : '';
      return `CREATE INDEX ON :${renderName(item.label)}(${props})${desc};`;
    }
    case 'textIndex': {
      const props = item.properties.length === 0 ? '' : `(${item.properties.map(renderName).join(', ')})`;
      return `CREATE TEXT INDEX ${renderName(item.name)} ON :${renderName(item.label)}${props};`;
    }
    case 'textEdgeIndex': {
      const props = item.properties.length === 0 ? '' : `(${item.properties.map(renderName).join(', ')})`;
      return `CREATE TEXT EDGE INDEX ${renderName(item.name)} ON :${renderName(item.edgeType)}${props};`;
    }
    case 'pointIndex':
      return `CREATE POINT INDEX ON :${renderName(item.label)}(${renderName(item.property)});`;
    case 'vectorIndex': {
      const on = renderFilter(item.labels, item.labelMode === 'and' ? '&' : '|');
      return `CREATE VECTOR INDEX ${renderName(item.name)} ON ${on}(${renderName(item.property)}) ${renderVectorConfig(item.config)};`;
    }
    case 'vectorEdgeIndex': {
      const on = renderFilter(item.edgeTypes, '|');
      return `CREATE VECTOR EDGE INDEX ${renderName(item.name)} ON ${on}(${renderName(item.property)}) ${renderVectorConfig(item.config)};`;
    }
    case 'globalIndex':
      return `CREATE GLOBAL INDEX ON :(${renderName(item.property)});`;
    case 'edgeTypeIndex':
      return `CREATE EDGE INDEX ON :${renderName(item.edgeType)};`;
    case 'edgeTypePropertyIndex':
      return `CREATE EDGE INDEX ON :${renderName(item.edgeType)}(${renderName(item.property)});`;
    case 'globalEdgeIndex':
      return `CREATE GLOBAL EDGE INDEX ON :(${renderName(item.property)});`;
    case 'existenceConstraint':
      return `CREATE CONSTRAINT ON (u:${renderName(item.label)}) ASSERT EXISTS (u.${renderName(item.property)});`;
    case 'uniqueConstraint': {
      const props = item.properties.map((p) => 'u.' + renderName(p)).join(', ');
      return `CREATE CONSTRAINT ON (u:${renderName(item.label)}) ASSERT ${props} IS UNIQUE;`;
    }
    case 'typeConstraint':
      return `CREATE CONSTRAINT ON (u:${renderName(item.label)}) ASSERT u.${renderName(item.property)} IS TYPED ${TYPE_NAMES[item.type]};`;
    case 'ttl': {
      const every = item.period === undefined ? '' : ` EVERY "${item.period}"`;
      const at = item.startTime === undefined ? '' : ` AT "${item.startTime}"`;
      return `ENABLE TTL${every}${at};`;
    }
    case 'description':
      return `SET DESCRIPTION ON ${renderDescriptionTarget(item.target, opts)} ${renderString(item.text)};`;
    case 'trigger':
      return item.statement.endsWith(';') ? item.statement : item.statement + ';';
  }
}

export interface TriggerInfo {
  name: string;
  security?: 'DEFINER' | 'INVOKER';
  /** e.g. `CREATE`, `() UPDATE`, `--> DELETE`; undefined = any event. */
  event?: string;
  phase: 'BEFORE COMMIT' | 'AFTER COMMIT';
  body: string;
}

/** The `statement` a trigger SchemaItem holds: CREATE TRIGGER exactly as DUMP prints it, without `;`. */
export function triggerStatement(t: TriggerInfo): string {
  const on = t.event === undefined ? '' : ` ON ${t.event}`;
  return `CREATE TRIGGER ${t.name} SECURITY ${t.security ?? 'DEFINER'}${on} ${t.phase} EXECUTE ${t.body.replaceAll('\n', ' ')}`;
}
