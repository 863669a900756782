// Test support only. Every query the stand-in receives is parsed with the parser generated from
// Memgraph's own grammar (scripts/gen-grammar.sh); a rejected query gets the error text Memgraph's
// FirstMessageErrorListener builds (src/query/frontend/opencypher/parser.hpp). Parse trees are cached by
// query text: the load fast path sends one UNWIND text many times with different parameters.
import {
  availableGrammars, GRAMMAR_MISSING_REASON, type GrammarName, loadGrammar, type MemgraphGrammar,
} from '../../grammar/memgraph-parser.js';
import { Node, TreeContext } from './tree.js';

import type { Value } from '../../../src/graph/value.js';
import { stringLiteral } from './tree.js';

/** `literals`: values of the literals stripped from the query, to add to its parameters. */
export type Parsed = { ok: true; statement: Node; literals?: Record<string, Value> } | { ok: false; message: string };

const LITERAL_TOKENS = new Set(['StringLiteral', 'DecimalLiteral', 'OctalLiteral', 'HexadecimalLiteral', 'FloatingLiteral']);

function literalValue(type: string, text: string): Value {
  switch (type) {
    case 'StringLiteral': return stringLiteral(text);
    case 'FloatingLiteral': return Number(text);
    case 'OctalLiteral': return BigInt('0o' + text.slice(1));
    default: return BigInt(text);
  }
}

const CACHE_LIMIT = 5000;

export class QueryParser {
  private readonly cache = new Map<string, Parsed>();

  constructor(readonly grammar: MemgraphGrammar) {}

  parse(query: string): Parsed {
    const stripped = this.strip(query);
    if (stripped) {
      const parsed = this.cached(stripped.text);
      if (parsed.ok) return { ...parsed, literals: stripped.literals };
    }
    return this.cached(query);
  }

  private cached(query: string): Parsed {
    const hit = this.cache.get(query);
    if (hit) return hit;
    const parsed = this.parseUncached(query);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(query, parsed);
    return parsed;
  }

  /**
   * Like Memgraph's StrippedQuery (src/query/frontend/stripped.cpp), literals become parameters so that
   * statements differing only in their values (DUMP's vertex and edge lines) share one parse. Only for
   * plain CREATE/MATCH statements without parameters, RETURN (column names are the written text), trigger
   * bodies or config maps (where a literal must stay a literal); astral characters would shift offsets.
   */
  private strip(query: string): { text: string; literals: Record<string, Value> } | undefined {
    if (query.includes('$') || /[\uD800-\uDFFF]/.test(query)) return undefined;
    const tokens = this.grammar.lex(query);
    const first = tokens[0]?.text.toUpperCase();
    if (first !== 'CREATE' && first !== 'MATCH') return undefined;
    if (tokens.some((t) => /^(RETURN|TRIGGER|CONFIG|WITH|ENUM)$/i.test(t.text))) return undefined;
    const literals: Record<string, Value> = {};
    let text = '';
    let at = 0;
    let n = 0;
    for (const t of tokens) {
      if (!LITERAL_TOKENS.has(t.type)) continue;
      const name = `${n++}`;
      literals[name] = literalValue(t.type, t.text);
      text += query.slice(at, t.start) + '$' + name;
      at = t.stop + 1;
    }
    return n === 0 ? undefined : { text: text + query.slice(at), literals };
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
