// Sorts each statement of a .cypherl into how it must run: admin statements (schema, enums, triggers,
// TTL, descriptions, the helper index) only in auto-commit, as Memgraph refuses them inside BEGIN ...
// COMMIT; DUMP's vertex and edge forms onto the UNWIND fast path when all their values can travel as
// Bolt parameters; every other statement as text inside a data transaction.
import { parseDumpStatement, type DumpStatement } from '../../cypher/dump-statement.js';
import type { PropertyMap, Value } from '../../graph/value.js';
import { readDumpRecord } from './dump-record-reader.js';

export type Classified =
  | { kind: 'vertex'; labels: string[]; props: PropertyMap }
  | { kind: 'edge'; from: Value; to: Value; type: string; props: PropertyMap }
  /** Any other data statement: sent as written, inside a data transaction. */
  | { kind: 'data' }
  /** Runs alone in auto-commit (schema/admin, and the whole-graph cleanup). */
  | { kind: 'admin' };

// Memgraph statements that are refused in multicommand transactions, or are admin by nature. Matched on
// the statement start; comments were already stripped by the splitter's caller when present.
const ADMIN_START = new RegExp(
  '^\\s*(?:' + [
    '(?:CREATE|DROP)\\s+(?:(?:EDGE|GLOBAL|TEXT|POINT|VECTOR)\\s+)*(?:EDGE\\s+)?INDEX\\b',
    '(?:CREATE|DROP)\\s+CONSTRAINT\\b',
    '(?:CREATE|DROP|ALTER)\\s+ENUM\\b',
    '(?:CREATE|DROP)\\s+TRIGGER\\b',
    '(?:ENABLE|DISABLE|STOP)\\s+TTL\\b',
    '(?:SET|DELETE)\\s+DESCRIPTION\\b',
    'STORAGE\\s+MODE\\b', 'ANALYZE\\s+GRAPH\\b', 'FREE\\s+MEMORY\\b', 'CREATE\\s+SNAPSHOT\\b',
    '(?:CREATE|DROP|ALTER)\\s+(?:USER|ROLE|DATABASE)\\b', 'GRANT\\b', 'REVOKE\\b', 'DENY\\b',
    'SET\\s+(?:PASSWORD|ROLE|DATABASE\\s+SETTING)\\b', 'USING\\s+PERIODIC\\s+COMMIT\\b', 'SHOW\\b',
  ].join('|') + ')',
  'i',
);

/** Enums cannot be Bolt parameters (Memgraph has no Bolt enum type): such statements travel as text. */
export function boltSendable(v: Value): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.every(boltSendable);
  if (v instanceof Map) {
    for (const x of v.values()) if (!boltSendable(x)) return false;
    return true;
  }
  return v.kind !== 'enum';
}

function propsSendable(props: PropertyMap): boolean {
  for (const v of props.values()) if (!boltSendable(v)) return false;
  return true;
}

export function classifyStatement(text: string): Classified {
  // The quick reader takes DUMP's exact spelling; the general parser everything else.
  let stmt: DumpStatement | undefined = readDumpRecord(text);
  if (!stmt) {
    try {
      stmt = parseDumpStatement(text);
    } catch {
      // A DUMP form with a broken value: the server's own message is the one to show.
      return { kind: 'data' };
    }
  }
  if (stmt) {
    switch (stmt.kind) {
      case 'vertex':
        return propsSendable(stmt.props) ? stmt : { kind: 'data' };
      case 'edge':
        return propsSendable(stmt.props) && boltSendable(stmt.from) && boltSendable(stmt.to) ? stmt : { kind: 'data' };
      default:
        return { kind: 'admin' };
    }
  }
  return ADMIN_START.test(text) ? { kind: 'admin' } : { kind: 'data' };
}
