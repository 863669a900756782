// The error codes and texts a client sees, copied in meaning from Memgraph's source so that the CLI's
// error matching is tested against the real strings.
import { StandinQueryError } from '../engine-api.js';

// QueryException subclasses are rewrapped as ClientError (src/glue/SessionHL.cpp:169-180); any other
// utils::BasicException becomes TransientError (src/communication/bolt/v1/states/handlers.hpp:37-73).
export const CLIENT_ERROR = 'Memgraph.ClientError.MemgraphError.MemgraphError';
export const TRANSIENT_ERROR = 'Memgraph.TransientError.MemgraphError.MemgraphError';

export function clientError(message: string): StandinQueryError {
  return new StandinQueryError(CLIENT_ERROR, message);
}

export function transientError(message: string): StandinQueryError {
  return new StandinQueryError(TRANSIENT_ERROR, message);
}

/** MulticommandTxException (src/query/exceptions.hpp:148-156, MessageWithDocsLink at :22); the missing
 *  space in "particularquery" is Memgraph's. */
export function multicommandError(what: string): StandinQueryError {
  return clientError(
    `${what} is not allowed in multicommand transactions. A multicommand transaction, also known as an ` +
      'explicit transaction, groups multiple commands into a single atomic operation. Instead, please use an ' +
      'implicit transaction, also known as an auto committing transaction, in order to execute this particular' +
      'query. For more details, visit https://memgraph.com/docs',
  );
}

/** DisabledForOnDisk (src/query/exceptions.hpp:160-167). */
export function onDiskError(what: string): StandinQueryError {
  return clientError(
    `${what} is not supported for the OnDisk storage mode. The query in question can be executed only while in ` +
      'the InMemory storage mode.',
  );
}

/** WriteQueryOnReplicaException (src/query/exceptions.hpp:538-545). */
export function replicaWriteError(): StandinQueryError {
  return clientError(
    'Write queries are forbidden on the replica instance. Replica instances accept only read queries, while the ' +
      'main instance accepts read and write queries. Please retry your query on the main instance.',
  );
}

/** SyntaxException built by FirstMessageErrorListener (src/query/frontend/opencypher/parser.hpp:54-70), for
 *  an admin query older than its first release: the stand-in parses with a newer grammar (which accepts
 *  it), so the no-viable-alternative form at the first token is used. Every other syntax error carries
 *  the generated parser's own message (../cypher/parse-cache.ts). */
export function syntaxError(query: string): StandinQueryError {
  const lead = /^\s*/.exec(query)?.[0].length ?? 0;
  const token = /^\s*(\S+?)(?=[\s(;{[]|$)/.exec(query)?.[1] ?? '<EOF>';
  return clientError(
    `Error on line 1 position ${lead + 1} with the ${token} token. The underlying parsing error is no viable ` +
      `alternative at input '${token}'. Take a look at clauses around and try to fix the query.`,
  );
}
