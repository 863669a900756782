// Splits a stream of Cypher text (.cypherl dumps, hand-written scripts) into statements without
// holding more than the current statement: a character-level state machine that knows quoted strings
// (with backslash escapes), back-quoted names (doubled backticks), // and /* */ comments. Comments
// before a statement are dropped; those inside one stay in its text.
import { UsageError } from '../errors/errors.js';

export interface SplitStatement {
  /** From the statement's first token through its terminating `;` (absent on a trailing statement). */
  text: string;
  /** 1-based line where the statement's first token is. */
  line: number;
}

type Mode = 'code' | 'single' | 'double' | 'backtick' | 'lineComment' | 'blockComment';

export async function* splitStatements(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<SplitStatement> {
  let mode: Mode = 'code';
  let escaped = false;
  let line = 1;
  let inStatement = false;
  let startLine = 0;
  let quoteLine = 0;
  let parts: string[] = [];
  // A '/' (in code) or '*' (in a block comment) at a chunk's end waits for the next chunk's first char.
  let carry = '';

  for await (const raw of chunks) {
    const chunk = carry + raw;
    carry = '';
    let segStart = inStatement ? 0 : -1;
    let i = 0;
    const n = chunk.length;
    const out: SplitStatement[] = [];
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      switch (mode) {
        case 'code': {
          if (c === 47 /* / */) {
            if (i + 1 >= n) {
              carry = '/';
              break;
            }
            const next = chunk.charCodeAt(i + 1);
            if (next === 47 || next === 42) {
              mode = next === 47 ? 'lineComment' : 'blockComment';
              i += 2;
              continue;
            }
          }
          if (c === 59 /* ; */) {
            if (inStatement) {
              parts.push(chunk.slice(segStart, i + 1));
              out.push({ text: parts.join('').trimEnd(), line: startLine });
              parts = [];
              inStatement = false;
              segStart = -1;
            }
            break;
          }
          if (!inStatement && !isSpace(c)) {
            inStatement = true;
            startLine = line;
            segStart = i;
          }
          if (c === 39 /* ' */) { mode = 'single'; quoteLine = line; }
          else if (c === 34 /* " */) { mode = 'double'; quoteLine = line; }
          else if (c === 96 /* ` */) { mode = 'backtick'; quoteLine = line; }
          break;
        }
        case 'single':
        case 'double':
          if (escaped) escaped = false;
          else if (c === 92 /* \ */) escaped = true;
          else if (c === (mode === 'single' ? 39 : 34)) mode = 'code';
          break;
        case 'backtick':
          // A doubled backtick closes and at once reopens: the toggle reads it correctly.
          if (c === 96) mode = 'code';
          break;
        case 'lineComment':
          if (c === 10) mode = 'code';
          break;
        case 'blockComment':
          if (c === 42 /* * */) {
            if (i + 1 >= n) {
              carry = '*';
              break;
            }
            if (chunk.charCodeAt(i + 1) === 47) {
              mode = 'code';
              i += 2;
              continue;
            }
          }
          break;
      }
      if (carry !== '') break;
      i++;
    }
    if (inStatement) parts.push(chunk.slice(segStart, n - carry.length));
    for (const s of out) yield s;
  }
  if (carry === '/' && !inStatement) {
    inStatement = true;
    startLine = line;
  }
  if (carry !== '' && inStatement && mode === 'code') parts.push(carry);
  if (mode === 'single' || mode === 'double' || mode === 'backtick') {
    const what = mode === 'backtick' ? 'back-quoted name' : 'string';
    throw new UsageError(`unterminated ${what} starting on line ${quoteLine}`, {
      hints: ['the input ends inside a quote: check that line for a missing closing quote'],
    });
  }
  if (inStatement) {
    const text = parts.join('').trimEnd();
    if (text !== '') yield { text, line: startLine };
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11 || c === 0xfeff || c === 0xa0;
}
