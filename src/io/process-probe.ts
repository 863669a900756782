// The system ProcessProbe: reads the kernel's facts about processes from /proc (Linux). Where /proc is
// missing, start times and boot ids are empty strings, which still compare equal on the same machine,
// so a pid alone decides (weaker against pid reuse; the README says so).
import fs from 'node:fs';
import os from 'node:os';
import type { ProcessIdentity, ProcessProbe } from '../core/backup/run-owner.js';

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** Field 22 (starttime) of /proc/PID/stat; the command name (field 2) may hold spaces and parens. */
function startTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return fs.existsSync('/proc/self/stat') ? undefined : pidExists(pid) ? '' : undefined;
  }
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has finished; only its parent has not collected the exit status yet.
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  return rest[19] ?? '';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidNamespace(): string {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

export const systemProcessProbe: ProcessProbe = {
  self(): ProcessIdentity {
    return {
      pid: process.pid,
      host: os.hostname(),
      bootId: readOr('/proc/sys/kernel/random/boot_id', ''),
      pidNamespace: pidNamespace(),
      startTicks: startTicks(process.pid) ?? '',
    };
  },
  startTicksOf: startTicks,
};
