// Test support only. Evaluates Cypher expressions from Memgraph's parse tree: literals, parameters,
// variables, property lookups, list indexing, arithmetic, comparisons, boolean logic, enum values and
// the functions DUMP's values use (DATE, LOCALTIME, LOCALDATETIME, DATETIME, DURATION, POINT) plus
// range(). Anything else is refused as not supported by the stand-in.
import type { Value } from '../../../src/graph/value.js';
import { clientError } from '../engine/memgraph-errors.js';
import type { GraphState } from './graph-state.js';
import { parseTemporal, parseZoned, TemporalError } from './temporal.js';
import { type Node, nameOf, stringLiteral } from './tree.js';
import { type Datum, EdgeRef, isRef, NodeRef, typeName, valueKey } from './values.js';

export interface EvalContext {
  params: Record<string, Value>;
  state: GraphState;
  row: Map<string, Datum>;
}

export function unsupported(what: string): Error {
  return clientError(`${what} is not supported by the stand-in (test/standin/cypher).`);
}

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

function checkInt(v: bigint): bigint {
  if (v < INT_MIN || v > INT_MAX) throw clientError('Integer overflow.');
  return v;
}

/** Rules evaluated as a whole (their single child is a name or token, not a sub-expression). */
const LEAVES = new Set(['variable', 'parameter', 'functionInvocation', 'enumValueAccess', 'mapLiteral', 'listLiteral', 'numberLiteral']);

/** Descends through rules that only wrap one other rule. */
function single(n: Node): Node {
  return n.cached('single', () => descend(n));
}

function descend(n: Node): Node {
  let cur = n;
  for (;;) {
    if (LEAVES.has(cur.rule)) return cur;
    const parts = cur.parts();
    if (parts.length === 1 && typeof parts[0] !== 'string') cur = parts[0];
    else return cur;
  }
}

export function evaluate(n: Node, ctx: EvalContext): Datum {
  const node = single(n);
  switch (node.rule) {
    case 'expression12': return logic(node, ctx, 'OR');
    case 'expression11': return logic(node, ctx, 'XOR');
    case 'expression10': return logic(node, ctx, 'AND');
    case 'expression9': {
      let v = evaluate(node.kid('expression8')!, ctx);
      for (const t of node.tokens()) if (t === 'NOT') v = v === null ? null : !truth(v);
      return v;
    }
    case 'expression8': return comparison(node, ctx);
    case 'expression7': return stringAndNull(node, ctx);
    case 'expression6':
    case 'expression5':
    case 'expression4': return arithmetic(node, ctx);
    case 'expression3': {
      let v = evaluate(node.kid('expression2a')!, ctx);
      for (const t of node.tokens().reverse()) if (t === '-') v = negate(v);
      return v;
    }
    case 'expression2a': {
      const v = evaluate(node.kid('expression2b')!, ctx);
      const labels = node.kid('nodeLabels');
      if (!labels) return v;
      if (!(v instanceof NodeRef)) throw unsupported('a label test on a non-node');
      const have = ctx.state.graph.vertices.get(v.gid)?.labels ?? [];
      return labelNames(labels).every((l) => have.includes(l));
    }
    case 'expression2b': {
      let v = evaluate(node.kid('atom')!, ctx);
      for (const m of node.kids('memberAccess')) v = member(v, m, ctx);
      return v;
    }
    case 'atom': return atom(node, ctx);
    case 'literal': return literal(node, ctx);
    case 'parenthesizedExpression': return evaluate(node.kid('expression')!, ctx);
    case 'parameter': return parameter(node, ctx);
    case 'variable': return variable(node, ctx);
    case 'functionInvocation': return call(node, ctx);
    case 'enumValueAccess': return enumValue(node, ctx);
    case 'mapLiteral': return mapLiteral(node, ctx);
    case 'listLiteral': return node.kids('expression').map((e) => asValue(evaluate(e, ctx)));
    case 'numberLiteral':
    case 'integerLiteral':
    case 'doubleLiteral': return number(node);
    case 'booleanLiteral': return node.has('TRUE');
    default: throw unsupported(`the expression ${JSON.stringify(node.text)} (${node.rule})`);
  }
}

export function asValue(d: Datum): Value {
  if (isRef(d)) throw unsupported('a node or relationship used as a value');
  return d;
}

function truth(v: Datum): boolean {
  if (typeof v !== 'boolean') throw clientError(`Expected a boolean, got ${typeName(v)}.`);
  return v;
}

function logic(node: Node, ctx: EvalContext, op: 'OR' | 'XOR' | 'AND'): Datum {
  const args = node.kids();
  let acc: Datum = evaluate(args[0]!, ctx);
  for (const a of args.slice(1)) {
    // Ternary logic: Null only where the result is not decided by the other side.
    const b = evaluate(a, ctx);
    const x = acc === null ? null : truth(acc);
    const y = b === null ? null : truth(b);
    if (op === 'AND') acc = x === false || y === false ? false : x === null || y === null ? null : true;
    else if (op === 'OR') acc = x === true || y === true ? true : x === null || y === null ? null : false;
    else acc = x === null || y === null ? null : x !== y;
  }
  return acc;
}

function numeric(v: Datum): v is bigint | number {
  return typeof v === 'bigint' || typeof v === 'number';
}

function compareValues(a: Datum, b: Datum): number | undefined {
  if (numeric(a) && numeric(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    const x = Number(a);
    const y = Number(b);
    return Number.isNaN(x) || Number.isNaN(y) ? undefined : x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function equals(a: Datum, b: Datum): boolean | null {
  if (a === null || b === null) return null;
  if (isRef(a) || isRef(b)) return a.constructor === b.constructor && (a as NodeRef).gid === (b as NodeRef).gid;
  return valueKey(a) === valueKey(b);
}

function comparison(node: Node, ctx: EvalContext): Datum {
  let left = evaluate(node.kid('expression7')!, ctx);
  const parts = node.kids('partialComparisonExpression');
  if (parts.length === 0) return left;
  let result: Datum = true;
  for (const p of parts) {
    const op = p.tokens()[0]!;
    const right = evaluate(p.kid('expression7')!, ctx);
    let r: Datum;
    if (op === '=') r = equals(left, right);
    else if (op === '<>' || op === '!=') {
      const e = equals(left, right);
      r = e === null ? null : !e;
    } else {
      if (left === null || right === null) r = null;
      else {
        const c = compareValues(left, right);
        if (c === undefined) throw clientError(`Invalid types: ${typeName(left)} and ${typeName(right)} for '${op}'.`);
        r = op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
      }
    }
    result = result === false || r === false ? false : result === null || r === null ? null : true;
    left = right;
  }
  return result;
}

function stringAndNull(node: Node, ctx: EvalContext): Datum {
  let v = evaluate(node.kid('expression6')!, ctx);
  for (const op of node.kids('stringAndNullOperators')) {
    const t = op.tokens();
    if (t.includes('IS')) {
      v = t.includes('NOT') ? v !== null : v === null;
      continue;
    }
    const rhs = evaluate(op.kid('expression6')!, ctx);
    if (t.includes('IN')) {
      if (rhs === null) v = null;
      else if (!Array.isArray(rhs)) throw clientError(`IN expected a list, got ${typeName(rhs)}.`);
      else v = rhs.some((x) => equals(v, x) === true);
      continue;
    }
    throw unsupported(`the operator ${t.join(' ')}`);
  }
  return v;
}

function negate(v: Datum): Datum {
  if (v === null) return null;
  if (typeof v === 'bigint') return -v; // range checked where stored: -9223372036854775808 is a valid literal
  if (typeof v === 'number') return -v;
  throw clientError(`Invalid type for unary minus: ${typeName(v)}.`);
}

function arithmetic(node: Node, ctx: EvalContext): Datum {
  const parts = node.parts();
  let acc = evaluate(parts[0] as Node, ctx);
  for (let i = 1; i < parts.length; i += 2) {
    const op = parts[i] as string;
    const b = evaluate(parts[i + 1] as Node, ctx);
    acc = binary(op, acc, b);
  }
  return acc;
}

function binary(op: string, a: Datum, b: Datum): Datum {
  if (a === null || b === null) return null;
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a)) return [...a, ...(Array.isArray(b) ? b : [asValue(b)])];
  if (!numeric(a) || !numeric(b)) throw clientError(`Invalid types: ${typeName(a)} and ${typeName(b)} for '${op}'.`);
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+': return checkInt(a + b);
      case '-': return checkInt(a - b);
      case '*': return checkInt(a * b);
      case '/': if (b === 0n) throw clientError('Division by zero.'); return a / b;
      case '%': if (b === 0n) throw clientError('Mod with zero.'); return a % b;
      case '^': return Number(a) ** Number(b);
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return x / y;
    case '%': return x % y;
    case '^': return x ** y;
  }
  throw unsupported(`the operator ${op}`);
}

function member(v: Datum, m: Node, ctx: EvalContext): Datum {
  const lookup = m.kid('propertyLookup');
  if (lookup) {
    const key = nameOf(lookup.kid('propertyKeyName')!);
    if (v === null) return null;
    if (v instanceof NodeRef) return ctx.state.graph.vertices.get(v.gid)?.props.get(key) ?? null;
    if (v instanceof EdgeRef) return ctx.state.graph.edges.get(v.gid)?.props.get(key) ?? null;
    if (v instanceof Map) return v.get(key) ?? null;
    throw clientError(`Only nodes, edges, maps, temporal types and points have properties to be looked up.`);
  }
  const index = m.kid('listIndexingOrSlicing');
  if (index && index.kids('expression').length === 1 && !index.has('..')) {
    const i = evaluate(index.kid('expression')!, ctx);
    if (v === null || i === null) return null;
    if (Array.isArray(v)) {
      if (typeof i !== 'bigint') throw clientError('Expected an integer as a list index, got ' + typeName(i) + '.');
      const at = i < 0n ? BigInt(v.length) + i : i;
      return at >= 0n && at < BigInt(v.length) ? v[Number(at)]! : null;
    }
    if (v instanceof Map && typeof i === 'string') return v.get(i) ?? null;
    throw clientError(`Expected a list, a map, a node or an edge to index with '[]', got ${typeName(v)}.`);
  }
  throw unsupported(`the member access ${JSON.stringify(m.text)}`);
}

function atom(node: Node, ctx: EvalContext): Datum {
  const t = node.tokens();
  if (t[0] === 'COUNT' && t.includes('*')) throw unsupported('count(*) outside RETURN');
  const k = node.kids()[0];
  if (!k) throw unsupported(`the expression ${JSON.stringify(node.text)}`);
  return evaluate(k, ctx);
}

function literal(node: Node, ctx: EvalContext): Datum {
  const k = node.kids()[0];
  if (k) {
    if (k.rule === 'mapProjectionLiteral') throw unsupported('map projection');
    return evaluate(k, ctx);
  }
  const types = node.tokenTypes();
  if (types[0] === 'StringLiteral') return stringLiteral(node.text);
  if (types[0] === 'CYPHERNULL') return null;
  throw unsupported(`the literal ${node.text}`);
}

function number(node: Node): Value {
  const text = node.text;
  if (/[.eE]/.test(text) && !/^0x/i.test(text)) return Number(text);
  if (/^0x/i.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt('0o' + text.slice(1));
  return BigInt(text);
}

function parameter(node: Node, ctx: EvalContext): Value {
  const name = node.text.replace(/^\$\s*/, '');
  const key = name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name;
  if (!(key in ctx.params)) throw clientError(`Parameter $${key} not provided.`);
  return ctx.params[key]!;
}

function variable(node: Node, ctx: EvalContext): Datum {
  const name = nameOf(node);
  const v = ctx.row.get(name);
  if (v === undefined) throw clientError(`Unbound variable: ${name}.`);
  return v;
}

export function mapLiteral(node: Node, ctx: EvalContext): Map<string, Value> {
  const keys = node.kids('propertyKeyName');
  const values = node.kids('expression');
  return new Map(keys.map((k, i) => [nameOf(k), asValue(evaluate(values[i]!, ctx))]));
}

export function labelNames(n: Node): string[] {
  return n.kids('nodeLabel').map((l) => nameOf(l.kid('labelName')!));
}

function enumValue(node: Node, ctx: EvalContext): Value {
  const [type, value] = node.kids('symbolicName').map(nameOf) as [string, string];
  const e = ctx.state.graph.schema.find((s) => s.kind === 'enum' && s.name === type);
  if (!e || e.kind !== 'enum' || !e.values.includes(value)) throw clientError(`Enum value ${type}::${value} doesn't exist.`);
  return { kind: 'enum', type, value };
}

function call(node: Node, ctx: EvalContext): Value {
  const name = node.kid('functionName')!.text;
  const args = node.kids('expression').map((e) => asValue(evaluate(e, ctx)));
  const upper = name.toUpperCase();
  const one = (): Value => {
    if (args.length !== 1) throw clientError(`'${name}' requires exactly one argument.`);
    return args[0]!;
  };
  try {
    switch (upper) {
      case 'DATE':
      case 'LOCALTIME':
      case 'LOCALDATETIME':
      case 'DURATION': {
        const a = one();
        if (typeof a !== 'string') throw unsupported(`${upper} of a ${typeName(a)}`);
        return parseTemporal(upper, a);
      }
      case 'DATETIME': {
        const a = one();
        if (typeof a !== 'string') throw unsupported(`DATETIME of a ${typeName(a)}`);
        return parseZoned(a);
      }
      case 'POINT': return point(one());
      case 'RANGE': {
        const [from, to, step = 1n] = args;
        if (typeof from !== 'bigint' || typeof to !== 'bigint' || typeof step !== 'bigint') throw clientError("'range' requires integer arguments.");
        const out: Value[] = [];
        for (let i = from; step > 0n ? i <= to : i >= to; i += step) out.push(i);
        return out;
      }
    }
  } catch (e) {
    if (e instanceof TemporalError) throw clientError(e.message);
    throw e;
  }
  throw clientError(`Function '${name}' doesn't exist.`);
}

function point(arg: Value): Value {
  if (!(arg instanceof Map)) throw unsupported('point() of a non-map');
  const num = (k: string): number | undefined => {
    const v = arg.get(k);
    return v === undefined || v === null ? undefined : typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
  };
  const x = num('x');
  const y = num('y');
  const z = num('z');
  const srid = num('srid');
  if (x === undefined || y === undefined || srid === undefined || [x, y, srid].some(Number.isNaN)) throw unsupported('this point() form');
  return z === undefined ? { kind: 'point', srid, x, y } : { kind: 'point', srid, x, y, z };
}

/** Stored property values: integers must fit int64. */
export function storable(v: Value): Value {
  if (typeof v === 'bigint') return checkInt(v);
  if (Array.isArray(v)) return v.map(storable);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, storable(x)]));
  return v;
}
