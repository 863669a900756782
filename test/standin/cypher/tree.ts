// Test support only. Reading the parse trees of the parser generated from Memgraph's grammar
// (test/grammar/memgraph-parser.ts) by rule name, so the stand-in needs no generated types at compile
// time. A Node wraps a rule context; tokens are reached through `tokens()`.
import { ParserRuleContext, TerminalNode, type ParseTree } from 'antlr4ng';
import type { MemgraphGrammar } from '../../grammar/memgraph-parser.js';

export class Node {
  constructor(readonly ctx: ParserRuleContext, private readonly g: TreeContext) {}

  get rule(): string {
    return this.g.grammar.ruleNames[this.ctx.ruleIndex]!;
  }

  /** Direct rule children, optionally only those with this rule name. */
  kids(rule?: string): Node[] {
    const out: Node[] = [];
    for (const c of this.ctx.children) {
      if (c instanceof ParserRuleContext) {
        const n = new Node(c, this.g);
        if (rule === undefined || n.rule === rule) out.push(n);
      }
    }
    return out;
  }

  kid(rule: string): Node | undefined {
    return this.kids(rule)[0];
  }

  /** The first descendant (depth first, self included) with this rule name. */
  find(rule: string): Node | undefined {
    if (this.rule === rule) return this;
    for (const k of this.kids()) {
      const f = k.find(rule);
      if (f) return f;
    }
    return undefined;
  }

  /** Every descendant with this rule name, not looking inside a match. */
  findAll(rule: string, out: Node[] = []): Node[] {
    if (this.rule === rule) {
      out.push(this);
      return out;
    }
    for (const k of this.kids()) k.findAll(rule, out);
    return out;
  }

  /** Direct terminal children's texts, upper-cased (keywords and punctuation). */
  tokens(): string[] {
    return this.ctx.children.filter((c): c is TerminalNode => c instanceof TerminalNode).map((t) => t.getText().toUpperCase());
  }

  has(token: string): boolean {
    return this.tokens().includes(token);
  }

  /** Children in order: rule nodes, or the upper-cased text of a token. */
  parts(): (Node | string)[] {
    return this.ctx.children.map((c: ParseTree) => (c instanceof ParserRuleContext ? new Node(c, this.g) : c.getText().toUpperCase()));
  }

  /** The query text this node spans, as written. */
  get text(): string {
    const start = this.ctx.start?.start ?? 0;
    const stop = this.ctx.stop?.stop ?? start - 1;
    return this.g.slice(start, stop + 1);
  }

  /** The names of the tokens directly under this node (lexer symbolic names). */
  tokenTypes(): string[] {
    return this.ctx.children
      .filter((c): c is TerminalNode => c instanceof TerminalNode)
      .map((t) => this.g.grammar.tokenName(t.symbol.type) ?? '');
  }
}

export class TreeContext {
  private codePoints: string[] | undefined;

  constructor(readonly grammar: MemgraphGrammar, readonly query: string) {}

  /** ANTLR indexes code points; only astral characters make that differ from UTF-16 indexes. */
  slice(start: number, end: number): string {
    if (!/[\uD800-\uDFFF]/.test(this.query)) return this.query.slice(start, end);
    this.codePoints ??= Array.from(this.query);
    return this.codePoints.slice(start, end).join('');
  }
}

/** symbolicName (and labelName, propertyKeyName, …, which wrap it): backticks removed, `` undoubled. */
export function nameOf(n: Node): string {
  const t = n.text.trim();
  if (t.startsWith('`') && t.endsWith('`') && t.length >= 2) return t.slice(1, -1).replaceAll('``', '`');
  return t;
}

/** A StringLiteral as Memgraph's ParseStringLiteral reads it (quotes ' or ", backslash escapes). */
export function stringLiteral(raw: string): string {
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i]!;
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': out += String.fromCodePoint(parseInt(raw.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': out += String.fromCodePoint(parseInt(raw.slice(i + 1, i + 9), 16)); i += 8; break;
      default: out += e; // \\ \' \"
    }
  }
  return out;
}
