// Snapshot header, offsets table and metadata: the cheap part of a snapshot that inspect and the
// backup manifest read without touching the graph sections.
import { CorruptFileError } from '../errors/errors.js';
import { asSource, type ByteSource } from './byte-source.js';
import { readFileHeader } from './file-header.js';
import { Marker } from './markers.js';
import { Reader } from './reader.js';
import { featuresOf } from './versions.js';

export const SNAPSHOT_SECTIONS = [
  'edges', 'vertices', 'indices', 'edgeIndices', 'constraints', 'mapper', 'enums', 'epochHistory', 'metadata',
  'edgeBatches', 'vertexBatches', 'ttl', 'descriptions',
] as const;
export type SnapshotSection = (typeof SNAPSHOT_SECTIONS)[number];

export interface SnapshotInfo {
  kind: 'snapshot';
  version: number;
  uuid: string;
  epochId: string;
  startTimestamp: bigint;
  /** Cut-off for WAL replay; equals startTimestamp before v23. */
  durableTimestamp: bigint;
  /** Number of edge records (0 when properties on edges are disabled). */
  edgeRecordCount: bigint;
  vertexCount: bigint;
  committedTransactions: bigint | undefined;
  propertiesOnEdges: boolean;
  /** Absolute section offsets; a section the version lacks is absent. */
  offsets: Partial<Record<SnapshotSection, number>>;
  size: number;
}

function sectionsOf(version: number): SnapshotSection[] {
  const f = featuresOf(version);
  return SNAPSHOT_SECTIONS.filter((s) => {
    switch (s) {
      case 'edgeIndices': return f.edgeIndices;
      case 'enums': return f.enums;
      case 'edgeBatches': case 'vertexBatches': return f.batches;
      case 'ttl': return f.ttl;
      case 'descriptions': return f.descriptions;
      default: return true;
    }
  });
}

export function readSnapshotInfo(r: Reader): SnapshotInfo {
  const { kind, version } = readFileHeader(r.source);
  if (kind !== 'snapshot') throw new CorruptFileError('not a snapshot file (magic "MGwl" is a WAL)', 0);
  const f = featuresOf(version);
  r.seek(12, 'header');
  r.expect(Marker.SECTION_OFFSETS, 'offsets table');
  const offsets: Partial<Record<SnapshotSection, number>> = {};
  for (const s of sectionsOf(version)) {
    const at = r.pos;
    const off = r.num(`${s} offset`);
    if (off > r.source.size || (off === 0 && s !== 'edges')) {
      r.fail(`${s} section offset ${off} is invalid (incomplete snapshot?)`, at);
    }
    offsets[s] = off;
  }
  r.seek(offsets.metadata!, 'metadata');
  r.expect(Marker.SECTION_METADATA, 'metadata section');
  const uuid = r.string('storage uuid');
  const epochId = r.string('epoch id');
  const startTimestamp = r.uint('start timestamp');
  const durableTimestamp = f.durableTimestamp ? r.uint('durable timestamp') : startTimestamp;
  const edgeRecordCount = r.uint('edge count');
  const vertexCount = r.uint('vertex count');
  const committedTransactions = f.committedTxnCount ? r.uint('committed transaction count') : undefined;
  return {
    kind: 'snapshot', version, uuid, epochId, startTimestamp, durableTimestamp, edgeRecordCount, vertexCount,
    committedTransactions, propertiesOnEdges: offsets.edges !== 0, offsets, size: r.source.size,
  };
}

/** Header, offsets and metadata only. */
export function decodeSnapshotInfo(input: ByteSource | Uint8Array): SnapshotInfo {
  return readSnapshotInfo(new Reader(asSource(input)));
}
