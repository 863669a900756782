// Peak RSS of this process itself, for benchmarks that report memory. getrusage's maxRSS survives exec:
// a child started by a large parent reports the parent's peak. VmHWM belongs to the new address space.
import fs from 'node:fs';

export function peakRssKiB(): number {
  try {
    return Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
