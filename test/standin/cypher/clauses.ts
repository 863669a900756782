// Test support only. Runs a Cypher query (Memgraph's `cypherQuery` rule) clause by clause over rows of
// bindings: MATCH (with WHERE; equalities on a pattern variable's property are looked up, not scanned),
// UNWIND, CREATE, SET, REMOVE, DELETE and RETURN (plain items or count()). That is what DUMP's
// statements, mgbackup's load fast path and the tests use; other clauses are refused.
import type { PropertyMap, Value } from '../../../src/graph/value.js';
import type { Vertex } from '../../../src/graph/model.js';
import { clientError } from '../engine/memgraph-errors.js';
import { asValue, type EvalContext, evaluate, labelNames, mapLiteral, storable, unsupported } from './expressions.js';
import type { GraphState } from './graph-state.js';
import { type Node, nameOf } from './tree.js';
import { type Datum, EdgeRef, NodeRef, typeName, valueKey } from './values.js';

type Row = Map<string, Datum>;

export interface QueryOutput {
  fields: string[];
  rows: Value[][];
}

export const WRITE_CLAUSES = new Set(['create', 'set', 'remove', 'cypherDelete', 'merge']);

export function clausesOf(query: Node): Node[] {
  const single = query.kids('singleQuery');
  if (single.length !== 1 || query.kid('cypherUnion')) throw unsupported('UNION');
  return single[0]!.kids('clause').map((c) => c.kids()[0]!);
}

export function runCypherQuery(query: Node, state: GraphState, params: Record<string, Value>): QueryOutput {
  let rows: Row[] = [new Map()];
  const ctx = (row: Row): EvalContext => ({ params, state, row });
  let output: QueryOutput = { fields: [], rows: [] };
  for (const clause of clausesOf(query)) {
    switch (clause.rule) {
      case 'cypherMatch': rows = match(clause, rows, state, params); break;
      case 'unwind': {
        const name = nameOf(clause.kid('variable')!);
        rows = rows.flatMap((row) => {
          const list = evaluate(clause.kid('expression')!, ctx(row));
          if (list === null) return [];
          if (!Array.isArray(list)) throw clientError(`UNWIND only accepts list values, got '${typeName(list)}'.`);
          return list.map((x) => new Map(row).set(name, x));
        });
        break;
      }
      case 'create': for (const row of rows) createPattern(clause.kid('pattern')!, row, state, params); break;
      case 'set': for (const row of rows) for (const item of clause.kids('setItem')) setItem(item, ctx(row), state); break;
      case 'remove': for (const row of rows) for (const item of clause.kids('removeItem')) removeItem(item, ctx(row), state); break;
      case 'cypherDelete': {
        const detach = clause.has('DETACH');
        for (const row of rows) {
          for (const e of clause.kids('expression')) {
            const d = evaluate(e, ctx(row));
            if (d instanceof EdgeRef) state.deleteEdge(d.gid);
            else if (d instanceof NodeRef) {
              if (!state.deleteVertex(d.gid, detach)) {
                throw clientError("Failed to remove node because of it's existing connections. Consider using DETACH DELETE.");
              }
            } else if (d !== null) throw clientError(`Only edges and vertices can be deleted, got ${typeName(d)}.`);
          }
        }
        break;
      }
      case 'cypherReturn': output = returnRows(clause, rows, ctx); break;
      default: throw unsupported(`the ${clause.rule} clause`);
    }
  }
  return output;
}

function returnRows(clause: Node, rows: Row[], ctx: (row: Row) => EvalContext): QueryOutput {
  const body = clause.kid('returnBody')!;
  if (clause.has('DISTINCT') || body.kid('order') || body.kid('skip') || body.kid('limit')) throw unsupported('DISTINCT, ORDER BY, SKIP and LIMIT');
  const items = body.kid('returnItems')!;
  if (items.has('*')) throw unsupported('RETURN *');
  const list = items.kids('returnItem').map((item) => {
    const expr = item.kid('expression')!;
    const alias = item.kid('variable');
    return { expr, field: alias ? nameOf(alias) : expr.text, count: countArgument(expr) };
  });
  const fields = list.map((i) => i.field);
  if (list.every((i) => i.count !== undefined)) {
    return {
      fields,
      rows: [list.map((i) => BigInt(rows.filter((r) => i.count === '*' || evaluate(i.count as Node, ctx(r)) !== null).length))],
    };
  }
  if (list.some((i) => i.count !== undefined)) throw unsupported('aggregation with grouping keys');
  return { fields, rows: rows.map((r) => list.map((i) => asValue(evaluate(i.expr, ctx(r))))) };
}

/** count(x) → x, count(*) → '*', anything else → undefined. */
function countArgument(expr: Node): Node | '*' | undefined {
  const atom = expr.find('atom');
  if (!atom || atom.text.replace(/\s+/g, '') !== expr.text.replace(/\s+/g, '')) return undefined;
  if (atom.tokens()[0] === 'COUNT' && atom.has('*')) return '*';
  const f = atom.kid('functionInvocation');
  if (f && f.kid('functionName')!.text.toLowerCase() === 'count' && f.kids('expression').length === 1 && !f.has('DISTINCT')) {
    return f.kid('expression')!;
  }
  return undefined;
}

// ---------------------------------------------------------------- MATCH

interface NodeSpec { variable?: string; labels: string[]; props: [string, Node | Value][] }

function nodeSpec(n: Node): NodeSpec {
  return n.cached('nodeSpec', () => readNodeSpec(n));
}

function readNodeSpec(n: Node): NodeSpec {
  if (n.kid('labelExpression')) throw unsupported('label expressions (:A|B)');
  const v = n.kid('variable');
  const labels = n.kid('nodeLabels');
  const props = n.kid('properties');
  return {
    ...(v ? { variable: nameOf(v) } : {}),
    labels: labels ? labelNames(labels) : [],
    props: props ? propertyEntries(props) : [],
  };
}

function propertyEntries(props: Node): [string, Node | Value][] {
  const map = props.kid('mapLiteral');
  if (!map) throw unsupported('properties given as a parameter in a pattern');
  const values = map.kids('expression');
  return map.kids('propertyKeyName').map((k, i) => [nameOf(k), values[i]!]);
}

function variablesIn(n: Node): Set<string> {
  return new Set(n.findAll('variable').map(nameOf));
}

/** `x.p = e` conjuncts of WHERE whose `e` does not use the pattern's own variables. */
function pushDown(where: Node | undefined, patternVars: Set<string>): { pushed: Map<string, [string, Node][]>; rest: Node[] } {
  const pushed = new Map<string, [string, Node][]>();
  const rest: Node[] = [];
  if (!where) return { pushed, rest };
  let e = where.kid('expression')!.kid('expression12')!;
  const conjuncts: Node[] = [];
  if (e.kids().length === 1) {
    const e11 = e.kid('expression11')!;
    if (e11.kids().length === 1) {
      e = e11.kid('expression10')!;
      conjuncts.push(...e.kids('expression9'));
    }
  }
  if (conjuncts.length === 0) return { pushed, rest: [where.kid('expression')!] };
  for (const c of conjuncts) {
    const eq = propertyEquality(c);
    if (eq && patternVars.has(eq.variable) && ![...variablesIn(eq.value)].some((v) => patternVars.has(v))) {
      const list = pushed.get(eq.variable) ?? [];
      list.push([eq.key, eq.value]);
      pushed.set(eq.variable, list);
    } else rest.push(c);
  }
  return { pushed, rest };
}

function propertyEquality(c: Node): { variable: string; key: string; value: Node } | undefined {
  if (c.tokens().length > 0) return undefined; // NOT
  const e8 = c.kid('expression8')!;
  const cmp = e8.kids('partialComparisonExpression');
  if (cmp.length !== 1 || cmp[0]!.tokens()[0] !== '=') return undefined;
  const left = e8.kid('expression7')!;
  const b = left.find('expression2b');
  if (!b || b.text.replace(/\s+/g, '') !== left.text.replace(/\s+/g, '')) return undefined;
  const members = b.kids('memberAccess');
  const v = b.kid('atom')?.kid('variable');
  if (!v || members.length !== 1 || !members[0]!.kid('propertyLookup')) return undefined;
  return { variable: nameOf(v), key: nameOf(members[0]!.kid('propertyLookup')!.kid('propertyKeyName')!), value: cmp[0]!.kid('expression7')! };
}

function match(clause: Node, rows: Row[], state: GraphState, params: Record<string, Value>): Row[] {
  if (clause.has('OPTIONAL')) throw unsupported('OPTIONAL MATCH');
  const parts = clause.kid('pattern')!.kids('patternPart');
  const elements = parts.map((p) => {
    if (p.kid('variable')) throw unsupported('named paths');
    return p.kid('anonymousPatternPart')!.kid('patternElement')!;
  });
  const patternVars = new Set<string>();
  for (const el of elements) for (const v of el.findAll('variable')) patternVars.add(nameOf(v));
  for (const r of rows) for (const k of r.keys()) patternVars.delete(k);
  const where = clause.kid('where');
  const { pushed, rest } = pushDown(where, patternVars);
  const out: Row[] = [];
  for (const row of rows) {
    let partial: Row[] = [row];
    for (const el of elements) partial = partial.flatMap((r) => matchElement(el, r, state, params, pushed));
    for (const r of partial) {
      const ctx = { params, state, row: r };
      if (rest.every((c) => evaluate(c, ctx) === true)) out.push(r);
    }
  }
  return out;
}

function wantedProps(spec: NodeSpec, row: Row, state: GraphState, params: Record<string, Value>, pushed: Map<string, [string, Node][]>): [string, Value][] {
  const ctx = { params, state, row };
  const wanted: [string, Value][] = spec.props.map(([k, e]) => [k, asValue(evaluate(e as Node, ctx))]);
  for (const [k, e] of (spec.variable && pushed.get(spec.variable)) || []) wanted.push([k, asValue(evaluate(e, ctx))]);
  return wanted;
}

/** Whether a vertex fits a node pattern (bound variable, labels, wanted property values). */
function fits(spec: NodeSpec, v: Vertex, row: Row, wanted: [string, Value][]): boolean {
  const bound = spec.variable === undefined ? undefined : row.get(spec.variable);
  if (bound !== undefined && !(bound instanceof NodeRef && bound.gid === v.gid)) return false;
  if (!spec.labels.every((l) => v.labels.includes(l))) return false;
  return wanted.every(([k, x]) => x !== null && v.props.has(k) && valueKey(v.props.get(k)!) === valueKey(x));
}

function candidates(spec: NodeSpec, row: Row, state: GraphState, params: Record<string, Value>, pushed: Map<string, [string, Node][]>): Vertex[] {
  const wanted = wantedProps(spec, row, state, params, pushed);
  const bound = spec.variable === undefined ? undefined : row.get(spec.variable);
  let pool: Iterable<Vertex>;
  if (bound !== undefined) {
    if (!(bound instanceof NodeRef)) throw clientError(`${spec.variable} is not a node.`);
    const v = state.graph.vertices.get(bound.gid);
    pool = v ? [v] : [];
  } else if (wanted.length > 0) {
    if (wanted[0]![1] === null) return [];
    pool = state.lookup(wanted[0]![0], wanted[0]![1]);
  } else pool = state.graph.vertices.values();
  return [...pool].filter((v) => fits(spec, v, row, wanted));
}

function matchElement(el: Node, row: Row, state: GraphState, params: Record<string, Value>, pushed: Map<string, [string, Node][]>): Row[] {
  const first = nodeSpec(el.kid('nodePattern')!);
  let states = candidates(first, row, state, params, pushed).map((v) => ({ row: bindVar(row, first.variable, new NodeRef(v.gid)), cur: v.gid }));
  for (const chain of el.kids('patternElementChain')) {
    const rel = chain.kid('relationshipPattern')!;
    const detail = rel.kid('relationshipDetail');
    if (detail?.kid('variableExpansion')) throw unsupported('variable-length expansion');
    const relVar = detail?.kid('variable');
    const types = detail?.kid('relationshipTypes')?.kids('relTypeName').map(nameOf) ?? [];
    const relProps = detail?.kid('properties') ? propertyEntries(detail.kid('properties')!) : [];
    const right = !!rel.kid('rightArrowHead');
    const left = !!rel.kid('leftArrowHead');
    const spec = nodeSpec(chain.kid('nodePattern')!);
    const next: typeof states = [];
    for (const s of states) {
      const ctx = { params, state, row: s.row };
      const wantedRel = relProps.map(([k, e]) => [k, asValue(evaluate(e as Node, ctx))] as [string, Value]);
      const wanted = wantedProps(spec, s.row, state, params, pushed);
      const edges = [
        ...(left && !right ? [] : state.out(s.cur).map((e) => ({ e, other: e.to }))),
        ...(right && !left ? [] : state.in(s.cur).map((e) => ({ e, other: e.from }))),
      ];
      for (const { e, other } of edges) {
        if (types.length > 0 && !types.includes(e.type)) continue;
        if (!wantedRel.every(([k, x]) => e.props.has(k) && valueKey(e.props.get(k)!) === valueKey(x))) continue;
        const v = state.graph.vertices.get(other);
        if (!v || !fits(spec, v, s.row, wanted)) continue;
        const r = bindVar(bindVar(s.row, relVar ? nameOf(relVar) : undefined, new EdgeRef(e.gid)), spec.variable, new NodeRef(v.gid));
        next.push({ row: r, cur: v.gid });
      }
    }
    states = next;
  }
  return states.map((s) => s.row);
}

function bindVar(row: Row, name: string | undefined, d: Datum): Row {
  if (name === undefined) return row;
  return new Map(row).set(name, d);
}

// ---------------------------------------------------------------- CREATE, SET, REMOVE

function evalProps(entries: [string, Node | Value][], ctx: EvalContext): PropertyMap {
  return new Map(entries.map(([k, e]) => [k, storable(asValue(evaluate(e as Node, ctx)))]));
}

function createPattern(pattern: Node, row: Row, state: GraphState, params: Record<string, Value>): void {
  const ctx = { params, state, row };
  const nodeFor = (np: Node): NodeRef => {
    const spec = nodeSpec(np);
    const bound = spec.variable === undefined ? undefined : row.get(spec.variable);
    if (bound !== undefined) {
      if (spec.labels.length > 0 || spec.props.length > 0) throw clientError(`The variable '${spec.variable}' already declared.`);
      if (!(bound instanceof NodeRef)) throw clientError(`${spec.variable} is not a node.`);
      return bound;
    }
    const v = state.createVertex(spec.labels, evalProps(spec.props, ctx));
    const ref = new NodeRef(v.gid);
    if (spec.variable !== undefined) row.set(spec.variable, ref);
    return ref;
  };
  for (const part of pattern.kids('patternPart')) {
    if (part.kid('variable')) throw unsupported('named paths');
    const el = part.kid('anonymousPatternPart')!.kid('patternElement')!;
    let prev = nodeFor(el.kid('nodePattern')!);
    for (const chain of el.kids('patternElementChain')) {
      const rel = chain.kid('relationshipPattern')!;
      const detail = rel.kid('relationshipDetail');
      const types = detail?.kid('relationshipTypes')?.kids('relTypeName').map(nameOf) ?? [];
      if (types.length !== 1) throw clientError('A single relationship type must be specified when creating an edge.');
      const right = !!rel.kid('rightArrowHead');
      const left = !!rel.kid('leftArrowHead');
      if (right === left) throw clientError('Edges can only be created with a direction.');
      const next = nodeFor(chain.kid('nodePattern')!);
      const props = detail?.kid('properties') ? evalProps(propertyEntries(detail.kid('properties')!), ctx) : new Map();
      const e = right ? state.createEdge(prev.gid, next.gid, types[0]!, props) : state.createEdge(next.gid, prev.gid, types[0]!, props);
      const relVar = detail?.kid('variable');
      if (relVar) row.set(nameOf(relVar), new EdgeRef(e.gid));
      prev = next;
    }
  }
}

function propertyTarget(pe: Node, ctx: EvalContext): { target: Datum; key: string } {
  const lookups = pe.kids('propertyLookup');
  if (lookups.length !== 1) throw unsupported('nested property updates');
  return { target: evaluate(pe.kid('atom')!, ctx), key: nameOf(lookups[0]!.kid('propertyKeyName')!) };
}

function setProperty(target: Datum, key: string, value: Value, state: GraphState): void {
  if (target === null) return;
  if (target instanceof NodeRef) state.setVertexProperty(target.gid, key, storable(value));
  else if (target instanceof EdgeRef) state.setEdgeProperty(target.gid, key, storable(value));
  else throw clientError('Properties can only be set on edges and vertices.');
}

function setItem(item: Node, ctx: EvalContext, state: GraphState): void {
  const pe = item.kid('propertyExpression');
  if (pe) {
    if (item.has('+=')) throw unsupported('SET +=');
    const { target, key } = propertyTarget(pe, ctx);
    setProperty(target, key, asValue(evaluate(item.kid('expression')!, ctx)), state);
    return;
  }
  const labels = item.kid('nodeLabels');
  if (labels) {
    const v = evaluate(item.kid('variable')!, ctx);
    if (v === null) return;
    if (!(v instanceof NodeRef)) throw clientError('Labels can only be set on vertices.');
    state.addLabels(v.gid, labelNames(labels));
    return;
  }
  throw unsupported('SET of a whole node or map');
}

function removeItem(item: Node, ctx: EvalContext, state: GraphState): void {
  const labels = item.kid('nodeLabels');
  if (labels) {
    const v = evaluate(item.kid('variable')!, ctx);
    if (v === null) return;
    if (!(v instanceof NodeRef)) throw clientError('Labels can only be removed from vertices.');
    state.removeLabels(v.gid, labelNames(labels));
    return;
  }
  const { target, key } = propertyTarget(item.kid('propertyExpression')!, ctx);
  setProperty(target, key, null, state);
}

export { mapLiteral };
