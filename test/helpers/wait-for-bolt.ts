// Readiness of a server is a Bolt query that answers, not a log line: Memgraph prints "You are running
// Memgraph" before it recovers its data and before Bolt listens, and Docker's port proxy accepts TCP
// on the mapped port before anything listens behind it. So: connect and run SHOW VERSION, retrying
// until it answers or the deadline passes; stop early when `alive` says the server process is gone.
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';

export interface WaitForBoltOptions {
  /** Give up after this long (default 120 s: recovery of a large snapshot takes time). */
  deadlineMs?: number;
  /** Pause between attempts (default 250 ms). */
  intervalMs?: number;
  /** Resolves to a reason when the server can no longer come up (e.g. its container exited). */
  alive?: () => Promise<string | undefined>;
  /** Appended to the error when the wait fails (e.g. the container's last log lines). */
  diagnostics?: () => Promise<string>;
}

export async function waitForBolt(uri: string, opts: WaitForBoltOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
  let attempts = 0;
  let last = '';
  for (;;) {
    attempts++;
    try {
      const client = await connectNeo4j({ uri }, { connectionTimeoutMs: 2000, connectionAcquisitionTimeoutMs: 3000 });
      try {
        await client.run('SHOW VERSION'); // Memgraph's own query (the stand-in answers it too)
        return;
      } finally {
        await client.close();
      }
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const gone = await opts.alive?.();
    const timedOut = Date.now() >= deadline;
    if (gone !== undefined || timedOut) {
      const why = gone ?? `no Bolt answer within ${opts.deadlineMs ?? 120_000} ms`;
      const extra = opts.diagnostics ? `\n${await opts.diagnostics().catch((e: unknown) => `(no diagnostics: ${String(e)})`)}` : '';
      throw new Error(`${uri} is not ready after ${attempts} attempts: ${why}; last error: ${last}${extra}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
