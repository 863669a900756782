// `inspect` core: what a durability file is (kind, version, which releases write/read it, uuid, epoch,
// timestamps, counts, schema, checksum status), from a ByteSource. No file system here: the command
// opens the file and passes a source in.
import type { SchemaItem } from '../graph/model.js';
import { decodeSnapshot, decodeWal, featuresOf, readFileHeader, releaseInfo, type ByteSource, type VersionReleaseInfo } from '../format/index.js';

export interface InspectReport {
  file: string;
  kind: 'snapshot' | 'wal';
  version: number;
  releases: VersionReleaseInfo;
  uuid: string;
  epochId: string;
  timestamps: Record<string, string>;
  counts: Record<string, number | string>;
  /** Schema item kind -> how many (indices, constraints, enums, ttl, descriptions). */
  schema: Record<string, number>;
  checksum: 'verified' | 'none';
  /** WAL only: where an unfinalized file's torn tail starts. */
  tornTailAt?: number;
}

function schemaCounts(items: SchemaItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of items) out[s.kind] = (out[s.kind] ?? 0) + 1;
  return out;
}

export function inspectSource(file: string, source: ByteSource): InspectReport {
  const { kind, version } = readFileHeader(source);
  const releases = releaseInfo(version);
  if (kind === 'snapshot') {
    const { info, graph } = decodeSnapshot(source);
    return {
      file, kind, version, releases, uuid: info.uuid, epochId: info.epochId,
      timestamps: { start: String(info.startTimestamp), durable: String(info.durableTimestamp) },
      counts: {
        vertices: graph.vertices.size, edges: graph.edges.size, edgeRecords: String(info.edgeRecordCount),
        ...(info.committedTransactions === undefined ? {} : { committedTransactions: String(info.committedTransactions) }),
      },
      schema: schemaCounts(graph.schema),
      checksum: 'none',
    };
  }
  const wal = decodeWal(source, { lenientEnums: true, name: file });
  const txs = wal.transactions;
  const report: InspectReport = {
    file, kind, version, releases, uuid: wal.info.uuid, epochId: wal.info.epochId,
    timestamps: txs.length === 0 ? {} : { from: String(txs[0]!.timestamp), to: String(txs[txs.length - 1]!.timestamp) },
    counts: {
      sequenceNumber: String(wal.info.sequenceNumber),
      transactions: txs.length,
      uncommitted: txs.filter((t) => !t.commit).length,
      deltas: txs.reduce((n, t) => n + t.frames, 0),
    },
    schema: {},
    checksum: featuresOf(version).crc ? 'verified' : 'none',
  };
  if (wal.tail !== undefined) report.tornTailAt = wal.tail.offset;
  return report;
}

export function renderInspectText(r: InspectReport): string {
  const rel = r.releases.devOnly
    ? `dev builds only; readable by ${r.releases.firstReadableBy ?? 'no release yet'}${r.releases.firstReadableBy ? ' and later' : ''}`
    : `written by Memgraph ${r.releases.firstWrittenBy}; readable by ${r.releases.firstReadableBy} and later`;
  const rows: [string, string][] = [
    ['file', r.file],
    ['kind', r.kind],
    ['version', `${r.version} (${rel})`],
    ['uuid', r.uuid],
    ['epoch', r.epochId],
    ...Object.entries(r.timestamps).map(([k, v]): [string, string] => [`${k} timestamp`, v]),
    ...Object.entries(r.counts).map(([k, v]): [string, string] => [k, String(v)]),
    ...Object.entries(r.schema).map(([k, v]): [string, string] => [k, String(v)]),
    ['checksum', r.checksum === 'verified' ? 'verified (header and every transaction)' : 'none in this format'],
  ];
  if (r.tornTailAt !== undefined) rows.push(['torn tail', `from offset ${r.tornTailAt} (incomplete last transaction, ignored)`]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}
