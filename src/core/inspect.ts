// `inspect` core: what a durability file is (kind, version, which releases write/read it, uuid, epoch,
// timestamps, counts, schema, checksum status), from a ByteSource. No file system here: the command
// opens the file and passes a source in. A snapshot's counts come from its metadata and its schema
// from the small sections, so no vertex or edge record is decoded (edges are counted by skipping
// through the vertex records only when the file has no edge records); a WAL is read transaction by
// transaction without keeping them.
import type { SchemaItem } from '../graph/model.js';
// Each module by its own path, not through format/index.js: the barrel loads WAL replay, the recovery
// chain and point-in-time planning, which inspect never uses (start-up time, scripts/bench/startup.ts).
import type { ByteSource } from '../format/byte-source.js';
import { readFileHeader } from '../format/file-header.js';
import { featuresOf, releaseInfo, type VersionReleaseInfo } from '../format/versions.js';
import { Reader } from '../format/reader.js';
import { SnapshotParts, countOutEdges } from '../format/snapshot-stream.js';
// The WAL reader is imported only for a WAL file: with it comes node:zlib (the WAL's CRC), about 4 ms of
// start-up that inspecting a snapshot, the common case, does not need.
import type * as WalReader from '../format/wal.js';

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

export async function inspectSource(file: string, source: ByteSource): Promise<InspectReport> {
  const { kind, version } = readFileHeader(source);
  const releases = releaseInfo(version);
  if (kind === 'snapshot') {
    const parts = new SnapshotParts(new Reader(source));
    const { info } = parts;
    // With properties on edges every edge has one record; otherwise the out-edges are counted.
    const edges = info.propertiesOnEdges ? Number(info.edgeRecordCount) : countOutEdges(parts);
    return {
      file, kind, version, releases, uuid: info.uuid, epochId: info.epochId,
      timestamps: { start: String(info.startTimestamp), durable: String(info.durableTimestamp) },
      counts: {
        vertices: Number(info.vertexCount), edges, edgeRecords: String(info.edgeRecordCount),
        ...(info.committedTransactions === undefined ? {} : { committedTransactions: String(info.committedTransactions) }),
      },
      schema: schemaCounts(parts.schema),
      checksum: 'none',
    };
  }
  const { named, readWalInfo, walTransactions }: typeof WalReader = await import('../format/wal.js');
  const r = new Reader(source);
  const info = named(file, () => readWalInfo(r));
  let transactions = 0;
  let uncommitted = 0;
  let deltas = 0;
  let from: bigint | undefined;
  let to: bigint | undefined;
  const it = walTransactions(r, info, { lenientEnums: true, name: file });
  let n = it.next();
  for (; n.done !== true; n = it.next()) {
    const tx = n.value;
    from ??= tx.timestamp;
    to = tx.timestamp;
    transactions++;
    if (!tx.commit) uncommitted++;
    deltas += tx.frames;
  }
  const report: InspectReport = {
    file, kind, version, releases, uuid: info.uuid, epochId: info.epochId,
    timestamps: from === undefined ? {} : { from: String(from), to: String(to) },
    counts: { sequenceNumber: String(info.sequenceNumber), transactions, uncommitted, deltas },
    schema: {},
    checksum: featuresOf(version).crc ? 'verified' : 'none',
  };
  if (n.value !== undefined) report.tornTailAt = n.value.offset;
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
