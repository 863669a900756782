// Durability file names (src/storage/v2/durability/paths.hpp:30-56): a 20-digit UTC wall-clock prefix
// YYYYmmddHHMMSSffffff, then `_timestamp_<durable_ts>` (snapshots) or `_current` /
// `_from_<a>_to_<b>` (WALs).

/** Wall-clock source in microseconds; tests may pass a fake one through EngineOptions.clock. */
export type MicroClock = () => bigint;

export const systemMicroClock: MicroClock = () => BigInt(Date.now()) * 1000n;

/** Strictly increasing prefixes even when two files are made in the same microsecond, so names stay
 *  unique and sort in creation order as Memgraph's do in practice. */
export class PrefixSource {
  private last = -1n;
  constructor(private readonly clock: MicroClock) {}

  next(): string {
    let us = this.clock();
    if (us <= this.last) us = this.last + 1n;
    this.last = us;
    return formatPrefix(us);
  }
}

/** kTimestampFormat "{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}{:06d}" over gmtime_r (utils/timestamp.hpp:34). */
export function formatPrefix(micros: bigint): string {
  const d = new Date(Number(micros / 1000n));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    p(d.getUTCFullYear(), 4) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) +
    p(d.getUTCMinutes()) + p(d.getUTCSeconds()) + p(Number(micros % 1_000_000n), 6)
  );
}

export const snapshotName = (prefix: string, durableTs: bigint): string => `${prefix}_timestamp_${durableTs}`;
export const currentWalName = (prefix: string): string => `${prefix}_current`;
export const finalizedWalName = (prefix: string, from: bigint, to: bigint): string => `${prefix}_from_${from}_to_${to}`;
