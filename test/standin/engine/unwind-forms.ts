// Test support only. The UNWIND forms mgbackup's load fast path sends (src/core/load/fast-path.ts),
// executed as Memgraph executes them: one query, rows in order, each row doing what the equivalent DUMP
// statement does, all-or-nothing. Each row is turned into that DUMP statement's text and run through
// the engine's ordinary write path, so vertices, edges, gids and property ids behave exactly as when the
// statements come one by one. Only these exact forms are accepted; a variation is not recognised.
//
// Hook (engine.ts, first line of Engine.run):
//   if (isUnwindForm(query)) return runUnwindForm(this, session, query, _params);
import type { Engine, EngineSession, QueryResult } from '../engine-api.js';
import { renderName, renderValue } from '../../../src/cypher/render-value.js';
import { INTERNAL_LABEL, INTERNAL_PROPERTY } from '../../../src/cypher/render-dump.js';
import type { Value } from '../../../src/graph/value.js';
import { clientError, syntaxError } from './memgraph-errors.js';

const ROWS_PREFIX = 'UNWIND $rows AS r ';
const NAME = '`(?:[^`]|``)*`';
const VERTEX = new RegExp(`^UNWIND \\$rows AS r CREATE \\(((?::${NAME})*)((?: \\{.*\\})?)\\)$`, 's');
const EDGE = new RegExp(
  `^UNWIND \\$rows AS r MATCH \\(u:${NAME} \\{${NAME}: r\\[0\\]\\}\\), \\(v:${NAME} \\{${NAME}: r\\[1\\]\\}\\) ` +
  `CREATE \\(u\\)-\\[:(${NAME})((?: \\{.*\\})?)\\]->\\(v\\)$`, 's');

interface Form {
  kind: 'vertex' | 'edge';
  labels: string[];
  type: string;
  keys: string[];
}

const unquote = (n: string) => n.slice(1, -1).replaceAll('``', '`');

function names(text: string): string[] {
  return [...text.matchAll(new RegExp(NAME, 'g'))].map((m) => unquote(m[0]));
}

function propsPattern(keys: string[], offset: number): string {
  return keys.length === 0 ? '' : ' {' + keys.map((k, i) => `${renderName(k)}: r[${i + offset}]`).join(', ') + '}';
}

/** The query text the form must have, rebuilt from its names: anything else is not this form. */
function canonicalText(f: Form): string {
  if (f.kind === 'vertex') {
    return `${ROWS_PREFIX}CREATE (${f.labels.map((l) => ':' + renderName(l)).join('')}${propsPattern(f.keys, 0)})`;
  }
  const end = (v: string, i: number) => `(${v}:${renderName(INTERNAL_LABEL)} {${renderName(INTERNAL_PROPERTY)}: r[${i}]})`;
  return `${ROWS_PREFIX}MATCH ${end('u', 0)}, ${end('v', 1)} CREATE (u)-[:${renderName(f.type)}${propsPattern(f.keys, 2)}]->(v)`;
}

function keysOf(pattern: string): string[] {
  // ` {`k`: r[0], `l`: r[1]}` -> the names; the rebuild check below rejects any other shape.
  return pattern === '' ? [] : [...pattern.matchAll(new RegExp(`(${NAME}): r\\[\\d+\\]`, 'g'))].map((m) => unquote(m[1]!));
}

export function parseUnwindForm(query: string): Form | undefined {
  const text = query.trim();
  if (!text.startsWith(ROWS_PREFIX)) return undefined;
  let form: Form | undefined;
  const v = VERTEX.exec(text);
  if (v) form = { kind: 'vertex', labels: names(v[1]!), type: '', keys: keysOf(v[2]!) };
  const e = v ? undefined : EDGE.exec(text);
  if (e) form = { kind: 'edge', labels: [], type: unquote(e[1]!), keys: keysOf(e[2]!) };
  return form && canonicalText(form) === text ? form : undefined;
}

export function isUnwindForm(query: string): boolean {
  return parseUnwindForm(query) !== undefined;
}

const lit = (v: Value) => renderValue(v, { exact: true });

/** The DUMP statement one row stands for. A missing list element is Null, as `r[i]` out of range is. */
export function rowStatement(f: Form, row: Value[]): string {
  const at = (i: number): Value => (i < row.length ? row[i]! : null);
  const props = (offset: number) => f.keys.length === 0 ? '' : ' {' + f.keys.map((k, i) => `${renderName(k)}: ${lit(at(i + offset))}`).join(', ') + '}';
  if (f.kind === 'vertex') return `CREATE (${f.labels.map((l) => ':' + renderName(l)).join('')}${props(0)});`;
  return `MATCH (u:${INTERNAL_LABEL}), (v:${INTERNAL_LABEL}) WHERE u.${INTERNAL_PROPERTY} = ${lit(at(0))} AND v.${INTERNAL_PROPERTY} = ${lit(at(1))} ` +
    `CREATE (u)-[:${renderName(f.type)}${props(2)}]->(v);`;
}

/** Runs the form for every row; in auto-commit the whole query is one transaction, as in Memgraph. */
export function runUnwindForm(engine: Engine, session: EngineSession, query: string, params: Record<string, Value>): QueryResult {
  const form = parseUnwindForm(query);
  if (!form) throw syntaxError(query);
  const rows = params.rows;
  if (rows === undefined) throw clientError('Parameter $rows not provided.');
  if (!Array.isArray(rows)) throw clientError('UNWIND only accepts list values.');
  const statements = rows.map((row) => {
    if (!Array.isArray(row)) throw clientError('Expected a list for indexing, got a different type.');
    return rowStatement(form, row);
  });
  const own = !session.inTransaction;
  if (own) engine.begin(session);
  try {
    for (const s of statements) engine.run(session, s, {});
  } catch (err) {
    if (own) engine.rollback(session);
    throw err;
  }
  if (own) engine.commit(session);
  return { fields: [], rows: [][Symbol.iterator]() };
}
