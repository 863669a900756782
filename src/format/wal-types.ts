// Typed records of a WAL file: header info, deltas (research doc §5.3) and transactions.
import type { DescriptionTarget, SchemaItem } from '../graph/model.js';
import type { Value } from '../graph/value.js';

export interface WalInfo {
  kind: 'wal';
  version: number;
  uuid: string;
  epochId: string;
  sequenceNumber: bigint;
  /** v36+: whether the header CRC matched (undefined before v36). */
  headerCrcOk: boolean | undefined;
  /** v37 summary (builds from 2026-08-12); finalized when numDeltas > 0. */
  summary: { fromTimestamp: bigint; toTimestamp: bigint; numDeltas: bigint } | undefined;
  deltasOffset: number;
  size: number;
}

export type TtlAction = 'enable' | 'disable' | 'configure' | 'stop';

export type WalOp =
  | { op: 'vertexCreate'; gid: bigint }
  | { op: 'vertexDelete'; gid: bigint }
  | { op: 'vertexAddLabel'; gid: bigint; label: string }
  | { op: 'vertexRemoveLabel'; gid: bigint; label: string }
  | { op: 'vertexSetProperty'; gid: bigint; property: string; value: Value }
  | { op: 'edgeCreate'; gid: bigint; edgeType: string; from: bigint; to: bigint }
  | { op: 'edgeDelete'; gid: bigint; edgeType: string; from: bigint; to: bigint }
  /** from: v21+; to/edgeType: v33+ (to may be 2^64-1 and edgeType "" when unknown). */
  | { op: 'edgeSetProperty'; gid: bigint; property: string; value: Value; from?: bigint; to?: bigint; edgeType?: string }
  | { op: 'schemaCreate'; item: SchemaItem }
  /** Drops the schema item with the same identity (for text/vector indices: the same name). */
  | { op: 'schemaDrop'; item: SchemaItem }
  | { op: 'textIndexDrop'; name: string }
  | { op: 'vectorIndexDrop'; name: string }
  | { op: 'enumCreate'; name: string; values: string[] }
  | { op: 'enumAddValue'; name: string; value: string }
  | { op: 'enumUpdateValue'; name: string; oldValue: string; newValue: string }
  /** *_STATS_SET / *_STATS_CLEAR: optimizer statistics, not part of a dump. */
  | { op: 'statistics'; marker: number }
  | { op: 'ttl'; action: TtlAction; periodMicros?: bigint; startMicros?: bigint; edges: boolean }
  | { op: 'descriptionSet'; target: DescriptionTarget; text: string }
  | { op: 'descriptionDelete'; target: DescriptionTarget };

export interface WalTransaction {
  /** Commit timestamp shared by all its deltas. */
  timestamp: bigint;
  /** false for a v28+ TRANSACTION_START with commit=false (never committed: replay skips it). */
  commit: boolean;
  accessType: number | undefined;
  ops: WalOp[];
  /** Number of delta frames, including start/end frames (what the v37 summary counts). */
  frames: number;
  offset: number;
  end: number;
  /** v36+: the transaction CRC matched (mismatches throw, so this is true when present). */
  crcChecked: boolean;
}

export interface WalContents {
  info: WalInfo;
  transactions: WalTransaction[];
  /** Where decoding stopped early (torn tail of an unfinalized file), with the reason; undefined if clean. */
  tail: { offset: number; reason: string } | undefined;
}
