// Test support only. Every query the stand-in receives is parsed with the parser generated from
// Memgraph's own grammar (scripts/gen-grammar.sh); a rejected query gets the error text Memgraph's
// FirstMessageErrorListener builds (src/query/frontend/opencypher/parser.hpp). Parse trees are cached by
// query text: the load fast path sends one UNWIND text many times with different parameters.
import {
  availableGrammars, GRAMMAR_MISSING_REASON, type GrammarName, loadGrammar, type MemgraphGrammar,
} from '../../grammar/memgraph-parser.js';
import { Node, TreeContext } from './tree.js';

export type Parsed = { ok: true; statement: Node } | { ok: false; message: string };

const CACHE_LIMIT = 5000;

export class QueryParser {
  private readonly cache = new Map<string, Parsed>();

  constructor(readonly grammar: MemgraphGrammar) {}

  parse(query: string): Parsed {
    const hit = this.cache.get(query);
    if (hit) return hit;
    const parsed = this.parseUncached(query);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(query, parsed);
    return parsed;
  }

  private parseUncached(query: string): Parsed {
    const { tree, errors } = this.grammar.parse(query);
    const e = errors[0];
    if (e) {
      const where = `Error on line ${e.line} position ${e.column + 1}`;
      const message = e.noViableAlt
        ? `${where} with the ${e.token ?? '<EOF>'} token. The underlying parsing error is ${e.message}. Take a look at clauses around and try to fix the query.`
        : `${where}. The underlying parsing error is ${e.message}`;
      return { ok: false, message };
    }
    const root = new Node(tree, new TreeContext(this.grammar, query));
    return { ok: true, statement: root.kid('statement')!.kid('query')! };
  }
}

/** The grammar of the release imitated: df0f636 (what 3.13 ships) from 3.13 on, v3.12.0 before. */
export async function queryParserFor(version: { major: number; minor: number }): Promise<QueryParser> {
  const want: GrammarName = version.major > 3 || (version.major === 3 && version.minor >= 13) ? 'df0f636' : 'v3.12.0';
  if (!availableGrammars().includes(want)) {
    throw new Error(`the stand-in parses queries with Memgraph's grammar ${want}, which is not built. ${GRAMMAR_MISSING_REASON}`);
  }
  return new QueryParser(await loadGrammar(want));
}
