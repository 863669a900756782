// Payload of one WAL delta (research doc §5.3), version-gated through the feature ladder.
import type { PropertyPath, SchemaItem, VectorIndexConfig } from '../graph/model.js';
import { DEFAULT_SCALAR_KIND, Marker, TYPE_CONSTRAINT_KINDS } from './markers.js';
import { readValue, type ValueContext } from './property-value.js';
import type { Reader } from './reader.js';
import { readDescriptionTarget, scalarKindName } from './snapshot-schema.js';
import type { TtlAction, WalOp } from './wal-types.js';
import type { Features } from './versions.js';

function strings(r: Reader, what: string): string[] {
  const out: string[] = [];
  for (let i = 0, n = r.count(what, 9); i < n; i++) out.push(r.string(what));
  return out;
}

function paths(r: Reader, f: Features): PropertyPath[] {
  if (!f.compositeIndices) return [[r.string('property')]];
  if (!f.nestedIndices) return strings(r, 'property').map((p) => [p]);
  const out: PropertyPath[] = [];
  for (let i = 0, n = r.count('index paths', 9); i < n; i++) out.push(strings(r, 'index path'));
  return out;
}

function vectorCreate(r: Reader, f: Features, edge: boolean): WalOp {
  const name = r.string('vector index name');
  let ids: string[];
  let mode = 0;
  if (f.vectorMultiLabel) {
    const at = r.pos;
    mode = r.num('vector filter mode');
    if (mode > 3) r.fail(`unknown vector filter mode ${mode}`, at);
    ids = strings(r, 'vector filter');
  } else {
    ids = [r.string(edge ? 'edge type' : 'label')];
  }
  const property = r.string('property');
  const metric = r.string('metric');
  const dimension = r.num('dimension');
  const resizeCoefficient = r.num('resize coefficient');
  const capacity = r.num('capacity');
  const at = r.pos;
  const code = edge || f.vectorScalarKind ? r.num('scalar kind') : DEFAULT_SCALAR_KIND;
  const config: VectorIndexConfig = { dimension, metric, capacity, resizeCoefficient, scalarKind: scalarKindName(r, code, at) };
  const filter = mode === 1 ? [] : ids;
  let item: SchemaItem;
  if (edge) {
    item = { kind: 'vectorEdgeIndex', name, edgeTypes: filter, property, config };
    if (mode === 2) item.edgeTypeMode = 'or';
  } else {
    item = { kind: 'vectorIndex', name, labels: filter, property, config };
    if (mode === 2) item.labelMode = 'or';
    if (mode === 3) item.labelMode = 'and';
  }
  return { op: 'schemaCreate', item };
}

const TTL_ACTIONS: readonly TtlAction[] = ['enable', 'disable', 'configure', 'stop'];

/** Reads the payload after delta marker `m`; returns undefined for start/end frames (handled by the caller). */
export function readDeltaOp(r: Reader, m: number, f: Features, ctx: ValueContext, at: number): WalOp {
  const create = (item: SchemaItem): WalOp => ({ op: 'schemaCreate', item });
  const drop = (item: SchemaItem): WalOp => ({ op: 'schemaDrop', item });
  switch (m) {
    case Marker.DELTA_VERTEX_CREATE: return { op: 'vertexCreate', gid: r.uint('gid') };
    case Marker.DELTA_VERTEX_DELETE: return { op: 'vertexDelete', gid: r.uint('gid') };
    case Marker.DELTA_VERTEX_ADD_LABEL: return { op: 'vertexAddLabel', gid: r.uint('gid'), label: r.string('label') };
    case Marker.DELTA_VERTEX_REMOVE_LABEL: return { op: 'vertexRemoveLabel', gid: r.uint('gid'), label: r.string('label') };
    case Marker.DELTA_VERTEX_SET_PROPERTY:
      return { op: 'vertexSetProperty', gid: r.uint('gid'), property: r.string('property'), value: readValue(r, ctx) };
    case Marker.DELTA_EDGE_CREATE: case Marker.DELTA_EDGE_DELETE: {
      const gid = r.uint('edge gid');
      const edgeType = r.string('edge type');
      const from = r.uint('from gid');
      const to = r.uint('to gid');
      return { op: m === Marker.DELTA_EDGE_CREATE ? 'edgeCreate' : 'edgeDelete', gid, edgeType, from, to };
    }
    case Marker.DELTA_EDGE_SET_PROPERTY: {
      const op: WalOp = { op: 'edgeSetProperty', gid: r.uint('edge gid'), property: r.string('property'), value: readValue(r, ctx) };
      if (f.edgeSetWithFrom) op.from = r.uint('from gid');
      if (f.extendedEdgeSet) {
        op.to = r.uint('to gid');
        op.edgeType = r.string('edge type');
      }
      return op;
    }
    case Marker.DELTA_LABEL_INDEX_CREATE: return create({ kind: 'labelIndex', label: r.string('label') });
    case Marker.DELTA_LABEL_INDEX_DROP: return drop({ kind: 'labelIndex', label: r.string('label') });
    case Marker.DELTA_LABEL_PROPERTIES_INDEX_CREATE: case Marker.DELTA_LABEL_PROPERTIES_INDEX_DROP: {
      const label = r.string('label');
      const properties = paths(r, f);
      const item: SchemaItem = { kind: 'labelPropertyIndex', label, properties };
      if (f.descIndices) {
        const oAt = r.pos;
        const order = r.num('index order');
        if (order > 1) r.fail(`unknown index order ${order}`, oAt);
        if (order === 1) item.descending = true;
      }
      return m === Marker.DELTA_LABEL_PROPERTIES_INDEX_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_EXISTENCE_CONSTRAINT_CREATE: case Marker.DELTA_EXISTENCE_CONSTRAINT_DROP: {
      const item: SchemaItem = { kind: 'existenceConstraint', label: r.string('label'), property: r.string('property') };
      return m === Marker.DELTA_EXISTENCE_CONSTRAINT_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_UNIQUE_CONSTRAINT_CREATE: case Marker.DELTA_UNIQUE_CONSTRAINT_DROP: {
      const item: SchemaItem = { kind: 'uniqueConstraint', label: r.string('label'), properties: strings(r, 'property') };
      return m === Marker.DELTA_UNIQUE_CONSTRAINT_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_LABEL_INDEX_STATS_SET: r.string('label'); r.string('statistics'); return { op: 'statistics', marker: m };
    case Marker.DELTA_LABEL_INDEX_STATS_CLEAR: r.string('label'); return { op: 'statistics', marker: m };
    case Marker.DELTA_LABEL_PROPERTIES_INDEX_STATS_SET: r.string('label'); paths(r, f); r.string('statistics'); return { op: 'statistics', marker: m };
    case Marker.DELTA_LABEL_PROPERTIES_INDEX_STATS_CLEAR: r.string('label'); return { op: 'statistics', marker: m };
    case Marker.DELTA_EDGE_INDEX_CREATE: return create({ kind: 'edgeTypeIndex', edgeType: r.string('edge type') });
    case Marker.DELTA_EDGE_INDEX_DROP: return drop({ kind: 'edgeTypeIndex', edgeType: r.string('edge type') });
    case Marker.DELTA_TEXT_INDEX_CREATE: {
      const name = r.string('text index name');
      const label = r.string('label');
      return create({ kind: 'textIndex', name, label, properties: f.textIndexProperties ? strings(r, 'property') : [] });
    }
    case Marker.DELTA_TEXT_INDEX_DROP: {
      const name = r.string('text index name');
      if (!f.textIndexProperties) r.string('label');
      return { op: 'textIndexDrop', name };
    }
    case Marker.DELTA_ENUM_CREATE: return { op: 'enumCreate', name: r.string('enum name'), values: strings(r, 'enum value') };
    case Marker.DELTA_ENUM_ALTER_ADD: return { op: 'enumAddValue', name: r.string('enum name'), value: r.string('enum value') };
    case Marker.DELTA_ENUM_ALTER_UPDATE:
      return { op: 'enumUpdateValue', name: r.string('enum name'), oldValue: r.string('enum value'), newValue: r.string('enum value') };
    case Marker.DELTA_EDGE_PROPERTY_INDEX_CREATE: case Marker.DELTA_EDGE_PROPERTY_INDEX_DROP: {
      const item: SchemaItem = { kind: 'edgeTypePropertyIndex', edgeType: r.string('edge type'), property: r.string('property') };
      return m === Marker.DELTA_EDGE_PROPERTY_INDEX_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_POINT_INDEX_CREATE: case Marker.DELTA_POINT_INDEX_DROP: {
      const item: SchemaItem = { kind: 'pointIndex', label: r.string('label'), property: r.string('property') };
      return m === Marker.DELTA_POINT_INDEX_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_TYPE_CONSTRAINT_CREATE: case Marker.DELTA_TYPE_CONSTRAINT_DROP: {
      const label = r.string('label');
      const property = r.string('property');
      const kAt = r.pos;
      const k = r.num('type constraint kind');
      const type = TYPE_CONSTRAINT_KINDS[k] ?? r.fail(`unknown type constraint kind ${k}`, kAt);
      const item: SchemaItem = { kind: 'typeConstraint', label, property, type };
      return m === Marker.DELTA_TYPE_CONSTRAINT_CREATE ? create(item) : drop(item);
    }
    case Marker.DELTA_VECTOR_INDEX_CREATE: return vectorCreate(r, f, false);
    case Marker.DELTA_VECTOR_EDGE_INDEX_CREATE: return vectorCreate(r, f, true);
    case Marker.DELTA_VECTOR_INDEX_DROP: return { op: 'vectorIndexDrop', name: r.string('vector index name') };
    case Marker.DELTA_GLOBAL_EDGE_PROPERTY_INDEX_CREATE: return create({ kind: 'globalEdgeIndex', property: r.string('property') });
    case Marker.DELTA_GLOBAL_EDGE_PROPERTY_INDEX_DROP: return drop({ kind: 'globalEdgeIndex', property: r.string('property') });
    case Marker.DELTA_GLOBAL_VERTEX_PROPERTY_INDEX_CREATE: return create({ kind: 'globalIndex', property: r.string('property') });
    case Marker.DELTA_GLOBAL_VERTEX_PROPERTY_INDEX_DROP: return drop({ kind: 'globalIndex', property: r.string('property') });
    case Marker.DELTA_TEXT_EDGE_INDEX_CREATE:
      return create({ kind: 'textEdgeIndex', name: r.string('text index name'), edgeType: r.string('edge type'), properties: strings(r, 'property') });
    case Marker.DELTA_TTL_OPERATION: {
      const aAt = r.pos;
      const action = TTL_ACTIONS[r.num('ttl operation')] ?? r.fail('unknown ttl operation', aAt);
      const op: WalOp = { op: 'ttl', action, edges: false };
      if (r.bool('ttl has period')) op.periodMicros = r.uint('ttl period');
      if (r.bool('ttl has start')) op.startMicros = r.uint('ttl start');
      op.edges = r.bool('ttl on edges');
      return op;
    }
    case Marker.DELTA_DESCRIPTION_SET: {
      const target = readDescriptionTarget(r, ctx);
      return { op: 'descriptionSet', target, text: r.string('description') };
    }
    case Marker.DELTA_DESCRIPTION_DELETE: return { op: 'descriptionDelete', target: readDescriptionTarget(r, ctx) };
    default:
      return r.fail(`unknown wal delta type 0x${m.toString(16)}`, at);
  }
}
