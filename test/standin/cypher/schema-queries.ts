// Test support only. The schema statements DUMP writes and mgbackup's load sends (indices, constraints,
// enums, triggers, TTL, descriptions), read from Memgraph's parse tree into the shared graph model's
// SchemaItem (which the durability codec stores). Creating what exists is a no-op (Memgraph only notifies);
// dropping what does not exist is an error for indices and constraints.
import type { DescriptionTarget, PropertyPath, SchemaItem, TypeConstraintType, VectorIndexConfig } from '../../../src/graph/model.js';
import type { Value } from '../../../src/graph/value.js';
import { clientError } from '../engine/memgraph-errors.js';
import { asValue, evaluate, unsupported } from './expressions.js';
import type { GraphState, SchemaTx } from './graph-state.js';
import { dumpTriggerStatement } from './dump-render.js';
import { type Node, nameOf, stringLiteral } from './tree.js';
import { valueKey } from './values.js';

export const SCHEMA_QUERIES = new Set([
  'indexQuery', 'edgeIndexQuery', 'pointIndexQuery', 'textIndexQuery', 'createTextEdgeIndex', 'vectorIndexQuery',
  'createVectorEdgeIndex', 'constraintQuery', 'createEnumQuery', 'triggerQuery', 'ttlQuery', 'descriptionQuery',
]);

const names = (n: Node | undefined, rule: string): string[] => (n ? n.kids(rule).map(nameOf) : []);
const paths = (list: Node | undefined): PropertyPath[] =>
  (list?.kids('nestedPropertyKeyNames') ?? []).map((p) => p.kids('propertyKeyName').map(nameOf));

/** The key a schema item is identified by (so a second CREATE is a no-op and DROP finds it). */
function itemKey(i: SchemaItem): string {
  switch (i.kind) {
    case 'textIndex': case 'textEdgeIndex': case 'vectorIndex': case 'vectorEdgeIndex': return `${i.kind}:${i.name}`;
    case 'trigger': return `trigger:${i.statement.split(' ')[2]}`;
    case 'enum': return `enum:${i.name}`;
    case 'ttl': return 'ttl';
    case 'description': return `description:${JSON.stringify(i.target, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}:${i.target.on === 'propertyValue' ? valueKey(i.target.value) : ''}`;
    case 'labelPropertyIndex': return `${i.kind}:${i.label}:${JSON.stringify(i.properties)}`;
    default: return JSON.stringify(i);
  }
}

function configOf(map: Node | undefined, state: GraphState): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const kv of map?.kids('configKeyValuePair') ?? []) {
    const [k, v] = kv.kids().map((n) => asValue(evaluate(n, { params: {}, state, row: new Map() })));
    out.set(String(k), v ?? null);
  }
  return out;
}

function vectorConfig(n: Node, state: GraphState): VectorIndexConfig {
  const holder = n.kid('configMapOrExpression')!;
  const map = holder.kid('configMap');
  if (!map) throw unsupported('a vector index config given as an expression');
  const c = configOf(map, state);
  const num = (k: string, d?: number): number => {
    const v = c.get(k);
    if (v === undefined && d !== undefined) return d;
    if (typeof v !== 'bigint' && typeof v !== 'number') throw clientError(`Vector index config needs a number for ${k}.`);
    return Number(v);
  };
  const scalar = c.get('scalar_kind');
  return {
    dimension: num('dimension'), metric: String(c.get('metric') ?? 'l2sq'), capacity: num('capacity'),
    resizeCoefficient: num('resize_coefficient', 2), ...(typeof scalar === 'string' ? { scalarKind: scalar } : {}),
  };
}

const TYPES: Record<string, TypeConstraintType> = {
  BOOLEAN: 'BOOLEAN', STRING: 'STRING', INTEGER: 'INTEGER', FLOAT: 'FLOAT', LIST: 'LIST', MAP: 'MAP', DATE: 'DATE',
  LOCALTIME: 'LOCAL TIME', LOCALDATETIME: 'LOCAL DATETIME', ZONEDDATETIME: 'ZONED DATETIME', DURATION: 'DURATION',
  ENUM: 'ENUM', POINT: 'POINT',
};

/** Seconds of a TTL period such as "1000s", "1h30m" or "1d" (ttl.cpp accepts d, h, m, s, ms). */
function periodSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|d|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw clientError(`Invalid TTL period ${JSON.stringify(text)}.`);
  const unit: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  return Math.floor(parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0));
}

interface Change { create?: SchemaItem; drop?: (i: SchemaItem) => boolean; dropWhat?: string }

function labelsOf(n: Node): string[] {
  return n.kids('labelName').map(nameOf);
}

function change(query: Node, state: GraphState): Change {
  // indexQuery, triggerQuery, ttlQuery, descriptionQuery … only wrap the statement that says what to do.
  let n = query;
  while (n.tokens().length === 0 && n.kids().length === 1) n = n.kids()[0]!;
  const rule = n.rule;
  switch (rule) {
    case 'createIndex': {
      if (n.has('FOR')) throw unsupported('CREATE INDEX ... FOR ... ON');
      const label = nameOf(n.kid('labelName')!);
      const props = paths(n.kid('nestedPropertyKeyList'));
      if (props.length === 0) return { create: { kind: 'labelIndex', label } };
      const order = configOf(n.kid('configMap'), state).get('order');
      const descending = typeof order === 'string' && order.toUpperCase() === 'DESC';
      return { create: { kind: 'labelPropertyIndex', label, properties: props, ...(descending ? { descending } : {}) } };
    }
    case 'dropIndex': {
      const label = nameOf(n.kid('labelName')!);
      const props = JSON.stringify(paths(n.kid('nestedPropertyKeyList')));
      return {
        drop: (i) => (props === '[]' ? i.kind === 'labelIndex' && i.label === label
          : i.kind === 'labelPropertyIndex' && i.label === label && JSON.stringify(i.properties) === props),
        dropWhat: 'Index',
      };
    }
    case 'createGlobalVertexIndex': return { create: { kind: 'globalIndex', property: nameOf(n.kid('propertyKeyName')!) } };
    case 'dropGlobalVertexIndex': {
      const p = nameOf(n.kid('propertyKeyName')!);
      return { drop: (i) => i.kind === 'globalIndex' && i.property === p, dropWhat: 'Index' };
    }
    case 'createEdgeIndex': {
      const edgeType = nameOf(n.kid('labelName')!);
      const props = paths(n.kid('nestedPropertyKeyList'));
      if (props.length === 0) return { create: { kind: 'edgeTypeIndex', edgeType } };
      if (props.length !== 1 || props[0]!.length !== 1) throw unsupported('composite or nested edge-type property indices');
      return { create: { kind: 'edgeTypePropertyIndex', edgeType, property: props[0]![0]! } };
    }
    case 'dropEdgeIndex': {
      const edgeType = nameOf(n.kid('labelName')!);
      const p = n.kid('propertyKeyName');
      return {
        drop: (i) => (p ? i.kind === 'edgeTypePropertyIndex' && i.edgeType === edgeType && i.property === nameOf(p)
          : i.kind === 'edgeTypeIndex' && i.edgeType === edgeType),
        dropWhat: 'Index',
      };
    }
    case 'createGlobalEdgeIndex': {
      const p = n.kid('propertyKeyName');
      if (!p) throw unsupported('a global edge index without a property');
      return { create: { kind: 'globalEdgeIndex', property: nameOf(p) } };
    }
    case 'createTextIndex':
    case 'createTextEdgeIndex': {
      const name = nameOf(n.kid('indexName')!);
      const on = nameOf(n.kid('labelName')!);
      const properties = n.kids('propertyKeyList').flatMap((l) => names(l, 'propertyKeyName'));
      return { create: rule === 'createTextIndex' ? { kind: 'textIndex', name, label: on, properties } : { kind: 'textEdgeIndex', name, edgeType: on, properties } };
    }
    case 'dropTextIndex': {
      const name = nameOf(n.kid('indexName')!);
      return { drop: (i) => (i.kind === 'textIndex' || i.kind === 'textEdgeIndex') && i.name === name, dropWhat: 'Text index' };
    }
    case 'createPointIndex': return { create: { kind: 'pointIndex', label: nameOf(n.kid('labelName')!), property: nameOf(n.kid('propertyKeyName')!) } };
    case 'dropPointIndex': {
      const label = nameOf(n.kid('labelName')!);
      const p = nameOf(n.kid('propertyKeyName')!);
      return { drop: (i) => i.kind === 'pointIndex' && i.label === label && i.property === p, dropWhat: 'Point index' };
    }
    case 'createVectorIndex':
    case 'createVectorEdgeIndex': {
      const target = n.kid('vectorIndexLabels')!;
      const on = labelsOf(target);
      const mode = target.has('&') ? 'and' : 'or';
      const name = nameOf(n.kid('indexName')!);
      const property = nameOf(target.kid('propertyKeyName')!);
      const config = vectorConfig(n, state);
      if (rule === 'createVectorIndex') {
        return { create: { kind: 'vectorIndex', name, labels: on, ...(on.length > 1 ? { labelMode: mode } : {}), property, config } };
      }
      if (mode === 'and') throw unsupported('an AND filter on a vector edge index');
      return { create: { kind: 'vectorEdgeIndex', name, edgeTypes: on, ...(on.length > 1 ? { edgeTypeMode: 'or' as const } : {}), property, config } };
    }
    case 'dropVectorIndex': {
      const name = nameOf(n.kid('indexName')!);
      return { drop: (i) => (i.kind === 'vectorIndex' || i.kind === 'vectorEdgeIndex') && i.name === name, dropWhat: 'Vector index' };
    }
    case 'constraintQuery': // Cypher.g4's form; MemgraphCypher.g4 wraps it as originalConstraintQuery
    case 'originalConstraintQuery': return constraint(n);
    case 'createEnumQuery': {
      const values = names(n, 'enumValue');
      const name = nameOf(n.kid('enumName')!);
      if (state.graph.schema.some((i) => i.kind === 'enum' && i.name === name)) throw clientError(`Enum ${name} already exists.`);
      return { create: { kind: 'enum', name, values } };
    }
    case 'createTrigger': return { create: { kind: 'trigger', statement: dumpTriggerStatement(n) } };
    case 'dropTrigger': {
      const name = nameOf(n.kid('triggerName')!);
      return { drop: (i) => i.kind === 'trigger' && i.statement.split(' ')[2] === name, dropWhat: 'Trigger' };
    }
    case 'startTtlQuery': {
      const lits = n.kids('literal').map((l) => asValue(evaluate(l, { params: {}, state, row: new Map() })));
      const parts = n.parts();
      let period: string | undefined;
      let startTime: string | undefined;
      parts.forEach((p, i) => {
        const next = parts[i + 1];
        if (typeof next === 'string' || next === undefined) return;
        const value = lits[n.kids('literal').findIndex((l) => l.ctx === next.ctx)];
        if (p === 'EVERY') period = `${periodSeconds(String(value))}s`;
        if (p === 'AT') startTime = String(value);
      });
      return { create: { kind: 'ttl', ...(period ? { period } : {}), ...(startTime ? { startTime } : {}) } };
    }
    case 'stopTtlQuery': return { drop: (i) => i.kind === 'ttl' };
    case 'setDescription':
    case 'deleteDescription': {
      const target = descriptionTarget(n.kid('descriptionTarget')!, state);
      const key = itemKey({ kind: 'description', target, text: '' });
      const drop = (i: SchemaItem) => i.kind === 'description' && itemKey({ ...i, text: '' }) === key;
      if (rule === 'deleteDescription') return { drop };
      const lit = n.ctx.children.at(-1)!.getText();
      return { drop, create: { kind: 'description', target, text: stringLiteral(lit) } };
    }
    default:
      throw unsupported(`the ${rule} query`);
  }
}

function constraint(n: Node): Change {
  const create = n.has('CREATE');
  const c = n.kid('constraint')!;
  const label = nameOf(c.kid('labelName')!);
  const props = (c.kid('constraintPropertyList')?.kids('propertyLookup') ?? c.kids('propertyLookup')).map((l) => nameOf(l.kid('propertyKeyName')!));
  let item: SchemaItem;
  if (c.has('EXISTS')) item = { kind: 'existenceConstraint', label, property: props[0]! };
  else if (c.has('UNIQUE')) item = { kind: 'uniqueConstraint', label, properties: props };
  else if (c.has('TYPED')) {
    const t = c.kid('typeConstraintType')!.text.toUpperCase();
    item = { kind: 'typeConstraint', label, property: props[0]!, type: TYPES[t]! };
  } else throw unsupported('NODE KEY constraints');
  if (create) return { create: item };
  const key = item.kind === 'uniqueConstraint' ? `${label}:${[...item.properties].sort().join(',')}` : itemKey(item);
  return {
    drop: (i) => (i.kind === 'uniqueConstraint' && item.kind === 'uniqueConstraint'
      ? `${i.label}:${[...i.properties].sort().join(',')}` === key : itemKey(i) === key),
    dropWhat: 'Constraint',
  };
}

function descriptionTarget(t: Node, state: GraphState): DescriptionTarget {
  const tok = t.tokens();
  const props = t.kid('propertyKeyList')?.kids('propertyKeyName').map(nameOf);
  if (tok[0] === 'DATABASE') return { on: 'database', name: nameOf(t.kid('symbolicName')!) };
  if (tok[0] === 'LABEL') {
    const labels = labelsOf(t);
    return tok[1] === 'PROPERTY' ? { on: 'labelProperty', labels, property: props![0]! } : { on: 'label', labels };
  }
  if (tok[0] === 'PROPERTY') {
    const property = nameOf(t.kid('propertyKeyName')!);
    const lit = t.kid('literal');
    return lit ? { on: 'propertyValue', property, value: asValue(evaluate(lit, { params: {}, state, row: new Map() })) } : { on: 'property', property };
  }
  const pattern = t.kid('edgeTypePattern');
  if (pattern) {
    const ends = pattern.kids('edgeTypePatternNode').map(labelsOf);
    const edgeType = nameOf(pattern.kid('labelName')!);
    const base = { edgeType, from: ends[0] ?? [], to: ends[1] ?? [] };
    return tok.includes('PROPERTY') ? { on: 'edgeTypeProperty', ...base, property: props![0]! } : { on: 'edgeType', ...base };
  }
  const edgeType = nameOf(t.kid('labelName')!);
  return tok.includes('PROPERTY') ? { on: 'edgeTypeProperty', edgeType, property: props![0]! } : { on: 'edgeType', edgeType };
}

/** Applies one schema query; the transaction keeps the schema's pre-image. */
export function runSchemaQuery(query: Node, state: GraphState, tx: SchemaTx): void {
  const c = change(query, state);
  let schema = state.graph.schema;
  if (c.drop) {
    const kept = schema.filter((i) => !c.drop!(i));
    if (kept.length === schema.length && c.dropWhat && !c.create) throw clientError(`${c.dropWhat} doesn't exist.`);
    schema = kept;
  }
  if (c.create) {
    const key = itemKey(c.create);
    if (c.create.kind === 'ttl') schema = schema.filter((i) => i.kind !== 'ttl');
    if (!schema.some((i) => itemKey(i) === key)) schema = [...schema, c.create];
  }
  if (schema !== state.graph.schema) state.setSchema(tx, schema);
}
