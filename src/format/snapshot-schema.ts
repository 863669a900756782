// The schema sections of a snapshot (research doc §3.9–3.13): indices, edge/point/vector/text indices,
// constraints, TTL and descriptions, turned into the model's SchemaItems. Statistics are read past.
import type { DescriptionTarget, PropertyPath, SchemaItem, VectorIndexConfig } from '../graph/model.js';
import { DEFAULT_SCALAR_KIND, Marker, SCALAR_KINDS, TYPE_CONSTRAINT_KINDS } from './markers.js';
import { readValue, type ValueContext } from './property-value.js';
import type { Reader } from './reader.js';
import type { SnapshotInfo } from './snapshot-header.js';
import { featuresOf } from './versions.js';

export type SnapshotNames = (id: number, offset: number) => string;

function name(r: Reader, names: SnapshotNames, what: string): string {
  const at = r.pos;
  return names(r.num(what), at);
}

function list<T>(r: Reader, what: string, minBytes: number, item: () => T): T[] {
  const out: T[] = [];
  for (let i = 0, n = r.count(what, minBytes); i < n; i++) out.push(item());
  return out;
}

/** PROPS of a label-property index: one property (≤23), a composite list (24), or paths (≥25). */
function readProps(r: Reader, version: number, names: SnapshotNames): PropertyPath[] {
  const f = featuresOf(version);
  if (!f.compositeIndices) return [[name(r, names, 'property id')]];
  if (!f.nestedIndices) return list(r, 'index properties', 9, () => [name(r, names, 'property id')]);
  return list(r, 'index paths', 9, () => list(r, 'index path', 9, () => name(r, names, 'property id')));
}

export function scalarKindName(r: Reader, code: number, at: number): string {
  return SCALAR_KINDS.get(code) ?? r.fail(`unknown vector scalar kind ${code}`, at);
}

export function readIndices(r: Reader, info: SnapshotInfo, names: SnapshotNames, schema: SchemaItem[]): void {
  const { version } = info;
  const f = featuresOf(version);
  r.seek(info.offsets.indices!, 'indices');
  r.expect(Marker.SECTION_INDICES, 'indices section');
  for (const label of list(r, 'label indices', 9, () => name(r, names, 'label id'))) schema.push({ kind: 'labelIndex', label });
  if (f.indexStats) {
    list(r, 'label index statistics', 27, () => (r.uint('label id'), r.uint('count'), r.double('average degree')));
  }
  for (const [label, properties] of list(r, 'label-property indices', 18, () => [name(r, names, 'label id'), readProps(r, version, names)] as const)) {
    schema.push({ kind: 'labelPropertyIndex', label, properties });
  }
  if (f.descIndices) {
    for (const [label, properties] of list(r, 'descending label-property indices', 18, () => [name(r, names, 'label id'), readProps(r, version, names)] as const)) {
      schema.push({ kind: 'labelPropertyIndex', label, properties, descending: true });
    }
  }
  if (f.indexStats) {
    list(r, 'label-property index statistics', 54, () => {
      r.uint('label id');
      readProps(r, version, names);
      r.uint('count');
      r.uint('distinct values');
      r.double('statistic');
      r.double('average group size');
      r.double('average degree');
    });
  }
}

type Filter = { ids: string[]; mode: 'single' | 'wildcard' | 'or' | 'and' };

function readVector(
  r: Reader, version: number, names: SnapshotNames, edge: boolean,
  entries: Map<string, Map<bigint, number[]>>,
): { name: string; filter: Filter; property: string; config: VectorIndexConfig } {
  const f = featuresOf(version);
  const indexName = r.string('vector index name');
  let filter: Filter;
  if (f.vectorMultiLabel) {
    const at = r.pos;
    const mode = r.num('vector filter mode');
    const ids = list(r, 'vector filter', 9, () => name(r, names, 'filter id'));
    const m = (['single', 'wildcard', 'or', 'and'] as const)[mode];
    if (m === undefined) r.fail(`unknown vector filter mode ${mode}`, at);
    filter = { ids, mode: m };
  } else {
    filter = { ids: [name(r, names, edge ? 'edge type id' : 'label id')], mode: 'single' };
  }
  const property = name(r, names, 'property id');
  const metric = r.string('metric');
  const dimension = r.num('dimension');
  const resizeCoefficient = r.num('resize coefficient');
  const capacity = r.num('capacity');
  let scalar = DEFAULT_SCALAR_KIND;
  const at = r.pos;
  if (edge || f.vectorScalarKind) scalar = r.num('scalar kind');
  const scalarKind = scalarKindName(r, scalar, at);
  if (edge ? f.vectorEdgeEntries : f.vectorNodeEntries) {
    const byGid = new Map<bigint, number[]>();
    for (let i = 0, n = r.count('vector index entries', 9 + 9 * dimension); i < n; i++) {
      const gid = r.uint('gid');
      const v: number[] = new Array(dimension);
      for (let j = 0; j < dimension; j++) v[j] = r.double('vector component');
      byGid.set(gid, v);
    }
    entries.set(indexName, byGid);
  }
  return { name: indexName, filter, property, config: { dimension, metric, capacity, resizeCoefficient, scalarKind } };
}

function parseEdgeIndices(
  r: Reader, info: SnapshotInfo, names: SnapshotNames, globalVertexList: boolean,
): { items: SchemaItem[]; entries: Map<string, Map<bigint, number[]>> } {
  const { version } = info;
  const f = featuresOf(version);
  const items: SchemaItem[] = [];
  const entries = new Map<string, Map<bigint, number[]>>();
  r.seek(info.offsets.edgeIndices!, 'edge indices');
  r.expect(Marker.SECTION_EDGE_INDICES, 'edge indices section');
  for (const edgeType of list(r, 'edge-type indices', 9, () => name(r, names, 'edge type id'))) items.push({ kind: 'edgeTypeIndex', edgeType });
  if (f.edgeTypePropertyIndex) {
    for (const [edgeType, property] of list(r, 'edge-type property indices', 18, () => [name(r, names, 'edge type id'), name(r, names, 'property id')] as const)) {
      items.push({ kind: 'edgeTypePropertyIndex', edgeType, property });
    }
  }
  if (f.globalEdgePropertyIndex) {
    for (const property of list(r, 'global edge indices', 9, () => name(r, names, 'property id'))) items.push({ kind: 'globalEdgeIndex', property });
  }
  if (globalVertexList) {
    for (const property of list(r, 'global indices', 9, () => name(r, names, 'property id'))) items.push({ kind: 'globalIndex', property });
  }
  if (f.pointIndexAndTypeConstraints) {
    for (const [label, property] of list(r, 'point indices', 18, () => [name(r, names, 'label id'), name(r, names, 'property id')] as const)) {
      items.push({ kind: 'pointIndex', label, property });
    }
  }
  if (f.vectorIndex) {
    for (const v of list(r, 'vector indices', 40, () => readVector(r, version, names, false, entries))) {
      const labels = v.filter.mode === 'wildcard' ? [] : v.filter.ids;
      const item: SchemaItem = { kind: 'vectorIndex', name: v.name, labels, property: v.property, config: v.config };
      if (v.filter.mode === 'or' || v.filter.mode === 'and') item.labelMode = v.filter.mode;
      items.push(item);
    }
  }
  if (f.vectorEdgeIndex) {
    for (const v of list(r, 'vector edge indices', 40, () => readVector(r, version, names, true, entries))) {
      const edgeTypes = v.filter.mode === 'wildcard' ? [] : v.filter.ids;
      const item: SchemaItem = { kind: 'vectorEdgeIndex', name: v.name, edgeTypes, property: v.property, config: v.config };
      if (v.filter.mode === 'or') item.edgeTypeMode = 'or';
      items.push(item);
    }
  }
  // Text index counts are optional: writers without the text-search experiment omitted them.
  if (r.peek() === Marker.TYPE_INT) {
    for (const t of list(r, 'text indices', 18, () => ({
      name: r.string('text index name'),
      label: name(r, names, 'label id'),
      properties: f.textIndexProperties ? list(r, 'text index properties', 9, () => name(r, names, 'property id')) : [],
    }))) items.push({ kind: 'textIndex', ...t });
  }
  if (f.textEdgeIndex && r.peek() === Marker.TYPE_INT) {
    for (const t of list(r, 'text edge indices', 27, () => ({
      name: r.string('text index name'),
      edgeType: name(r, names, 'edge type id'),
      properties: list(r, 'text index properties', 9, () => name(r, names, 'property id')),
    }))) items.push({ kind: 'textEdgeIndex', ...t });
  }
  return { items, entries };
}

/**
 * v37 dev builds wrote two layouts under one number (trap T12): try the one with the global
 * vertex-property list and accept it only if it ends exactly where the constraints section starts.
 */
export function readEdgeIndices(r: Reader, info: SnapshotInfo, names: SnapshotNames, schema: SchemaItem[]): Map<string, Map<bigint, number[]>> {
  const f = featuresOf(info.version);
  const end = info.offsets.constraints!;
  let parsed;
  if (f.globalVertexPropertyIndex) {
    try {
      parsed = parseEdgeIndices(r, info, names, true);
      if (r.pos !== end) parsed = undefined;
    } catch {
      parsed = undefined;
    }
  }
  parsed ??= parseEdgeIndices(r, info, names, false);
  schema.push(...parsed.items);
  return parsed.entries;
}

/** rank: Memgraph's in-memory id order of a name; unique constraints keep their properties in a set by id. */
export function readConstraints(
  r: Reader, info: SnapshotInfo, names: SnapshotNames, schema: SchemaItem[], rank: (name: string) => number,
): void {
  const f = featuresOf(info.version);
  r.seek(info.offsets.constraints!, 'constraints');
  r.expect(Marker.SECTION_CONSTRAINTS, 'constraints section');
  for (const [label, property] of list(r, 'existence constraints', 18, () => [name(r, names, 'label id'), name(r, names, 'property id')] as const)) {
    schema.push({ kind: 'existenceConstraint', label, property });
  }
  for (const [label, properties] of list(r, 'unique constraints', 18, () => [name(r, names, 'label id'), list(r, 'unique properties', 9, () => name(r, names, 'property id'))] as const)) {
    schema.push({ kind: 'uniqueConstraint', label, properties: properties.sort((a, b) => rank(a) - rank(b)) });
  }
  if (f.pointIndexAndTypeConstraints) {
    for (const c of list(r, 'type constraints', 27, () => {
      const label = name(r, names, 'label id');
      const property = name(r, names, 'property id');
      const kindAt = r.pos;
      const kind = r.num('type constraint kind');
      const type = TYPE_CONSTRAINT_KINDS[kind] ?? r.fail(`unknown type constraint kind ${kind}`, kindAt);
      return { kind: 'typeConstraint', label, property, type } as const;
    })) schema.push(c);
  }
}

/** Period µs -> whole seconds; start -> UTC time of day (ttl.cpp StringifyStartTime). */
export function ttlItem(periodMicros: bigint | undefined, startMicros: bigint | undefined): SchemaItem {
  const item: SchemaItem = { kind: 'ttl' };
  if (periodMicros !== undefined) item.period = `${periodMicros / 1_000_000n}s`;
  if (startMicros !== undefined) {
    const day = 86_400n;
    const secs = ((startMicros / 1_000_000n) % day + day) % day;
    const two = (n: bigint): string => n.toString().padStart(2, '0');
    item.startTime = `${two(secs / 3600n)}:${two((secs / 60n) % 60n)}:${two(secs % 60n)}`;
  }
  return item;
}

export function readTtl(r: Reader, info: SnapshotInfo, schema: SchemaItem[]): void {
  r.seek(info.offsets.ttl!, 'ttl');
  r.expect(Marker.SECTION_TTL, 'ttl section');
  if (!r.bool('ttl enabled')) return;
  r.bool('ttl running');
  const period = r.bool('ttl has period') ? r.uint('ttl period') : undefined;
  const startNs = r.bool('ttl has start') ? r.uint('ttl start time') : undefined;
  r.bool('ttl on edges');
  schema.push(ttlItem(period, startNs === undefined ? undefined : startNs / 1000n));
}

/** Description target fields (names, not ids) shared by the snapshot section and WAL deltas. */
export function readDescriptionTarget(r: Reader, ctx: ValueContext): DescriptionTarget {
  const at = r.pos;
  const kind = r.num('description kind');
  const strings = (what: string): string[] => list(r, what, 9, () => r.string(what));
  switch (kind) {
    case 0: return { on: 'database' };
    case 1: return { on: 'label', labels: strings('label') };
    case 2: return { on: 'edgeType', edgeType: r.string('edge type') };
    case 3: return { on: 'labelProperty', labels: strings('label'), property: r.string('property') };
    case 4: return { on: 'edgeTypeProperty', edgeType: r.string('edge type'), property: r.string('property') };
    case 5: return { on: 'property', property: r.string('property') };
    case 6: case 7: {
      const from = strings('from label');
      const edgeType = r.string('edge type');
      const to = strings('to label');
      if (kind === 6) return { on: 'edgeType', edgeType, from, to };
      return { on: 'edgeTypeProperty', edgeType, from, to, property: r.string('property') };
    }
    case 8: return { on: 'propertyValue', property: r.string('property'), value: readValue(r, ctx) };
    default: return r.fail(`unknown description kind ${kind}`, at);
  }
}

export function readDescriptions(r: Reader, info: SnapshotInfo, ctx: ValueContext, schema: SchemaItem[]): void {
  r.seek(info.offsets.descriptions!, 'descriptions');
  r.expect(Marker.SECTION_DESCRIPTIONS, 'descriptions section');
  for (let i = 0, n = r.count('descriptions', 18); i < n; i++) {
    const target = readDescriptionTarget(r, ctx);
    schema.push({ kind: 'description', target, text: r.string('description') });
  }
}
