// src/format owns Memgraph's on-disk durability formats (snapshot and WAL, versions 14–37): reading
// them into the graph model without a server, and the version/release table. It does no file-system,
// network or process work: callers pass bytes or a ByteSource over a descriptor they opened.
export { BufferSource, FdSource, asSource, type ByteSource } from './byte-source.js';
export { readFileHeader, type FileHeader } from './file-header.js';
export { decodeSnapshot, type SnapshotContents } from './snapshot.js';
export { openSnapshot, type SnapshotStream } from './snapshot-stream.js';
export { decodeSnapshotInfo, type SnapshotInfo } from './snapshot-header.js';
export { decodeWal, decodeWalInfo, isFinalizedWalName, type WalDecodeOptions } from './wal.js';
export type { WalContents, WalInfo, WalOp, WalTransaction } from './wal-types.js';
export { replay, type ReplayOptions, type ReplayResult } from './replay.js';
export { GraphReplayer } from './apply-wal.js';
export { EnumRegistry, type EnumDef } from './enums.js';
export {
  FEATURE_SINCE, NEWEST_SUPPORTED_VERSION, OLDEST_SUPPORTED_VERSION, RELEASES, checkVersion, featuresOf, releaseInfo,
  versionWrittenBy, type VersionReleaseInfo,
} from './versions.js';
