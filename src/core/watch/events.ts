// What watch reports while it runs: one event per thing that happened. The CLI prints them as text lines
// on stderr (timestamped when stderr is not a terminal) or, with --json, as one JSON object per line
// on stdout, so a log shipper or a metrics exporter can follow them.

export type WatchEvent =
  | { type: 'start'; repo: string; dataDir: string; database: string; root: string; maxLagS: number; once: boolean; archived: number }
  | { type: 'archived'; name: string; uuid: string; seq: string; fromTs: string; toTs: string; bytes: number; key: string; action: 'stored' | 'unchanged'; lockWindowMs: number }
  /** frozen: a `_current` a crash left (a newer WAL beside it), stored whole, once. */
  | { type: 'prefix'; name: string; uuid: string; seq: string; toTs: string; bytes: number; key: string; frozen: boolean }
  | { type: 'vanished'; name: string }
  | { type: 'snapshot'; name: string }
  | { type: 'gap'; uuid: string; missing: string[]; truncated: boolean; message: string }
  | { type: 'retry'; attempt: number; delayMs: number; failingForMs: number; giveUpAfterMs: number; kind: string; message: string }
  | { type: 'recovered'; afterAttempts: number }
  | { type: 'leftover'; message: string }
  | { type: 'stop'; reason: string; files: number; prefixes: number; bytes: number };

export type TimedEvent = WatchEvent & { at: string };

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line for a person. */
export function describeEvent(e: WatchEvent): string {
  switch (e.type) {
    case 'start':
      return `watching ${e.dataDir}${e.root ? `/${e.root}` : ''} (database ${e.database}) into ${e.repo}: ${e.archived} WAL file(s) archived so far, max lag ${e.maxLagS} s${e.once ? ', one pass' : ''}`;
    case 'archived':
      return e.action === 'stored'
        ? `archived WAL ${e.name} (seq ${e.seq}, commits ${e.fromTs}..${e.toTs}, ${size(e.bytes)}, lock ${e.lockWindowMs.toFixed(1)} ms)`
        : `WAL ${e.name} (seq ${e.seq}) was archived already`;
    case 'prefix':
      return e.frozen
        ? `archived WAL ${e.name} (seq ${e.seq}), left unfinished by a server crash, up to commit ${e.toTs} (${size(e.bytes)})`
        : `archived the committed prefix of WAL ${e.name} (seq ${e.seq}) up to commit ${e.toTs} (${size(e.bytes)})`;
    case 'vanished':
      return `WAL ${e.name} was deleted by the server before it could be pinned`;
    case 'snapshot':
      return `new snapshot ${e.name}`;
    case 'gap':
      return `GAP: ${e.message}`;
    case 'retry':
      return `${e.message}; retrying in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt}${e.giveUpAfterMs > 0 ? `, giving up after ${Math.round(e.giveUpAfterMs / 1000)} s of failures` : ''})`;
    case 'recovered':
      return `recovered after ${e.afterAttempts} failed attempt(s)`;
    case 'leftover':
      return e.message;
    case 'stop':
      return `stopped (${e.reason}): ${e.files} WAL file(s) and ${e.prefixes} prefix(es) archived, ${size(e.bytes)}`;
  }
}
