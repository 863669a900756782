// Loads the parsers scripts/gen-grammar.sh generated from Memgraph's own ANTLR grammars (build/grammar/
// <name>/js, git-ignored) and parses a statement with the entry rule `cypher`, collecting every syntax
// error instead of printing it. The parsers are imported at run time because the grammars are test data
// that may be absent; callers skip (with GRAMMAR_MISSING_REASON) when `availableGrammars()` is empty.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BailErrorStrategy, BaseErrorListener, CharStream, CommonTokenStream, DefaultErrorStrategy, NoViableAltException, type ATNSimulator,
  type Parser, type ParserRuleContext, PredictionMode, type RecognitionException, type Recognizer, type Token,
} from 'antlr4ng';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

/** The grammar Memgraph 3.13 ships (the durability fixtures' commit) and the v3.12.0 release. */
export const GRAMMAR_NAMES = ['v3.12.0', 'df0f636'] as const;
export type GrammarName = (typeof GRAMMAR_NAMES)[number];

export const GRAMMAR_BUILD_DIR = path.join(REPO_ROOT, 'build', 'grammar');

export const GRAMMAR_MISSING_REASON =
  'Memgraph grammar parsers not generated: set MGBACKUP_GRAMMAR or place shared/memgraph-grammar beside the repo ' +
  '(bash scripts/fetch-fixtures.sh), then bash scripts/gen-grammar.sh';

const parserFile = (name: string) => path.join(GRAMMAR_BUILD_DIR, name, 'js', 'MemgraphCypher.js');

export function availableGrammars(): GrammarName[] {
  if (!existsSync(GRAMMAR_BUILD_DIR)) return [];
  const built = new Set(readdirSync(GRAMMAR_BUILD_DIR).filter((n) => existsSync(parserFile(n))));
  return GRAMMAR_NAMES.filter((n) => built.has(n));
}

export interface SyntaxErrorInfo {
  line: number;
  column: number;
  message: string;
  /** The offending token's text, and whether ANTLR found no viable alternative there (Memgraph's
   *  FirstMessageErrorListener words that case differently). */
  token?: string;
  noViableAlt?: boolean;
}

export interface ParseOutcome {
  /** The `cypher` rule's context; walk it by `ruleNames[ctx.ruleIndex]`. */
  tree: ParserRuleContext;
  errors: SyntaxErrorInfo[];
}

export interface MemgraphGrammar {
  name: GrammarName;
  ruleNames: readonly string[];
  /** The lexer's symbolic token names by token type (e.g. StringLiteral). */
  tokenName(type: number): string | undefined;
  parse(text: string): ParseOutcome;
  /** The tokens of `text` (default channel): symbolic type name, text, code-point start and stop. */
  lex(text: string): { type: string; text: string; start: number; stop: number }[];
}

class Collect extends BaseErrorListener {
  readonly errors: SyntaxErrorInfo[] = [];
  override syntaxError<S extends Token, T extends ATNSimulator>(
    _r: Recognizer<T>, s: S | null, line: number, column: number, message: string, e: RecognitionException | null,
  ): void {
    this.errors.push({ line, column, message, token: s?.text ?? undefined, noViableAlt: e instanceof NoViableAltException });
  }
}

type ParserCtor = new (input: CommonTokenStream) => Parser & { cypher(): ParserRuleContext };
type LexerCtor = new (input: CharStream) => ConstructorParameters<typeof CommonTokenStream>[0] & {
  removeErrorListeners(): void;
  addErrorListener(l: BaseErrorListener): void;
  getAllTokens(): Token[];
  vocabulary: { getSymbolicName(t: number): string | null };
};

const loaded = new Map<GrammarName, Promise<MemgraphGrammar>>();

export function loadGrammar(name: GrammarName): Promise<MemgraphGrammar> {
  let p = loaded.get(name);
  if (!p) {
    p = load(name);
    loaded.set(name, p);
  }
  return p;
}

async function load(name: GrammarName): Promise<MemgraphGrammar> {
  const dir = path.dirname(parserFile(name));
  const P = (await import(pathToFileURL(parserFile(name)).href)).MemgraphCypher as ParserCtor;
  const L = (await import(pathToFileURL(path.join(dir, 'MemgraphCypherLexer.js')).href)).MemgraphCypherLexer as LexerCtor;
  let ruleNames: readonly string[] = [];
  let vocabulary: { getSymbolicName(t: number): string | null } | undefined;

  const run = (text: string, sll: boolean): ParseOutcome => {
    const lexErrors = new Collect();
    const lexer = new L(CharStream.fromString(text));
    lexer.removeErrorListeners();
    lexer.addErrorListener(lexErrors);
    const parser = new P(new CommonTokenStream(lexer));
    ruleNames = parser.ruleNames;
    vocabulary = parser.vocabulary;
    parser.removeErrorListeners();
    const errors = new Collect();
    if (sll) {
      // The quick two-stage strategy: SLL with bail-out first, full LL only when that fails.
      parser.interpreter.predictionMode = PredictionMode.SLL;
      parser.errorHandler = new BailErrorStrategy();
    } else {
      parser.errorHandler = new DefaultErrorStrategy();
      parser.addErrorListener(errors);
    }
    const tree = parser.cypher();
    return { tree, errors: [...lexErrors.errors, ...errors.errors] };
  };

  return {
    name,
    get ruleNames() {
      return ruleNames;
    },
    tokenName: (t) => vocabulary?.getSymbolicName(t) ?? undefined,
    lex(text: string) {
      const lexer = new L(CharStream.fromString(text));
      lexer.removeErrorListeners();
      return lexer.getAllTokens()
        .filter((t) => t.channel === 0)
        .map((t) => ({ type: lexer.vocabulary.getSymbolicName(t.type) ?? '', text: t.text ?? '', start: t.start, stop: t.stop }));
    },
    parse(text: string): ParseOutcome {
      try {
        const r = run(text, true);
        if (r.errors.length === 0) return r;
      } catch {
        // SLL gave up: the full LL pass below decides and reports.
      }
      return run(text, false);
    },
  };
}

/** "line 1:7 mismatched input ..." for every error, one per line. */
export function describeErrors(errors: readonly SyntaxErrorInfo[]): string {
  return errors.map((e) => `line ${e.line}:${e.column} ${e.message}`).join('\n');
}
