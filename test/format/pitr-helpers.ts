// Test-only: the two sides of every point-in-time proof. `referenceAt` is the graph at a commit
// timestamp by the plain definition (replay the whole original WAL, applying only committed
// transactions at or before it); `restoreAt` is what a point-in-time restore stages (planPointInTime,
// then cutWal) replayed from the staged bytes alone. The tests compare the two.
import { canonicalDump } from '../../src/cypher/canonical.js';
import { renderDump } from '../../src/cypher/render-dump.js';
import { GraphReplayer } from '../../src/format/apply-wal.js';
import { decodeWal, replay } from '../../src/format/index.js';
import { planPointInTime, type PointInTimePlan } from '../../src/format/point-in-time.js';
import { walSpan, type ChainWal } from '../../src/format/recovery-chain.js';
import { cutWal, type WalCut } from '../../src/format/wal-cut.js';
import { emptyGraph, type Graph } from '../../src/graph/model.js';
import type { ChainFile } from './wal-chain-split.js';

export function graphAt(wal: Uint8Array, ts: bigint): Graph {
  const replayer = new GraphReplayer(emptyGraph());
  for (const tx of decodeWal(wal).transactions) if (tx.commit && tx.timestamp <= ts) replayer.apply(tx);
  return replayer.finish();
}

export const dumpOf = (g: Graph): string[] => canonicalDump(renderDump(g));

export interface TestSnapshot { name: string; uuid: string; durableTs: bigint; bytes: Uint8Array }
export type TestWal = ChainFile & ChainWal;

export function chainOf(files: readonly ChainFile[], uuid: string): TestWal[] {
  return files.map((f) => ({ ...f, uuid, seqNum: f.seq, span: () => walSpan(f.name, () => f.bytes) }));
}

export interface Restored {
  plan: PointInTimePlan<TestSnapshot, TestWal>;
  cut: WalCut | undefined;
  /** The files a restore writes into wal/, in order. */
  staged: { name: string; bytes: Uint8Array }[];
  graph: Graph;
}

export function restoreAt(snapshots: TestSnapshot[], wals: (TestWal)[], ts: bigint): Restored {
  const plan = planPointInTime(snapshots, wals, ts);
  const staged = plan.wals.map((w) => ({ name: w.name, bytes: w.bytes }));
  const cut = plan.cut === undefined ? undefined : cutWal(plan.cut.bytes, ts, plan.cut.name);
  if (cut !== undefined) staged.push({ name: cut.name, bytes: cut.bytes });
  const graph = replay(plan.snapshot?.bytes, staged.map((s) => s.bytes), { walNames: staged.map((s) => s.name) }).graph;
  return { plan, cut, staged, graph };
}
