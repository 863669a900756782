// Recognises the admin queries mgbackup sends and knows, for each, the name Memgraph uses in its
// "not allowed in multicommand transactions" / "OnDisk" errors (src/query/exceptions.hpp) and the first
// release whose grammar has it (research/memgraph-semantics.md §1.2).
export type AdminQuery =
  | { kind: 'lock'; action: 'lock' | 'unlock' | 'status' }
  | { kind: 'createSnapshot' }
  | { kind: 'showSnapshots' }
  | { kind: 'showNextSnapshot' }
  | { kind: 'storageInfo'; on: 'instance' | 'current' | { database: string } }
  | { kind: 'version' }
  | { kind: 'replicationRole' }
  | { kind: 'storageMode'; mode: 'IN_MEMORY_TRANSACTIONAL' | 'IN_MEMORY_ANALYTICAL' | 'ON_DISK_TRANSACTIONAL' }
  | { kind: 'freeMemory' }
  | { kind: 'showDatabases' }
  | { kind: 'showDatabase' }
  | { kind: 'dump' }
  | { kind: 'recoverSnapshot'; path: string; force: boolean };

/** Keyword queries compare case-insensitively with whitespace collapsed and an optional trailing `;`. */
export function normalize(query: string): string {
  // Every query is normalised twice (admin, then data check): remember the last one.
  if (query !== lastQuery) {
    lastQuery = query;
    lastNormalized = query.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ').toUpperCase();
  }
  return lastNormalized;
}
let lastQuery = '';
let lastNormalized = '';

export function parseAdminQuery(query: string): AdminQuery | undefined {
  const n = normalize(query);
  switch (n) {
    case 'LOCK DATA DIRECTORY': return { kind: 'lock', action: 'lock' };
    case 'UNLOCK DATA DIRECTORY': return { kind: 'lock', action: 'unlock' };
    case 'DATA DIRECTORY LOCK STATUS': return { kind: 'lock', action: 'status' };
    case 'CREATE SNAPSHOT': return { kind: 'createSnapshot' };
    case 'SHOW SNAPSHOTS': return { kind: 'showSnapshots' };
    case 'SHOW NEXT SNAPSHOT': return { kind: 'showNextSnapshot' };
    case 'SHOW STORAGE INFO': return { kind: 'storageInfo', on: 'instance' };
    case 'SHOW STORAGE INFO ON CURRENT DATABASE': return { kind: 'storageInfo', on: 'current' };
    case 'SHOW VERSION': return { kind: 'version' };
    case 'SHOW REPLICATION ROLE': return { kind: 'replicationRole' };
    case 'STORAGE MODE IN_MEMORY_TRANSACTIONAL':
    case 'STORAGE MODE IN_MEMORY_ANALYTICAL':
    case 'STORAGE MODE ON_DISK_TRANSACTIONAL':
      return { kind: 'storageMode', mode: n.slice('STORAGE MODE '.length) as 'IN_MEMORY_TRANSACTIONAL' };
    case 'FREE MEMORY': return { kind: 'freeMemory' };
    case 'SHOW DATABASES': return { kind: 'showDatabases' };
    case 'SHOW DATABASE': case 'SHOW CURRENT DATABASE': return { kind: 'showDatabase' };
    case 'DUMP DATABASE': return { kind: 'dump' };
  }
  const recover = parseRecoverSnapshot(query);
  if (recover) return recover;
  const on = /^\s*SHOW\s+STORAGE\s+INFO\s+ON\s+DATABASE\s+(`(?:[^`]|``)+`|\w+)\s*;?\s*$/i.exec(query);
  if (on) return { kind: 'storageInfo', on: { database: on[1]!.replace(/^`|`$/g, '').replace(/``/g, '`') } };
  return undefined;
}

/** `RECOVER SNAPSHOT path=literal [FORCE]` (MemgraphCypher.g4:731). Only a string literal is taken: the
 *  grammar wants a literal and the handler reads it with ValueString (interpreter.cpp:6788-6790). WITH
 *  CONFIG only matters for s3:// paths, which the stand-in does not serve. */
function parseRecoverSnapshot(query: string): AdminQuery | undefined {
  const m = /^\s*RECOVER\s+SNAPSHOT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*(FORCE)?\s*;?\s*$/i.exec(query);
  if (!m) return undefined;
  const body = m[1]!.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
  return { kind: 'recoverSnapshot', path: body, force: m[2] !== undefined };
}

/** `<X>` of MulticommandTxException, or undefined when the query may run inside BEGIN...COMMIT. */
export function multicommandName(q: AdminQuery): string | undefined {
  switch (q.kind) {
    case 'lock': return 'Locking paths'; // interpreter.cpp:6050
    case 'createSnapshot': return 'Creating snapshots'; // :6723
    case 'showSnapshots': case 'showNextSnapshot': return 'Show schema info query'; // :6882, :6928 (Memgraph's label)
    case 'storageInfo': return 'Storage information query'; // :7946
    case 'version': return 'Version information query'; // :7564
    case 'replicationRole': return 'Managing replication'; // :5990
    case 'storageMode': return 'Modifying storage modes'; // :6601
    case 'freeMemory': return 'Free memory query'; // :6110
    case 'recoverSnapshot': return 'Recovering from snapshot'; // :6777, exceptions.hpp:463-467
    case 'showDatabases': case 'showDatabase': case 'dump': return undefined;
  }
}

/** `<X>` of DisabledForOnDisk, or undefined when the query works in ON_DISK_TRANSACTIONAL. */
export function onDiskName(q: AdminQuery): string | undefined {
  switch (q.kind) {
    case 'lock': return 'Locking paths';
    case 'createSnapshot': return 'Creating snapshots';
    case 'showSnapshots': case 'showNextSnapshot': return 'Snapshots listing';
    case 'freeMemory': return 'Free memory query';
    case 'recoverSnapshot': return 'Recovering from snapshot'; // exceptions.hpp:469-473
    default: return undefined;
  }
}

/** First release whose grammar accepts the query; older ones answer with a syntax error. */
export function firstRelease(q: AdminQuery): string {
  switch (q.kind) {
    case 'lock': return q.action === 'status' ? '2.8.0' : '1.3.0';
    case 'showSnapshots': case 'recoverSnapshot': return '2.22.0';
    case 'showNextSnapshot': return '3.5.0';
    case 'storageInfo': return q.on === 'instance' ? '0.0.0' : q.on === 'current' ? '3.11.0' : '3.10.0';
    case 'version': return '2.2.0';
    case 'storageMode': return '2.7.0';
    case 'showDatabases': return '2.10.0';
    case 'showDatabase': return '2.15.0';
    default: return '0.0.0';
  }
}
