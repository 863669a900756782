// `dump`: DUMP DATABASE streamed to a byte sink, one statement per line, with bounded memory. Rows are
// pulled only as fast as the sink accepts them (the client's stream pulls the next batch when its
// buffer drains; we wait for 'drain' before asking for more), and lines are coalesced into ~64 KiB
// writes so a fast sink is not flooded with tiny chunks.
import type { GraphClient } from '../bolt/graph-client.js';
import { MgBackupError, throwIfAborted } from '../errors/errors.js';
import { waitForDrain } from '../io/atomic-output.js';
import { formatBytes } from './format-bytes.js';

export const DUMP_QUERY = 'DUMP DATABASE';
const COALESCE_BYTES = 64 * 1024;

export interface DumpProgress {
  statements: number;
  bytes: number;
}

export interface DumpToOptions {
  signal?: AbortSignal;
  /** Written before the first statement (e.g. a `//` header comment line, with its newline). */
  preamble?: string;
  /** Called after each coalesced write; cheap, callers throttle their own display. */
  onProgress?: (p: DumpProgress) => void;
}

/** Streams the dump into `out` (does not end it). Returns the counts written. */
export async function dumpTo(client: GraphClient, out: NodeJS.WritableStream, opts: DumpToOptions = {}): Promise<DumpProgress> {
  const progress: DumpProgress = { statements: 0, bytes: 0 };
  let pending = opts.preamble ?? '';
  const flush = async () => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    progress.bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await waitForDrain(out, opts.signal);
    opts.onProgress?.(progress);
  };
  throwIfAborted(opts.signal);
  for await (const row of client.stream(DUMP_QUERY)) {
    const query = row.QUERY;
    if (typeof query !== 'string') {
      throw new MgBackupError('server', `DUMP DATABASE returned a row without a QUERY text (${JSON.stringify(Object.keys(row))})`, {
        hints: ['check that --uri points at Memgraph'],
      });
    }
    pending += query + '\n';
    progress.statements += 1;
    if (pending.length >= COALESCE_BYTES) {
      throwIfAborted(opts.signal);
      await flush();
    }
  }
  throwIfAborted(opts.signal);
  await flush();
  return progress;
}

/** A `//` comment line Memgraph's lexer skips (CypherLexer.g4 Comment) and the load splitter ignores. */
export function dumpHeader(facts: { source: string; version: string; time: Date; vertices?: number; edges?: number }): string {
  const clean = (s: string) => s.replace(/[\r\n;]/g, ' ');
  const counts = facts.vertices === undefined ? '' : `, vertices ${facts.vertices}, edges ${facts.edges ?? 'unknown'}`;
  return `// mgbackup dump of ${clean(facts.source)}, memgraph ${clean(facts.version)}, at ${facts.time.toISOString()}${counts}\n`;
}

/** Size and rate in the units every other message uses (formatBytes: KiB, MiB, GiB). */
export function formatRate(bytes: number, ms: number): string {
  return `${formatBytes(bytes)}, ${formatBytes(ms > 0 ? Math.round(bytes / (ms / 1000)) : 0)}/s`;
}
