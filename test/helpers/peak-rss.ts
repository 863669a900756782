// Test support: this process's own peak RSS in KiB. getrusage's maxRSS survives exec, so a child
// started by a large parent (an ava worker deep in a full run: hundreds of MiB) reports the parent's
// peak, and growth measured from it reads as zero; VmHWM belongs to the new address space.
import fs from 'node:fs';

export function ownPeakRssKiB(): number {
  try {
    return Number(/VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
