// Turns driver and server failures into rows of the exit-code table, with a hint that names the
// likely remedy. Server messages are matched on Memgraph's texts (src/query/exceptions.hpp).
import { MgBackupError, q } from '../errors/errors.js';

interface DriverErrorLike {
  code?: string;
  message?: string;
  cause?: unknown;
}

export const MULTICOMMAND_TEXT = 'is not allowed in multicommand transactions';

function messageChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const e = cur as DriverErrorLike;
    if (e.message) parts.push(e.message);
    cur = e.cause;
  }
  return parts.join(' | ');
}

function shorten(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** Failures while opening a connection (handshake, auth, TLS, DNS). */
export function classifyConnectError(err: unknown, uri: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = (err ?? {}) as DriverErrorLike;
  const text = messageChain(err);
  const code = e.code ?? '';
  if (/Security\.(Unauthenticated|Unauthorized)|authentication failure|authentication failed|invalid credentials/i.test(`${code} ${text}`)) {
    return new MgBackupError('authFailed', `authentication failed at ${q(uri)}`, {
      hints: ['check --user and the password (env MEMGRAPH_USER / MEMGRAPH_PASSWORD)'],
      cause: err,
      details: { serverCode: code, serverMessage: e.message },
    });
  }
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(text)) {
    return new MgBackupError('cannotConnect', `cannot resolve the host of ${q(uri)}`, {
      hints: ['check the host name in --uri'], cause: err,
    });
  }
  if (/certificate|SSL|TLS|EPROTO|self[- ]signed|wrong version number/i.test(text)) {
    return new MgBackupError('cannotConnect', `tls handshake with ${q(uri)} failed: ${shorten(e.message ?? text)}`, {
      hints: [
        'use bolt+ssc:// for a server with a self-signed certificate, bolt+s:// for a trusted one',
        'use bolt:// if the server was started without --bolt-cert-file/--bolt-key-file',
      ],
      cause: err,
    });
  }
  if (/Server responded HTTP/.test(text)) {
    return new MgBackupError('cannotConnect', `${q(uri)} is an http endpoint, not bolt`, {
      hints: ['point --uri at the Bolt port (Memgraph listens on 7687 by default)'], cause: err,
    });
  }
  if (/Unknown Bolt protocol version|no protocol version|Protocol version/i.test(text)) {
    return new MgBackupError('cannotConnect', `${q(uri)} does not speak a bolt version mgbackup supports`, {
      hints: ['check that --uri points at Memgraph (2.9 or newer negotiates Bolt 5.2)'], cause: err,
    });
  }
  if (/acquisition timed out|Connection acquisition/i.test(text)) {
    return new MgBackupError('cannotConnect', `timed out connecting to ${q(uri)}`, {
      hints: ['the port accepted the connection but no bolt handshake answered: is this the Bolt port?'], cause: err,
    });
  }
  if (code === 'ServiceUnavailable' || /ECONNREFUSED|ECONNRESET|closed by server|Failed to connect/i.test(text)) {
    return new MgBackupError('cannotConnect', `cannot connect to ${q(uri)}`, {
      hints: ['check that Memgraph is running and that --uri names its Bolt address (default bolt://localhost:7687)'],
      cause: err,
      details: { reason: shorten(text, 200) },
    });
  }
  return classifyQueryError(err, '(connect)');
}

/** Failures of a query the server answered with FAILURE, or of the connection mid-query. */
export function classifyQueryError(err: unknown, query: string): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const e = (err ?? {}) as DriverErrorLike;
  const message = e.message ?? String(err);
  const code = e.code ?? '';
  if (code === 'ServiceUnavailable' || code === 'SessionExpired' || /ECONNRESET|closed by server|connection.*(lost|closed)/i.test(message)) {
    return new MgBackupError('cannotConnect', `connection lost while running ${q(shorten(query))}`, {
      hints: ['check that the server is still running; re-run the command'], cause: err,
      details: { serverCode: code, serverMessage: message },
    });
  }
  if (/Security\.(Forbidden|Unauthorized)|not authorized|privilege/i.test(`${code} ${message}`)) {
    return new MgBackupError('authFailed', `the user may not run ${q(shorten(query))}: ${shorten(message, 160)}`, {
      hints: ['grant the user the privilege this query needs (e.g. DURABILITY for locks and snapshots, DUMP for dump)'],
      cause: err, details: { serverCode: code, serverMessage: message },
    });
  }
  // dbms_handler.hpp: UnknownDatabaseException "Tried to retrieve an unknown database "<name>"."
  const unknownDb = /unknown database "(.*)"/.exec(message);
  if (unknownDb) {
    return new MgBackupError('notFound', `database ${q(unknownDb[1])} does not exist on the server`, {
      hints: ['check --database (SHOW DATABASES lists them), or leave it out for the default database'],
      cause: err, details: { serverCode: code, serverMessage: message },
    });
  }
  const hints: string[] = [];
  if (message.includes(MULTICOMMAND_TEXT)) {
    hints.push('this query must run in auto-commit mode; this is a bug in mgbackup, please report it');
  }
  return new MgBackupError('server', `server rejected ${q(shorten(query))}: ${shorten(message, 300)}`, {
    hints: hints.length ? hints : ['see the server message above'],
    cause: err,
    details: { serverCode: code, serverMessage: message },
  });
}

/** The server's own message behind a classified error, for core modules that react to specific texts. */
export function serverMessageOf(err: unknown): string {
  if (err instanceof MgBackupError) {
    const m = err.details?.serverMessage;
    if (typeof m === 'string') return m;
  }
  return err instanceof Error ? err.message : String(err);
}
