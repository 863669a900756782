// The graph model shared by everything that reads or writes graph content: the durability decoder
// (snapshot/WAL -> Graph), the DUMP renderer (Graph -> Cypher), the dump-statement parser and the
// test stand-in's storage. Ordering rules that DUMP relies on (labels and properties in internal-id
// order) are kept by array/Map insertion order; see src/cypher/ for the rendering rules.
import type { PropertyMap, Value } from './value.js';

export interface Vertex {
  /** Memgraph's internal gid, printed as __mg_id__. */
  gid: bigint;
  labels: string[];
  props: PropertyMap;
}

export interface Edge {
  gid: bigint;
  from: bigint;
  to: bigint;
  type: string;
  props: PropertyMap;
}

/** A property path: ['a'] for a plain property, ['a','b','c'] for a nested one (`a`.`b`.`c`). */
export type PropertyPath = string[];

export type TypeConstraintType =
  | 'STRING' | 'BOOLEAN' | 'INTEGER' | 'FLOAT' | 'LIST' | 'MAP' | 'DURATION' | 'DATE' | 'LOCAL TIME'
  | 'LOCAL DATETIME' | 'ZONED DATETIME' | 'ENUM' | 'POINT';

/** Vector index config as DUMP prints it: dimension, metric, capacity, resize_coefficient, scalar_kind. */
export interface VectorIndexConfig {
  dimension: number;
  metric: string;
  capacity: number;
  resizeCoefficient: number;
  scalarKind?: string;
}

export type SchemaItem =
  | { kind: 'enum'; name: string; values: string[] }
  | { kind: 'labelIndex'; label: string }
  | { kind: 'labelPropertyIndex'; label: string; properties: PropertyPath[]; descending?: boolean }
  | { kind: 'textIndex'; name: string; label: string; properties: string[] }
  | { kind: 'textEdgeIndex'; name: string; edgeType: string; properties: string[] }
  | { kind: 'pointIndex'; label: string; property: string }
  /** labels: one label, or several joined by '|' (any) or '&' (all); [] means every label (wildcard). */
  | { kind: 'vectorIndex'; name: string; labels: string[]; labelMode?: 'or' | 'and'; property: string; config: VectorIndexConfig }
  | { kind: 'vectorEdgeIndex'; name: string; edgeTypes: string[]; edgeTypeMode?: 'or'; property: string; config: VectorIndexConfig }
  | { kind: 'globalIndex'; property: string }
  | { kind: 'edgeTypeIndex'; edgeType: string }
  | { kind: 'edgeTypePropertyIndex'; edgeType: string; property: string }
  | { kind: 'globalEdgeIndex'; property: string }
  | { kind: 'existenceConstraint'; label: string; property: string }
  | { kind: 'uniqueConstraint'; label: string; properties: string[] }
  | { kind: 'typeConstraint'; label: string; property: string; type: TypeConstraintType }
  | { kind: 'ttl'; period?: string; startTime?: string }
  | { kind: 'description'; target: DescriptionTarget; text: string }
  /** statement: the whole `CREATE TRIGGER ...` text as DUMP prints it, without the trailing `;`. */
  | { kind: 'trigger'; statement: string };

/** SET DESCRIPTION targets as DUMP prints them (dump.cpp CreateDescriptionsPullChunk). An edge type with
 *  from/to set is the pattern form `(:A)-[:T]->(:B)`; `name` of a database defaults to the current one. */
export type DescriptionTarget =
  | { on: 'database'; name?: string }
  | { on: 'label'; labels: string[] }
  | { on: 'edgeType'; edgeType: string; from?: string[]; to?: string[] }
  | { on: 'labelProperty'; labels: string[]; property: string }
  | { on: 'edgeTypeProperty'; edgeType: string; property: string; from?: string[]; to?: string[] }
  | { on: 'property'; property: string }
  | { on: 'propertyValue'; property: string; value: Value };

export interface Graph {
  vertices: Map<bigint, Vertex>;
  edges: Map<bigint, Edge>;
  schema: SchemaItem[];
}

export function emptyGraph(): Graph {
  return { vertices: new Map(), edges: new Map(), schema: [] };
}
