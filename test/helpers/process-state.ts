// Waiting on a child paused at a step (MGBACKUP_PAUSE_AT_STEP makes it SIGSTOP itself): Linux /proc says
// "T" once it is stopped; a child that finished first is reported as exited.
import fs from 'node:fs';

export async function stoppedOrExited(pid: number, exited: () => boolean, timeoutMs = 60_000): Promise<'stopped' | 'exited'> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (exited()) return 'exited';
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return 'stopped';
    } catch {
      return 'exited';
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} neither stopped nor exited in ${timeoutMs / 1000} s`);
}
