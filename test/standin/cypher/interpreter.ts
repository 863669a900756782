// Test support only. The stand-in's query execution below the admin queries: a query already parsed
// with Memgraph's grammar (parse-cache.ts) is a Cypher query (clauses.ts) or a schema statement
// (schema-queries.ts); everything else is refused as not supported by the stand-in.
import type { Value } from '../../../src/graph/value.js';
import { clausesOf, type QueryOutput, runCypherQuery, WRITE_CLAUSES } from './clauses.js';
import { unsupported } from './expressions.js';
import { clientError } from '../engine/memgraph-errors.js';
import type { GraphState, SchemaTx } from './graph-state.js';
import { runSchemaQuery, SCHEMA_QUERIES } from './schema-queries.js';
import { type Node, nameOf } from './tree.js';

export interface Prepared {
  write: boolean;
  run(state: GraphState, params: Record<string, Value>, tx: SchemaTx): QueryOutput;
}

/** `query` is the grammar's `query` node. */
export function prepare(query: Node): Prepared {
  rejectRepeatedMapKeys(query);
  const body = query.kids()[0]!;
  if (body.rule === 'cypherQuery') {
    if (body.kid('queryMemoryLimit')) throw unsupported('QUERY MEMORY limits');
    const write = clausesOf(body).some((c) => WRITE_CLAUSES.has(c.rule));
    return { write, run: (state, params) => runCypherQuery(body, state, params) };
  }
  if (SCHEMA_QUERIES.has(body.rule)) {
    return {
      write: true,
      run: (state, _params, tx) => {
        runSchemaQuery(body, state, tx);
        return { fields: [], rows: [] };
      },
    };
  }
  throw unsupported(`the ${body.rule} query`);
}

/**
 * Memgraph's AST visitor refuses a map literal that names a key twice, anywhere in the query, before
 * running anything (cypher_main_visitor.cpp, visitMapLiteral: a SemanticException, sent as a client error).
 */
function rejectRepeatedMapKeys(node: Node): void {
  if (node.rule === 'mapLiteral') {
    const keys = node.kids('propertyKeyName').map(nameOf);
    if (new Set(keys).size !== keys.length) throw clientError("Same key can't appear twice in a map literal.");
  }
  for (const k of node.kids()) rejectRepeatedMapKeys(k); // nested maps too
}
