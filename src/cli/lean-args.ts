// The plain command lines of simple commands without yargs (start-up time, issue 14): loading yargs and
// letting it parse costs about half of `mgbackup inspect FILE`'s start-up (scripts/bench/startup.ts).
// This reads only the forms whose outcome is certain: the command word first, then its positionals,
// booleans as `--flag`, `--no-flag` or a one-letter alias, strings as `--flag=value` or `--flag value`,
// each option at most once. Anything else (`--`, a value that yargs could read as a number, a repeated
// flag, a missing or extra positional, a command whose options have types, choices or checks) returns
// undefined and goes through yargs, so every error, and every output, still comes from yargs.
// test/cli/lean-args.test.ts parses valid and invalid command lines both ways and compares the results.
import type { Args, CommandSpec } from './command.js';
import { commandName } from './command.js';
import { outputOptions, withGroups } from './option-groups.js';
import type { Argv } from 'yargs';

/** What the command's builders declare, or undefined when something is beyond this reader. */
interface Shape {
  booleans: Set<string>;
  strings: Set<string>;
  aliases: Map<string, string>;
  defaults: Map<string, unknown>;
}

/** Option settings this reader reproduces; any other (type number, choices, coerce, array...) declines. */
const PLAIN_KEYS = new Set(['type', 'describe', 'group', 'global', 'alias', 'default']);

const shapes = new WeakMap<object, Shape | null>();

function shapeOf(spec: Pick<CommandSpec<unknown>, 'groups' | 'builder'>): Shape | undefined {
  const known = shapes.get(spec);
  if (known !== undefined) return known ?? undefined;
  const shape: Shape = { booleans: new Set(), strings: new Set(), aliases: new Map(), defaults: new Map() };
  let plain = true;
  const record = (key: string, o: Record<string, unknown> = {}) => {
    if (!Object.keys(o).every((k) => PLAIN_KEYS.has(k)) || (o.type !== 'boolean' && o.type !== 'string')) plain = false;
    (o.type === 'boolean' ? shape.booleans : shape.strings).add(key);
    const alias = o.alias;
    if (alias !== undefined) {
      if (typeof alias === 'string' && alias.length === 1 && o.type === 'boolean') shape.aliases.set(alias, key);
      else plain = false;
    }
    if (o.default !== undefined) shape.defaults.set(key, o.default);
  };
  const recorder: Argv = new Proxy({} as Argv, {
    get: (_target, prop) => (...a: unknown[]) => {
      if (prop === 'option' || prop === 'options') {
        if (typeof a[0] === 'string') record(a[0], a[1] as Record<string, unknown>);
        else for (const [k, v] of Object.entries(a[0] as Record<string, Record<string, unknown>>)) record(k, v);
      } else if (prop === 'positional') {
        // Positionals are read from the command syntax; only untyped-by-yargs string ones are plain.
        const o = (a[1] ?? {}) as Record<string, unknown>;
        if (o.type !== 'string' || o.default !== undefined || !Object.keys(o).every((k) => ['type', 'array', 'describe', 'default'].includes(k))) plain = false;
      } else plain = false; // .check(), .conflicts(), .implies(), ...: yargs decides
      return recorder;
    },
  });
  let y = withGroups(outputOptions(recorder), spec.groups);
  if (spec.builder) y = spec.builder(y);
  shapes.set(spec, plain ? shape : null);
  return plain ? shape : undefined;
}

/** yargs-parser's looksLikeNumber (node_modules/yargs-parser/build/lib/string-utils.js), widened. */
function numberish(s: string): boolean {
  return /^0x[0-9a-f]+$/i.test(s) || /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(s);
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The arguments yargs would hand the command's handler for argv (after the settings flags were added),
 * or undefined when argv is not one of the plain forms. argv[0] must be the command's name.
 */
export function leanArgs(argv: readonly string[], spec: CommandSpec<unknown>): Args | undefined {
  const shape = shapeOf(spec);
  const name = commandName(spec);
  if (shape === undefined || argv[0] !== name) return undefined;
  const slots = spec.command.split(' ').slice(1).map((s) => {
    const m = /^([<[])([a-z][a-zA-Z0-9-]*)(\.\.)?[>\]]$/.exec(s);
    return m ? { name: m[2]!, required: m[1] === '<', variadic: m[3] !== undefined } : undefined;
  });
  if (slots.some((s) => s === undefined)) return undefined;
  const args: Args = { _: [name] };
  const set = (key: string, value: unknown) => {
    args[key] = value;
    if (camel(key) !== key) args[camel(key)] = value;
  };
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      if (numberish(a)) return undefined;
      positionals.push(a);
      continue;
    }
    let key: string;
    let value: unknown;
    const long = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(a);
    if (long) {
      const [, flag, inline] = long as unknown as [string, string, string | undefined];
      if (shape.booleans.has(flag) && inline === undefined) [key, value] = [flag, true];
      else if (flag.startsWith('no-') && shape.booleans.has(flag.slice(3)) && inline === undefined) [key, value] = [flag.slice(3), false];
      else if (shape.strings.has(flag)) {
        key = flag;
        value = inline ?? argv[++i];
        if (typeof value !== 'string' || value === '' || value.startsWith('-') || numberish(value)) return undefined;
      } else return undefined;
      // yargs reads a `true`/`false` after a boolean flag as its value.
      if (typeof value === 'boolean' && (argv[i + 1] === 'true' || argv[i + 1] === 'false')) return undefined;
    } else {
      const alias = /^-([a-zA-Z])$/.exec(a)?.[1];
      const full = alias === undefined ? undefined : shape.aliases.get(alias);
      if (full === undefined) return undefined;
      if (argv[i + 1] === 'true' || argv[i + 1] === 'false') return undefined;
      [key, value] = [full, true];
      args[alias!] = true;
    }
    if (given.has(key)) return undefined; // yargs makes an array of a repeated flag
    given.add(key);
    set(key, value);
  }
  for (const [key, value] of shape.defaults) if (!given.has(key)) set(key, value);
  for (const [alias, key] of shape.aliases) if (key in args) args[alias] = args[key];
  let next = 0;
  for (const slot of slots as { name: string; required: boolean; variadic: boolean }[]) {
    if (slot.variadic) {
      if (slot.required && next >= positionals.length) return undefined;
      if (next < positionals.length) set(slot.name, positionals.slice(next));
      next = positionals.length;
    } else if (next < positionals.length) set(slot.name, positionals[next++]);
    else if (slot.required) return undefined;
  }
  if (next < positionals.length) return undefined; // an extra positional: yargs' strict mode reports it
  args.$0 = 'mgbackup';
  return args;
}
