// Keeps a long load's memory to what its batches need. The live heap of a load is small and flat
// (about 20 MiB after every full collection, whatever the input size), but Node 24's V8 sizes the heap
// for throughput: under steady allocation where each batch outlives a few scavenges (one transaction
// in flight while the next batch is parsed), the young generation grows to 2 x 64 MiB and the old
// generation's limit to about four times the live size. Peak RSS grew with the input: 194 MiB at
// 20k vertices + 20k edges, 297 MiB at 100k + 100k (scripts/bench/load.ts).
//
// Both are heap-sizing heuristics V8 reads at each collection, so they can be tightened after start-up:
// the young generation stops growing once it reaches YOUNG_CAP (semi_space_growth_factor, read by
// SemiSpaceNewSpace::Grow), and the old generation's limit is twice its live size instead of up to 4x
// (heap_growing_percent, read by MemoryController::GrowingFactor). Tighter settings (8 MiB, 1.5x) cost
// 10-20% more client CPU in collections for a few MiB; these cost about 5%. Flags given at start-up
// (--max-semi-space-size, --max-old-space-size) would be the usual way, but a CLI run as `mgbackup`
// cannot pass them without re-executing itself.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const YOUNG_CAP = 16 * 1024 * 1024;
const OLD_GROWING_PERCENT = 100;

let oldBounded = false;
let youngBounded = false;

/** Call once per batch: the young generation grows in steps, so its cap is applied when reached. */
export function boundHeap(): void {
  if (!oldBounded) {
    setFlagsFromString(`--heap-growing-percent=${OLD_GROWING_PERCENT}`);
    oldBounded = true;
  }
  if (youngBounded) return;
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (young === undefined || young.space_size >= YOUNG_CAP) {
    setFlagsFromString('--semi-space-growth-factor=1');
    youngBounded = true;
  }
}
