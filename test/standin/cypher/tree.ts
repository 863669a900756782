// Test support only. Reading the parse trees of the parser generated from Memgraph's grammar
// (test/grammar/memgraph-parser.ts) by rule name, so the stand-in needs no generated types at compile
// time. A Node wraps a rule context; tokens are reached through `tokens()`.
import { ParserRuleContext, TerminalNode, type ParseTree } from 'antlr4ng';
import type { MemgraphGrammar } from '../../grammar/memgraph-parser.js';

// Parse trees are cached per query text and walked once per row of an UNWIND: the wrappers and token
// lists of a context are built once.
const kidsOf = new WeakMap<ParserRuleContext, Node[]>();
const tokensOf = new WeakMap<ParserRuleContext, string[]>();
const memo = new WeakMap<ParserRuleContext, Map<string, unknown>>();

export class Node {
  readonly rule: string;

  constructor(readonly ctx: ParserRuleContext, private readonly g: TreeContext) {
    this.rule = g.grammar.ruleNames[ctx.ruleIndex]!;
  }

  /** A value derived from this node once and kept with the parse tree (e.g. a compiled pattern). */
  cached<T>(key: string, make: () => T): T {
    let m = memo.get(this.ctx);
    if (!m) memo.set(this.ctx, (m = new Map()));
    if (!m.has(key)) m.set(key, make());
    return m.get(key) as T;
  }

  /** Direct rule children, optionally only those with this rule name. */
  kids(rule?: string): Node[] {
    let all = kidsOf.get(this.ctx);
    if (!all) {
      all = this.ctx.children.filter((c): c is ParserRuleContext => c instanceof ParserRuleContext).map((c) => new Node(c, this.g));
      kidsOf.set(this.ctx, all);
    }
    return rule === undefined ? all : all.filter((n) => n.rule === rule);
  }

  kid(rule: string): Node | undefined {
    for (const k of this.kids()) if (k.rule === rule) return k;
    return undefined;
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
    let t = tokensOf.get(this.ctx);
    if (!t) {
      t = this.ctx.children.filter((c): c is TerminalNode => c instanceof TerminalNode).map((x) => x.getText().toUpperCase());
      tokensOf.set(this.ctx, t);
    }
    return t;
  }

  has(token: string): boolean {
    return this.tokens().includes(token);
  }

  /** Children in order: rule nodes, or the upper-cased text of a token. */
  parts(): (Node | string)[] {
    return this.cached('parts', () => {
      const kids = this.kids();
      let k = 0;
      return this.ctx.children.map((c: ParseTree) => (c instanceof ParserRuleContext ? kids[k++]! : c.getText().toUpperCase()));
    });
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
