// Recognises the statements DUMP DATABASE prints (any Memgraph version: the old order with indices
// first and the HEAD order use the same statement forms) and turns them into structured records.
// Keywords are case-insensitive and whitespace is free; anything else is hand-written Cypher -> undefined.
import type { DescriptionTarget, PropertyPath, SchemaItem, TypeConstraintType, VectorIndexConfig } from '../graph/model.js';
import type { PropertyMap, Value } from '../graph/value.js';
import { CypherReader, CypherSyntaxError, DUPLICATE_MAP_KEY } from './literal-parser.js';
import { INTERNAL_LABEL, INTERNAL_PROPERTY } from './render-dump.js';

export type DumpStatement =
  /** labels and props exactly as written, so including __mg_vertex__ and __mg_id__ when present. */
  | { kind: 'vertex'; labels: string[]; props: PropertyMap }
  /** from/to: the __mg_id__ values the edge's endpoints are matched by. */
  | { kind: 'edge'; from: Value; to: Value; type: string; props: PropertyMap }
  | { kind: 'schema'; item: SchemaItem }
  | { kind: 'helperIndex' }
  | { kind: 'dropHelperIndex' }
  | { kind: 'cleanup' };

/** Parses one statement (trailing `;` optional). Undefined when it is not a DUMP form. */
export function parseDumpStatement(text: string): DumpStatement | undefined {
  const r = new CypherReader(text);
  let stmt: DumpStatement | undefined;
  try {
    stmt = parseAny(r);
  } catch (e) {
    // A DUMP form with a broken value (e.g. an unterminated string) is an error worth reporting;
    // a mismatch in the statement's shape only means it is not a DUMP form.
    if (e instanceof CypherSyntaxError && valueError(e)) throw e;
    if (e instanceof NotDumpForm || e instanceof CypherSyntaxError) return undefined;
    throw e;
  }
  if (stmt === undefined) return undefined;
  r.eat(';');
  return r.atEnd() ? stmt : undefined;
}

class NotDumpForm extends Error {}

function valueError(e: CypherSyntaxError): boolean {
  if (e.message.startsWith(DUPLICATE_MAP_KEY)) return true; // Memgraph refuses the whole statement
  return /unterminated string|escape|invalid (date|time|local|duration)|unknown time zone|unknown srid|point /.test(e.message);
}

function no(): never {
  throw new NotDumpForm();
}

function parseAny(r: CypherReader): DumpStatement | undefined {
  if (r.eatKeywords('CREATE')) return parseCreate(r);
  if (r.eatKeywords('MATCH')) return parseMatch(r);
  if (r.eatKeywords('DROP', 'INDEX', 'ON')) {
    r.expect(':');
    if (r.readName() !== INTERNAL_LABEL) no();
    r.expect('(');
    if (r.readName() !== INTERNAL_PROPERTY) no();
    r.expect(')');
    return { kind: 'dropHelperIndex' };
  }
  if (r.eatKeywords('ENABLE', 'TTL')) return schema(parseTtl(r));
  if (r.eatKeywords('SET', 'DESCRIPTION', 'ON')) return parseDescription(r);
  return undefined;
}

function schema(item: SchemaItem): DumpStatement {
  return { kind: 'schema', item };
}

// ---------------------------------------------------------------- CREATE ...

function parseCreate(r: CypherReader): DumpStatement | undefined {
  if (r.peek() === '(') return parseVertex(r);
  if (r.eatKeywords('INDEX', 'ON')) return parseLabelIndex(r);
  if (r.eatKeywords('EDGE', 'INDEX', 'ON')) return parseEdgeIndex(r);
  if (r.eatKeywords('GLOBAL', 'INDEX', 'ON')) return schema({ kind: 'globalIndex', property: parseGlobalProperty(r) });
  if (r.eatKeywords('GLOBAL', 'EDGE', 'INDEX', 'ON')) return schema({ kind: 'globalEdgeIndex', property: parseGlobalProperty(r) });
  if (r.eatKeywords('TEXT', 'EDGE', 'INDEX')) {
    const { name, target, properties } = parseTextIndex(r);
    return schema({ kind: 'textEdgeIndex', name, edgeType: target, properties });
  }
  if (r.eatKeywords('TEXT', 'INDEX')) {
    const { name, target, properties } = parseTextIndex(r);
    return schema({ kind: 'textIndex', name, label: target, properties });
  }
  if (r.eatKeywords('POINT', 'INDEX', 'ON')) {
    r.expect(':');
    const label = r.readName();
    r.expect('(');
    const property = r.readName();
    r.expect(')');
    return schema({ kind: 'pointIndex', label, property });
  }
  if (r.eatKeywords('VECTOR', 'EDGE', 'INDEX')) {
    const v = parseVectorIndex(r);
    if (v.mode === 'and') no();
    return schema({ kind: 'vectorEdgeIndex', name: v.name, edgeTypes: v.names, ...(v.mode === 'or' ? { edgeTypeMode: 'or' as const } : {}), property: v.property, config: v.config });
  }
  if (r.eatKeywords('VECTOR', 'INDEX')) {
    const v = parseVectorIndex(r);
    return schema({ kind: 'vectorIndex', name: v.name, labels: v.names, ...(v.mode ? { labelMode: v.mode } : {}), property: v.property, config: v.config });
  }
  if (r.eatKeywords('CONSTRAINT', 'ON')) return schema(parseConstraint(r));
  if (r.eatKeywords('ENUM')) {
    const name = r.readName();
    r.expectKeywords('VALUES');
    r.expect('{');
    const values: string[] = [];
    if (!r.eat('}')) {
      do values.push(r.readName());
      while (r.eat(','));
      r.expect('}');
    }
    return schema({ kind: 'enum', name, values });
  }
  if (r.eatKeywords('TRIGGER')) {
    // Kept verbatim: the trigger body is arbitrary Cypher.
    r.readName();
    const statement = r.text.trim().replace(/;$/, '');
    r.pos = r.text.length;
    return schema({ kind: 'trigger', statement });
  }
  return undefined;
}

function parseVertex(r: CypherReader): DumpStatement {
  r.expect('(');
  if (r.peek() !== ':' && r.peek() !== '{' && r.peek() !== ')') no();
  const labels: string[] = [];
  while (r.eat(':')) labels.push(r.readName());
  const props = r.peek() === '{' ? r.readMap() : new Map<string, Value>();
  r.expect(')');
  return { kind: 'vertex', labels, props };
}

function parseLabelIndex(r: CypherReader): DumpStatement {
  r.expect(':');
  const label = r.readName();
  if (!r.eat('(')) return schema({ kind: 'labelIndex', label });
  const properties: PropertyPath[] = [];
  do {
    const path = [r.readName()];
    while (r.eat('.')) path.push(r.readName());
    properties.push(path);
  } while (r.eat(','));
  r.expect(')');
  if (label === INTERNAL_LABEL && properties.length === 1 && properties[0]?.length === 1 && properties[0][0] === INTERNAL_PROPERTY) {
    return { kind: 'helperIndex' };
  }
  let descending = false;
  if (r.eatKeywords('WITH', 'CONFIG')) {
    const config = readConfig(r);
    const order = config.get('order');
    if (typeof order !== 'string' || !/^(ASC|DESC)$/i.test(order)) no();
    descending = order.toUpperCase() === 'DESC';
  }
  return schema({ kind: 'labelPropertyIndex', label, properties, ...(descending ? { descending } : {}) });
}

function parseEdgeIndex(r: CypherReader): DumpStatement {
  r.expect(':');
  if (r.peek() === '(') return schema({ kind: 'globalEdgeIndex', property: parseParenName(r) });
  const edgeType = r.readName();
  if (r.peek() !== '(') return schema({ kind: 'edgeTypeIndex', edgeType });
  return schema({ kind: 'edgeTypePropertyIndex', edgeType, property: parseParenName(r) });
}

function parseParenName(r: CypherReader): string {
  r.expect('(');
  const name = r.readName();
  r.expect(')');
  return name;
}

function parseGlobalProperty(r: CypherReader): string {
  r.expect(':');
  return parseParenName(r);
}

function parseTextIndex(r: CypherReader): { name: string; target: string; properties: string[] } {
  const name = r.readName();
  r.expectKeywords('ON');
  r.expect(':');
  const target = r.readName();
  const properties: string[] = [];
  if (r.eat('(')) {
    do properties.push(r.readName());
    while (r.eat(','));
    r.expect(')');
  }
  return { name, target, properties };
}

/** `{ "key": value, ... }` with quoted or bare keys. */
function readConfig(r: CypherReader): Map<string, Value> {
  r.expect('{');
  const out = new Map<string, Value>();
  if (r.eat('}')) return out;
  do {
    const c = r.peek();
    const key = c === '"' || c === "'" ? r.readString() : r.readName();
    r.expect(':');
    out.set(key.toLowerCase(), r.readValue());
  } while (r.eat(','));
  r.expect('}');
  return out;
}

function parseVectorIndex(r: CypherReader): { name: string; names: string[]; mode?: 'or' | 'and'; property: string; config: VectorIndexConfig } {
  const name = r.readName();
  r.expectKeywords('ON');
  const names: string[] = [];
  let mode: 'or' | 'and' | undefined;
  if (r.eat(':')) {
    names.push(r.readName());
    for (;;) {
      const sep = r.eat('|') ? 'or' : r.eat('&') ? 'and' : undefined;
      if (sep === undefined) break;
      if (mode !== undefined && mode !== sep) no();
      mode = sep;
      r.eat(':');
      names.push(r.readName());
    }
  }
  const property = parseParenName(r);
  r.expectKeywords('WITH', 'CONFIG');
  const c = readConfig(r);
  const num = (k: string, dflt?: number): number => {
    const v = c.get(k);
    if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
    if (v === undefined && dflt !== undefined) return dflt;
    return no();
  };
  const metric = c.get('metric');
  const scalar = c.get('scalar_kind');
  const config: VectorIndexConfig = {
    dimension: num('dimension'),
    metric: typeof metric === 'string' ? metric : 'l2sq',
    capacity: num('capacity'),
    resizeCoefficient: num('resize_coefficient', 2),
    ...(typeof scalar === 'string' ? { scalarKind: scalar } : {}),
  };
  return { name, names, ...(mode ? { mode } : {}), property, config };
}

const TYPE_WORDS: [string[], TypeConstraintType][] = [
  [['LOCAL', 'DATE', 'TIME'], 'LOCAL DATETIME'],
  [['LOCAL', 'DATETIME'], 'LOCAL DATETIME'],
  [['LOCAL', 'TIME'], 'LOCAL TIME'],
  [['ZONED', 'DATE', 'TIME'], 'ZONED DATETIME'],
  [['ZONED', 'DATETIME'], 'ZONED DATETIME'],
  [['STRING'], 'STRING'], [['BOOLEAN'], 'BOOLEAN'], [['BOOL'], 'BOOLEAN'], [['INTEGER'], 'INTEGER'],
  [['INT'], 'INTEGER'], [['FLOAT'], 'FLOAT'], [['LIST'], 'LIST'], [['MAP'], 'MAP'], [['DURATION'], 'DURATION'],
  [['DATE'], 'DATE'], [['ENUM'], 'ENUM'], [['POINT'], 'POINT'],
];

/** (u:`L`) ASSERT EXISTS (u.`p`) | ASSERT u.`a`, u.`b` IS UNIQUE | ASSERT u.`p` IS TYPED T */
function parseConstraint(r: CypherReader): SchemaItem {
  r.expect('(');
  const variable = r.readName();
  r.expect(':');
  const label = r.readName();
  r.expect(')');
  r.expectKeywords('ASSERT');
  const prop = (): string => {
    if (r.readName() !== variable) no();
    r.expect('.');
    return r.readName();
  };
  if (r.eatKeywords('EXISTS')) {
    r.expect('(');
    const property = prop();
    r.expect(')');
    return { kind: 'existenceConstraint', label, property };
  }
  const properties = [prop()];
  while (r.eat(',')) properties.push(prop());
  if (r.eatKeywords('IS', 'UNIQUE')) return { kind: 'uniqueConstraint', label, properties };
  if (properties.length === 1 && r.eatKeywords('IS', 'TYPED')) {
    for (const [words, type] of TYPE_WORDS) {
      if (r.eatKeywords(...words)) return { kind: 'typeConstraint', label, property: properties[0] as string, type };
    }
  }
  return no();
}

// ---------------------------------------------------------------- MATCH ...

function parseMatch(r: CypherReader): DumpStatement | undefined {
  if (r.eat('(')) {
    const u = r.readName();
    if (r.eat(')')) return parseCleanup(r, u);
    r.expect(':');
    if (r.readName() !== INTERNAL_LABEL) no();
    r.expect(')');
    r.expect(',');
    r.expect('(');
    const v = r.readName();
    r.expect(':');
    if (r.readName() !== INTERNAL_LABEL) no();
    r.expect(')');
    r.expectKeywords('WHERE');
    const idOf = (variable: string): Value => {
      if (r.readName() !== variable) no();
      r.expect('.');
      if (r.readName() !== INTERNAL_PROPERTY) no();
      r.expect('=');
      return r.readValue();
    };
    const from = idOf(u);
    r.expectKeywords('AND');
    const to = idOf(v);
    r.expectKeywords('CREATE');
    r.expect('(');
    if (r.readName() !== u) no();
    r.expect(')');
    r.expect('-');
    r.expect('[');
    r.expect(':');
    const type = r.readName();
    const props = r.peek() === '{' ? r.readMap() : new Map<string, Value>();
    r.expect(']');
    r.expect('->');
    r.expect('(');
    if (r.readName() !== v) no();
    r.expect(')');
    return { kind: 'edge', from, to, type, props };
  }
  return undefined;
}

function parseCleanup(r: CypherReader, u: string): DumpStatement {
  r.expectKeywords('REMOVE');
  if (r.readName() !== u) no();
  r.expect(':');
  if (r.readName() !== INTERNAL_LABEL) no();
  r.expect(',');
  if (r.readName() !== u) no();
  r.expect('.');
  if (r.readName() !== INTERNAL_PROPERTY) no();
  return { kind: 'cleanup' };
}

// ---------------------------------------------------------------- TTL, descriptions

function parseTtl(r: CypherReader): SchemaItem {
  let period: string | undefined;
  let startTime: string | undefined;
  if (r.eatKeywords('EVERY')) period = r.readString();
  if (r.eatKeywords('AT')) startTime = r.readString();
  return { kind: 'ttl', ...(period !== undefined ? { period } : {}), ...(startTime !== undefined ? { startTime } : {}) };
}

function labelsUntil(r: CypherReader, stop: string): string[] {
  const labels: string[] = [];
  while (r.peek() !== stop) {
    r.expect(':');
    labels.push(r.readName());
  }
  return labels;
}

/** `(:A)-[:T]->(:B)` */
function parsePattern(r: CypherReader): { from: string[]; edgeType: string; to: string[] } {
  r.expect('(');
  const from = labelsUntil(r, ')');
  r.expect(')');
  r.expect('-');
  r.expect('[');
  r.expect(':');
  const edgeType = r.readName();
  r.expect(']');
  r.expect('->');
  r.expect('(');
  const to = labelsUntil(r, ')');
  r.expect(')');
  return { from, edgeType, to };
}

function parseDescription(r: CypherReader): DumpStatement {
  let target: DescriptionTarget;
  if (r.eatKeywords('DATABASE')) {
    target = { on: 'database', name: r.readName() };
  } else if (r.eatKeywords('LABEL', 'PROPERTY')) {
    const labels = labelsUntil(r, '(');
    target = { on: 'labelProperty', labels, property: parseParenName(r) };
  } else if (r.eatKeywords('LABEL')) {
    const labels: string[] = [];
    while (r.eat(':')) labels.push(r.readName());
    target = { on: 'label', labels };
  } else if (r.eatKeywords('EDGE', 'TYPE', 'PROPERTY')) {
    if (r.eat(':')) {
      const edgeType = r.readName();
      target = { on: 'edgeTypeProperty', edgeType, property: parseParenName(r) };
    } else {
      const p = parsePattern(r);
      target = { on: 'edgeTypeProperty', edgeType: p.edgeType, property: parseParenName(r), from: p.from, to: p.to };
    }
  } else if (r.eatKeywords('EDGE', 'TYPE')) {
    if (r.eat(':')) target = { on: 'edgeType', edgeType: r.readName() };
    else {
      const p = parsePattern(r);
      target = { on: 'edgeType', edgeType: p.edgeType, from: p.from, to: p.to };
    }
  } else if (r.eatKeywords('PROPERTY')) {
    const property = r.readName();
    target = r.eatKeywords('VALUE') ? { on: 'propertyValue', property, value: r.readValue() } : { on: 'property', property };
  } else {
    return no();
  }
  return schema({ kind: 'description', target, text: r.readString() });
}
