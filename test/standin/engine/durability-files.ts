// Reading the durability directories the way Memgraph's retention and recovery do: every regular file,
// non-recursively, parsed by header; what fails to parse is reported, never fatal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DurabilityCodec, SnapshotMeta, WalMeta, WalTransaction } from './codec.js';

export interface SnapshotFile {
  path: string;
  meta: SnapshotMeta;
}

export interface WalFile {
  path: string;
  meta: WalMeta;
  transactions: WalTransaction[];
  fromTs: bigint;
  toTs: bigint;
}

export function regularFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

export function readSnapshotMeta(codec: DurabilityCodec, file: string): SnapshotMeta {
  return codec.decodeSnapshotMeta(fs.readFileSync(file));
}

/** A WAL with no complete transaction has no timestamps and cannot be used: treated as unreadable. */
export function readWal(codec: DurabilityCodec, file: string): WalFile {
  const { meta, transactions } = codec.decodeWal(fs.readFileSync(file));
  if (transactions.length === 0) throw new Error('WAL file has no complete transaction');
  return {
    path: file, meta, transactions,
    fromTs: transactions[0]!.commitTs, toTs: transactions[transactions.length - 1]!.commitTs,
  };
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
