// The comparison form of a dump used everywhere in the project (tests, verify, diff): two dumps of the
// same graph are equal in this form whatever the server's statement order, label/property id order
// or unique-constraint property order. Values are kept as written (never re-rendered), so the form
// compares text, not meaning; names are normalised to DUMP's quoting.
import { CypherReader } from './literal-parser.js';
import { parseDumpStatement } from './dump-statement.js';
import { INTERNAL_LABEL, INTERNAL_PROPERTY, renderStatement } from './render-dump.js';
import { renderName } from './render-value.js';

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function name(n: string): string {
  return n === INTERNAL_LABEL || n === INTERNAL_PROPERTY ? n : renderName(n);
}

/** `{k: v, ...}` at the reader's position with each value's source text; keys sorted, __mg_id__ first. */
function sortedRawMap(r: CypherReader): string {
  r.expect('{');
  const entries: [string, string][] = [];
  if (!r.eat('}')) {
    do {
      const key = r.readName();
      r.expect(':');
      r.skip();
      const start = r.pos;
      r.readValue();
      entries.push([key, r.text.slice(start, r.pos)]);
    } while (r.eat(','));
    r.expect('}');
  }
  entries.sort(([a], [b]) => (a === INTERNAL_PROPERTY ? -1 : b === INTERNAL_PROPERTY ? 1 : byText(a, b)));
  return '{' + entries.map(([k, v]) => `${name(k)}: ${v}`).join(', ') + '}';
}

function canonicalVertex(r: CypherReader): string | undefined {
  if (!r.eatKeywords('CREATE') || !r.eat('(')) return undefined;
  const labels: string[] = [];
  while (r.eat(':')) labels.push(r.readName());
  const props = r.peek() === '{' ? sortedRawMap(r) : '';
  r.expect(')');
  r.eat(';');
  if (!r.atEnd()) return undefined;
  const internal = labels.filter((l) => l === INTERNAL_LABEL);
  const rest = labels.filter((l) => l !== INTERNAL_LABEL).sort(byText);
  const labelText = [...internal, ...rest].map((l) => ':' + name(l)).join('');
  return `CREATE (${labelText}${labelText && props ? ' ' : ''}${props});`;
}

function canonicalEdge(r: CypherReader): string | undefined {
  if (!r.eatKeywords('MATCH')) return undefined;
  // Walk to the relationship's type with the reader (strings and names may hold any character).
  while (!r.atEnd()) {
    if (r.eat('-')) {
      if (r.eat('[')) break;
      continue;
    }
    const c = r.peek();
    if (c === '"' || c === "'") r.readString();
    else if (c === '`') r.readName();
    else r.pos++;
  }
  if (!r.eat(':')) return undefined;
  r.readName();
  r.skip();
  const prefix = r.text.slice(0, r.pos).trimEnd();
  if (r.peek() !== '{') return undefined;
  const props = sortedRawMap(r);
  r.skip();
  return `${prefix} ${props}${r.text.slice(r.pos).trim()}`;
}

function canonicalLine(line: string): string {
  const head = line.slice(0, 12).toUpperCase();
  try {
    if (head.startsWith('CREATE (')) return canonicalVertex(new CypherReader(line)) ?? line;
    if (head.startsWith('MATCH (U:') || head.startsWith('MATCH (')) {
      if (/\]\s*->/.test(line)) return canonicalEdge(new CypherReader(line)) ?? line;
      return line;
    }
    if (/^CREATE\s+CONSTRAINT/i.test(line) && /IS\s+UNIQUE\s*;?$/i.test(line)) {
      const stmt = parseDumpStatement(line);
      if (stmt?.kind === 'schema' && stmt.item.kind === 'uniqueConstraint') {
        return renderStatement({ ...stmt.item, properties: [...stmt.item.properties].sort(byText) });
      }
    }
  } catch {
    // Not a DUMP form after all: compare it as written.
  }
  return line;
}

/** Canonical form: per-statement normalisation (see module comment), blank lines dropped, lines sorted. */
export function canonicalDump(lines: Iterable<string>): string[] {
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    out.push(canonicalLine(line));
  }
  return out.sort(byText);
}
