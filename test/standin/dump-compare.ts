// Test support only: compares DUMP outputs as Memgraph's DUMP leaves them comparable. Within a
// statement, Memgraph's order of labels and top-level properties follows internal ids, and a unique
// constraint's property set is a std::set keyed by ids, so those orders differ between two databases
// holding the same graph; and statements of one section may come in another order. Each statement is
// normalised (labels, top-level properties, unique-constraint properties sorted) and then lines sorted.
// Written for the stand-in's tests, independent of src/cypher.

/** Splits `a, b, c` at top-level commas (not inside quotes, backticks, brackets or braces). */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** Index of the bracket closing the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const sortedJoin = (parts: string[], sep: string) => [...parts].sort().join(sep);

/** Sorts the labels of `(:A:B {…})` or `(u:A:B)` node patterns and the entries of their property maps. */
function normaliseNodes(stmt: string): string {
  let out = '';
  let i = 0;
  while (i < stmt.length) {
    const c = stmt[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = skipQuoted(stmt, i);
      out += stmt.slice(i, end);
      i = end;
      continue;
    }
    if (c === '(' || (c === '[' && stmt[i + 1] === ':') || c === '{') {
      const end = closing(stmt, i);
      if (end < 0) return stmt;
      const inner = stmt.slice(i + 1, end);
      out += c + (c === '{' ? sortedJoin(splitTop(inner), ', ') : normalisePattern(inner)) + stmt[end];
      i = end + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function skipQuoted(text: string, at: number): number {
  const q = text[at]!;
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\' && q !== '`') i++;
    else if (text[i] === q) {
      if (q === '`' && text[i + 1] === '`') i++;
      else return i + 1;
    }
  }
  return text.length;
}

/** `u:A:B {…}` → variable, sorted labels, sorted map. Anything else is left as written. */
function normalisePattern(inner: string): string {
  const m = /^(\w*)((?::(?:`(?:[^`]|``)*`|\w+))+)(.*)$/s.exec(inner);
  if (!m) return inner;
  const labels = [...m[2]!.matchAll(/:(`(?:[^`]|``)*`|\w+)/g)].map((x) => x[1]!);
  const rest = m[3]!;
  const brace = rest.indexOf('{');
  const restNorm = brace >= 0 && rest.trim().startsWith('{')
    ? rest.slice(0, brace) + '{' + sortedJoin(splitTop(rest.slice(brace + 1, closing(rest, brace))), ', ') + '}' + rest.slice(closing(rest, brace) + 1)
    : rest;
  return m[1]! + labels.sort().map((l) => ':' + l).join('') + restNorm;
}

/** One DUMP statement in comparable form. */
export function normaliseStatement(stmt: string): string {
  const unique = /^(CREATE CONSTRAINT ON \(\w+:(?:`(?:[^`]|``)*`|\w+)\) ASSERT )(.*)( IS UNIQUE;?)$/s.exec(stmt);
  if (unique) return unique[1]! + sortedJoin(splitTop(unique[2]!), ', ') + unique[3]!;
  if (stmt.startsWith('CREATE (') || stmt.startsWith('MATCH (')) return normaliseNodes(stmt);
  return stmt;
}

export function comparableDump(lines: readonly string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== '').map(normaliseStatement).sort();
}
