// The one table of exit codes. Every user-facing failure maps to exactly one row; the README's
// exit-code table is checked against this list by test/errors/codes.test.ts.

export interface ExitCodeRow {
  readonly code: number;
  readonly meaning: string;
}

export const EXIT_CODES = {
  ok: { code: 0, meaning: 'success' },
  internal: { code: 1, meaning: 'internal error (a bug in mgbackup: please report it)' },
  usage: { code: 2, meaning: 'usage error: unknown command or flag, bad flag value' },
  partial: { code: 3, meaning: 'partly done: some items failed (e.g. load with --continue-on-error)' },
  cannotConnect: { code: 10, meaning: 'cannot connect to the server (refused, DNS, TLS, timeout)' },
  authFailed: { code: 11, meaning: 'authentication or authorization failed' },
  notFound: { code: 12, meaning: 'not found: file, directory, backup, container, database' },
  busy: { code: 13, meaning: 'locked or busy: data directory locked by someone else, server holds the directory' },
  integrity: { code: 14, meaning: 'integrity error: checksum mismatch, corrupt or truncated file' },
  unsupportedVersion: { code: 15, meaning: 'unsupported version: durability format or server version' },
  io: { code: 16, meaning: 'input/output error: disk full, permission denied, broken stream' },
  refused: { code: 17, meaning: 'refused for safety: the operation needs an explicit flag (e.g. --force)' },
  server: { code: 18, meaning: 'the server rejected a query' },
  interrupted: { code: 130, meaning: 'interrupted by SIGINT, SIGTERM or SIGHUP' },
} as const satisfies Record<string, ExitCodeRow>;

export type ExitKind = keyof typeof EXIT_CODES;

/** The remedy shown when an error carries no hint of its own. Usage errors stay one line (the message
 *  names the flag); internal errors always carry the report hint. */
export const DEFAULT_HINTS: Partial<Record<ExitKind, string>> = {
  partial: 'see the failures listed above; re-run for the rest once they are fixed',
  cannotConnect: 'check --uri and that the server is running and reachable',
  authFailed: 'check --user and the password (env MEMGRAPH_USER / MEMGRAPH_PASSWORD) and the user\'s privileges',
  notFound: 'check the name or path given on the command line',
  busy: 'wait until the other holder is done, then run the command again',
  integrity: 'do not trust or restore from the damaged file; use another backup or take a new one',
  unsupportedVersion: 'use mgbackup dump/load to move data across Memgraph versions',
  io: 'check permissions, free space and the filesystem of the path named above',
  refused: 'read the message above; the operation needs an explicit flag to go ahead',
  server: 'see the server message above',
};

export function exitCodeOf(kind: ExitKind): number {
  return EXIT_CODES[kind].code;
}
