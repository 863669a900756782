// Test support only. The stand-in's DUMP DATABASE, written from Memgraph's src/query/dump.cpp
// (PullPlanDump and the Dump* helpers) for the graph model the stand-in stores. Statement order is
// PullPlanDump's chunk order: enums, vertices, the internal index, edges (per vertex, its out-edges),
// its drop, the cleanup, then label, label-property, text, point, vector, vector-edge and global vertex
// indices, existence, unique and type constraints, edge-type, edge-type-property, global edge and text
// edge indices, TTL, descriptions, triggers. Independent of mgbackup's renderer (src/cypher).
import type { DescriptionTarget, Edge, Graph, SchemaItem, TypeConstraintType, Vertex } from '../../../src/graph/model.js';
import type { Value } from '../../../src/graph/value.js';
import { gFormat, shortestFormat, toHalf } from './number-text.js';
import { temporalText, zonedText } from './temporal.js';
import { type Node, nameOf } from './tree.js';

const INTERNAL_LABEL = '__mg_vertex__';
const INTERNAL_PROPERTY = '__mg_id__';

/** EscapeName: backticks around, inner backticks doubled. */
export const escapeName = (s: string): string => '`' + s.replaceAll('`', '``') + '`';

/** utils::Escape: backslash, both quotes and \b \f \n \r \t escaped, in double quotes. */
export function escapeString(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '\\' || c === "'" || c === '"') out += '\\' + c;
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return out + '"';
}

/** Bytewise key order: ExternalPropertyValue maps are std::map<std::string, …>. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** DumpPropertyValue. */
export function valueText(v: Value): string {
  if (v === null) return 'Null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'number': return gFormat(v, 17); // DumpPreciseDouble: setprecision(max_digits10)
    case 'string': return escapeString(v);
  }
  if (Array.isArray(v)) return '[' + v.map(valueText).join(', ') + ']';
  if (v instanceof Map) {
    return '{' + [...v.keys()].sort(byteOrder).map((k) => `${escapeName(k)}: ${valueText(v.get(k)!)}`).join(', ') + '}';
  }
  switch (v.kind) {
    case 'temporal': return temporalText(v);
    case 'zoned': return zonedText(v);
    case 'point': {
      // CypherConstructionFor: fmt "{}" coordinates.
      const z = v.z === undefined ? '' : ` z:${shortestFormat(v.z)},`;
      return `POINT({ x:${shortestFormat(v.x)}, y:${shortestFormat(v.y)},${z} srid: ${v.srid} })`;
    }
    case 'enum': return `${v.type}::${v.value}`;
  }
}

type VectorIndexItem = Extract<SchemaItem, { kind: 'vectorIndex' }>;

/** A property held by a vector index is read back from the index as floats (f16 when so configured)
 *  and printed with `os << float` (6 significant digits). */
function vectorText(list: Value[], index: VectorIndexItem): string {
  const half = index.config.scalarKind === 'f16';
  return '[' + list.map((x) => {
    const f = Math.fround(typeof x === 'bigint' ? Number(x) : typeof x === 'number' ? x : NaN);
    return gFormat(half ? toHalf(f) : f, 6);
  }).join(', ') + ']';
}

function vectorIndexFor(schema: readonly SchemaItem[], v: Vertex, property: string): VectorIndexItem | undefined {
  for (const i of schema) {
    if (i.kind !== 'vectorIndex' || i.property !== property) continue;
    const hit = i.labels.length === 0 ? true
      : i.labelMode === 'and' ? i.labels.every((l) => v.labels.includes(l)) : i.labels.some((l) => v.labels.includes(l));
    if (hit) return i;
  }
  return undefined;
}

/** DumpVertex. */
function vertexText(v: Vertex, schema: readonly SchemaItem[]): string {
  const labels = v.labels.map((l) => ':' + escapeName(l)).join('');
  const props = [`${INTERNAL_PROPERTY}: ${v.gid}`];
  for (const [k, x] of v.props) {
    const index = Array.isArray(x) ? vectorIndexFor(schema, v, k) : undefined;
    props.push(`${escapeName(k)}: ${index ? vectorText(x as Value[], index) : valueText(x)}`);
  }
  return `CREATE (:${INTERNAL_LABEL}${labels} {${props.join(', ')}});`;
}

/** DumpEdge. */
function edgeText(e: Edge): string {
  const props = e.props.size === 0 ? '' : ' {' + [...e.props].map(([k, x]) => `${escapeName(k)}: ${valueText(x)}`).join(', ') + '}';
  return `MATCH (u:${INTERNAL_LABEL}), (v:${INTERNAL_LABEL}) WHERE u.${INTERNAL_PROPERTY} = ${e.from} AND v.${INTERNAL_PROPERTY} = ${e.to} ` +
    `CREATE (u)-[:${escapeName(e.type)}${props}]->(v);`;
}

/** TypeConstraintKindToString (storage/v2/constraints/type_constraints_kind.hpp). */
const TYPE_TEXT: Record<TypeConstraintType, string> = {
  STRING: 'STRING', BOOLEAN: 'BOOL', INTEGER: 'INTEGER', FLOAT: 'FLOAT', LIST: 'LIST', MAP: 'MAP', DURATION: 'DURATION',
  DATE: 'DATE', 'LOCAL TIME': 'LOCAL TIME', 'LOCAL DATETIME': 'LOCAL DATE TIME', 'ZONED DATETIME': 'ZONED DATE TIME',
  ENUM: 'ENUM', POINT: 'POINT',
};

function vectorConfigText(c: { dimension: number; metric: string; capacity: number; resizeCoefficient: number; scalarKind?: string }): string {
  return `{ "dimension": ${c.dimension}, "metric": "${c.metric}", "capacity": ${c.capacity}, ` +
    `"resize_coefficient": ${c.resizeCoefficient}, "scalar_kind": "${c.scalarKind ?? 'f32'}" }`;
}

function labelsText(ls: readonly string[]): string {
  return ls.map((l) => ':' + escapeName(l)).join('');
}

function descriptionText(t: DescriptionTarget, databaseName: string): string {
  switch (t.on) {
    case 'database': return `DATABASE ${escapeName(t.name ?? databaseName)}`;
    case 'label': return 'LABEL' + t.labels.map((l) => ' :' + escapeName(l)).join('');
    case 'labelProperty': return 'LABEL PROPERTY' + t.labels.map((l) => ' :' + escapeName(l)).join('') + `(${escapeName(t.property)})`;
    case 'property': return `PROPERTY ${escapeName(t.property)}`;
    case 'propertyValue': return `PROPERTY ${escapeName(t.property)} VALUE ${valueText(t.value)}`;
    case 'edgeType':
      return t.from || t.to
        ? `EDGE TYPE (${labelsText(t.from ?? [])})-[:${escapeName(t.edgeType)}]->(${labelsText(t.to ?? [])})`
        : `EDGE TYPE :${escapeName(t.edgeType)}`;
    case 'edgeTypeProperty':
      return t.from || t.to
        ? `EDGE TYPE PROPERTY (${labelsText(t.from ?? [])})-[:${escapeName(t.edgeType)}]->(${labelsText(t.to ?? [])})(${escapeName(t.property)})`
        : `EDGE TYPE PROPERTY :${escapeName(t.edgeType)}(${escapeName(t.property)})`;
  }
}

/** One schema statement, by the Dump* helper of its kind. */
function schemaText(i: SchemaItem, databaseName: string): string {
  switch (i.kind) {
    case 'enum': return `CREATE ENUM ${i.name} VALUES { ${i.values.join(', ')} };`;
    case 'labelIndex': return `CREATE INDEX ON :${escapeName(i.label)};`;
    case 'labelPropertyIndex':
      return `CREATE INDEX ON :${escapeName(i.label)}(${i.properties.map((p) => p.map(escapeName).join('.')).join(', ')})` +
        `${i.descending ? ' WITH CONFIG {"order": "DESC"}' : ''};`;
    case 'textIndex':
      return `CREATE TEXT INDEX ${escapeName(i.name)} ON :${escapeName(i.label)}${i.properties.length ? `(${i.properties.map(escapeName).join(', ')})` : ''};`;
    case 'textEdgeIndex':
      return `CREATE TEXT EDGE INDEX ${escapeName(i.name)} ON :${escapeName(i.edgeType)}${i.properties.length ? `(${i.properties.map(escapeName).join(', ')})` : ''};`;
    case 'pointIndex': return `CREATE POINT INDEX ON :${escapeName(i.label)}(${escapeName(i.property)});`;
    case 'vectorIndex': {
      const on = i.labels.length === 0 ? '' : ':' + i.labels.map(escapeName).join(i.labelMode === 'and' ? '&' : '|');
      return `CREATE VECTOR INDEX ${escapeName(i.name)} ON ${on}(${escapeName(i.property)}) WITH CONFIG ${vectorConfigText(i.config)};`;
    }
    case 'vectorEdgeIndex': {
      const on = i.edgeTypes.length === 0 ? '' : ':' + i.edgeTypes.map(escapeName).join('|');
      return `CREATE VECTOR EDGE INDEX ${escapeName(i.name)} ON ${on}(${escapeName(i.property)}) WITH CONFIG ${vectorConfigText(i.config)};`;
    }
    case 'globalIndex': return `CREATE GLOBAL INDEX ON :(${escapeName(i.property)});`;
    case 'existenceConstraint': return `CREATE CONSTRAINT ON (u:${escapeName(i.label)}) ASSERT EXISTS (u.${escapeName(i.property)});`;
    case 'uniqueConstraint':
      return `CREATE CONSTRAINT ON (u:${escapeName(i.label)}) ASSERT ${i.properties.map((p) => 'u.' + escapeName(p)).join(', ')} IS UNIQUE;`;
    case 'typeConstraint': return `CREATE CONSTRAINT ON (u:${escapeName(i.label)}) ASSERT u.${escapeName(i.property)} IS TYPED ${TYPE_TEXT[i.type]};`;
    case 'edgeTypeIndex': return `CREATE EDGE INDEX ON :${escapeName(i.edgeType)};`;
    case 'edgeTypePropertyIndex': return `CREATE EDGE INDEX ON :${escapeName(i.edgeType)}(${escapeName(i.property)});`;
    case 'globalEdgeIndex': return `CREATE GLOBAL EDGE INDEX ON :(${escapeName(i.property)});`;
    case 'ttl': return `ENABLE TTL${i.period ? ` EVERY "${i.period}"` : ''}${i.startTime ? ` AT "${i.startTime}"` : ''};`;
    case 'description': return `SET DESCRIPTION ON ${descriptionText(i.target, databaseName)} ${escapeString(i.text)};`;
    case 'trigger': return `${i.statement};`;
  }
}

/** The chunk each kind is printed in, after the vertex/edge chunks (enums come first of all). */
const CHUNK: SchemaItem['kind'][] = [
  'labelIndex', 'labelPropertyIndex', 'textIndex', 'pointIndex', 'vectorIndex', 'vectorEdgeIndex', 'globalIndex',
  'existenceConstraint', 'uniqueConstraint', 'typeConstraint', 'edgeTypeIndex', 'edgeTypePropertyIndex',
  'globalEdgeIndex', 'textEdgeIndex', 'ttl', 'description', 'trigger',
];

/** DUMP DATABASE, one statement per row, produced as pulled. */
export function* dumpDatabase(graph: Graph, databaseName: string): Generator<string> {
  const schema = graph.schema;
  for (const i of schema) if (i.kind === 'enum') yield schemaText(i, databaseName);
  const vertices = [...graph.vertices.values()].sort((a, b) => (a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0));
  for (const v of vertices) yield vertexText(v, schema);
  if (vertices.length > 0) {
    yield `CREATE INDEX ON :${INTERNAL_LABEL}(${INTERNAL_PROPERTY});`;
    const out = new Map<bigint, Edge[]>();
    for (const e of graph.edges.values()) out.get(e.from)?.push(e) ?? out.set(e.from, [e]);
    for (const v of vertices) for (const e of out.get(v.gid) ?? []) yield edgeText(e);
    yield `DROP INDEX ON :${INTERNAL_LABEL}(${INTERNAL_PROPERTY});`;
    yield `MATCH (u) REMOVE u:${INTERNAL_LABEL}, u.${INTERNAL_PROPERTY};`;
  }
  // An internal index left by an unfinished load is a real label-property index: DUMP prints it too.
  for (const kind of CHUNK) for (const i of schema) if (i.kind === kind) yield schemaText(i, databaseName);
}

/** CreateTriggersPullChunk's form of a CREATE TRIGGER statement (newlines in the body become spaces). */
export function dumpTriggerStatement(n: Node): string {
  const name = nameOf(n.kid('triggerName')!);
  const tokens = n.tokens();
  const security = tokens.includes('INVOKER') ? 'INVOKER' : 'DEFINER';
  let event = '';
  if (tokens.includes('ON')) {
    const what = tokens.includes('CREATE') ? 'CREATE' : tokens.includes('UPDATE') ? 'UPDATE' : 'DELETE';
    const on = n.kid('emptyVertex') ? '() ' : n.kid('emptyEdge') ? '--> ' : '';
    event = ` ON ${on}${what}`;
  }
  const phase = tokens.includes('BEFORE') ? 'BEFORE COMMIT EXECUTE' : 'AFTER COMMIT EXECUTE';
  const body = n.kid('triggerStatement')!.text.replaceAll('\n', ' ');
  return `CREATE TRIGGER ${name} SECURITY ${security}${event} ${phase} ${body}`;
}
