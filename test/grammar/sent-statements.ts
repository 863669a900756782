// What mgbackup sends to a server, produced by mgbackup's own code (not copied): the admin queries its
// modules export, and for a dump file the exact statements `load` sends (src/core/load: classify, then
// the UNWIND fast path or the statement as written).
import { SERVER_FACT_QUERIES } from '../../src/bolt/server-facts.js';
import { CREATE_SNAPSHOT_QUERY } from '../../src/core/backup/create.js';
import { LOCK_QUERY, UNLOCK_QUERY } from '../../src/core/backup/data-dir-lock.js';
import { DUMP_QUERY } from '../../src/core/dump.js';
import { classifyStatement } from '../../src/core/load/classify.js';
import { type BatchItem, fastPathStatements } from '../../src/core/load/fast-path.js';
import { recoverSnapshotQuery } from '../../src/core/restore/online.js';
import { splitStatements } from '../../src/cypher/statement-splitter.js';

export interface SentStatement {
  /** admin: sent alone in auto-commit; unwind: a fast-path form; text: a data statement sent as written. */
  kind: 'admin' | 'unwind' | 'text';
  query: string;
  /** 1-based line of the (first) dump statement it came from, for the failure message. */
  line?: number;
}

/** Server paths RECOVER SNAPSHOT may be given: plain, with quotes, backslashes, spaces and unicode. */
const RECOVER_PATHS = [
  '/var/lib/memgraph/mgbackup-restore/20260101T000000Z/snapshot',
  '/data/it\'s "here"/back\\slash/snap shot',
  '/données/スナップ/😀',
];

export function adminQueries(): SentStatement[] {
  const texts = [
    LOCK_QUERY, UNLOCK_QUERY, CREATE_SNAPSHOT_QUERY, DUMP_QUERY, ...Object.values(SERVER_FACT_QUERIES),
    ...RECOVER_PATHS.map(recoverSnapshotQuery),
  ];
  return texts.map((query) => ({ kind: 'admin', query }));
}

/** Every statement `load` sends for this dump text, in the order it sends them. */
export async function loadStatements(text: string): Promise<SentStatement[]> {
  const out: SentStatement[] = [];
  const batch: BatchItem[] = [];
  for await (const s of splitStatements([text])) {
    const what = classifyStatement(s.text);
    if (what.kind === 'admin') out.push({ kind: 'admin', query: s.text, line: s.line });
    else batch.push({ line: s.line, text: s.text, what });
  }
  const lineOf = new Map(batch.map((b) => [b.text, b.line]));
  for (const st of fastPathStatements(batch)) {
    const unwind = st.params !== undefined;
    out.push({ kind: unwind ? 'unwind' : 'text', query: st.query, line: unwind ? undefined : lineOf.get(st.query) });
  }
  return out;
}
