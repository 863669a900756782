// src/format owns Memgraph's on-disk durability formats (snapshot and WAL, versions 14–37): reading
// them into the graph model without a server, the version/release table, the WAL-chain rule of
// Memgraph's recovery, and cutting a chain at a commit timestamp (point-in-time). It does no file-system,
// network or process work: callers pass bytes or a ByteSource over a descriptor they opened.
export { BufferSource, FdSource, asSource, type ByteSource } from './byte-source.js';
export { readFileHeader, type FileHeader } from './file-header.js';
export { decodeSnapshot, type SnapshotContents } from './snapshot.js';
export { openSnapshot, type SnapshotStream } from './snapshot-stream.js';
export { decodeSnapshotInfo, type SnapshotInfo } from './snapshot-header.js';
export { decodeWal, decodeWalInfo, isFinalizedWalName, type WalDecodeOptions } from './wal.js';
export type { WalContents, WalInfo, WalOp, WalTransaction } from './wal-types.js';
export { replay, type ReplayOptions, type ReplayResult } from './replay.js';
export {
  analyzeChain, chainFor, chainOfFiles, walSpan, type ChainProblem, type ChainSnapshot, type ChainWal, type RecoveryChain,
} from './recovery-chain.js';
export {
  committedPrefixLength, indexWalTransactions, type IndexWalOptions, type WalTransactionIndex, type WalTransactionSpan,
} from './wal-transactions.js';
export { UNFINALIZED_SUMMARY, currentWalName, cutWal, type WalCut } from './wal-cut.js';
export {
  planPointInTime, restoreIntervals, restoreWindow, type PitrSnapshot, type PointInTimePlan, type RestoreInterval,
} from './point-in-time.js';
export { GraphReplayer } from './apply-wal.js';
export { EnumRegistry, type EnumDef } from './enums.js';
export {
  FEATURE_SINCE, NEWEST_SUPPORTED_VERSION, OLDEST_SUPPORTED_VERSION, RELEASES, checkVersion, featuresOf, releaseInfo,
  versionWrittenBy, type VersionReleaseInfo,
} from './versions.js';
