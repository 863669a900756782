// Snapshot decoding into one Graph (research doc §3): header and metadata, the mapper and enums (needed
// to read values), the schema sections, then edges and vertices, each reached through the offsets
// table. The pieces are shared with openSnapshot (snapshot-stream.ts), which streams the records.
import type { Edge, Graph, Vertex } from '../graph/model.js';
import type { PropertyMap } from '../graph/value.js';
import { asSource, type ByteSource } from './byte-source.js';
import type { EnumDef } from './enums.js';
import { Marker } from './markers.js';
import { Reader } from './reader.js';
import type { SnapshotInfo } from './snapshot-header.js';
import { SnapshotParts } from './snapshot-stream.js';

export interface SnapshotContents {
  info: SnapshotInfo;
  graph: Graph;
  /** Names in the order Memgraph's recovery assigns them ids (mapper list order). */
  names: string[];
  enums: EnumDef[];
  epochHistory: { epochId: string; lastDurableTimestamp: bigint }[];
}

export function decodeSnapshot(input: ByteSource | Uint8Array): SnapshotContents {
  const r = new Reader(asSource(input));
  const parts = new SnapshotParts(r);
  const { info } = parts;

  const edgeProps = new Map<bigint, PropertyMap>();
  if (info.propertiesOnEdges) {
    r.seek(info.offsets.edges!, 'edges');
    for (let i = 0n; i < info.edgeRecordCount; i++) {
      r.expect(Marker.SECTION_EDGE, 'edge record');
      const gid = r.uint('edge gid');
      parts.current = gid;
      edgeProps.set(gid, parts.readProps(r));
    }
  }

  const vertices = new Map<bigint, Vertex>();
  const edges = new Map<bigint, Edge>();
  r.seek(info.offsets.vertices!, 'vertices');
  for (let i = 0n; i < info.vertexCount; i++) {
    const v = parts.readVertex(r, (gid, from, to, type) => {
      const ep = edgeProps.get(gid);
      if (ep !== undefined) edgeProps.delete(gid);
      edges.set(gid, { gid, from, to, type, props: ep ?? new Map() });
    });
    vertices.set(v.gid, v);
  }
  return { info, graph: { vertices, edges, schema: parts.schema }, names: parts.names, enums: parts.enums, epochHistory: parts.epochHistory };
}
