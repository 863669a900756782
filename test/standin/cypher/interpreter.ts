// Test support only. The stand-in's query execution below the admin queries: a query already parsed
// with Memgraph's grammar (parse-cache.ts) is a Cypher query (clauses.ts) or a schema statement
// (schema-queries.ts); everything else is refused as not supported by the stand-in.
import type { Value } from '../../../src/graph/value.js';
import { clausesOf, type QueryOutput, runCypherQuery, WRITE_CLAUSES } from './clauses.js';
import { unsupported } from './expressions.js';
import type { GraphState, SchemaTx } from './graph-state.js';
import { runSchemaQuery, SCHEMA_QUERIES } from './schema-queries.js';
import type { Node } from './tree.js';

export interface Prepared {
  write: boolean;
  run(state: GraphState, params: Record<string, Value>, tx: SchemaTx): QueryOutput;
}

/** `query` is the grammar's `query` node. */
export function prepare(query: Node): Prepared {
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
