// yargs without its layout modules until a help text is actually laid out (start-up time, issue 14).
// `import 'yargs'` builds yargs on its ESM platform shim (node_modules/yargs/lib/platform-shims/esm.mjs),
// which imports cliui, string-width (it creates an Intl.Segmenter and compiles Unicode-property regexes
// when loaded), y18n, escalade and get-caller-file up front: about 45 ms of CPU per run on these cores,
// more than half of what yargs costs, for output that `mgbackup CMD ...` never lays out. This builds the
// same factory (yargs' build/lib/yargs-factory.js, whose YargsFactory takes the shim as its argument)
// on a shim whose layout fields use modules loaded only for a command line that asks for help
// (`loadYargs({ layout: true })`). Should yargs lay something out anyway, they are loaded then, with
// require(): synchronous, as yargs calls them (Node >= 22.12 loads ES modules through require()).
// They resolve from yargs' own folder, as the original shim's imports do. yargs is pinned
// (package.json), and test/cli/*.test.js run every path through this loader, help rendering included.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { inspect } from 'node:util';
import type { Argv } from 'yargs';

type YargsFn = (processArgs?: readonly string[], cwd?: string) => Argv;

type Fn = (...args: any[]) => any;

let factory: Promise<YargsFn> | undefined;
/** cliui and string-width once loaded (by import() for help, else by require() on first use). */
const layout: { cliui?: Fn; stringWidth?: Fn } = {};

const defaultOf = (m: unknown): Fn => ((m as { default?: Fn }).default ?? (m as Fn));

function yargsEntry(): string {
  return import.meta.resolve('yargs'); // .../node_modules/yargs/index.mjs
}

/**
 * The yargs function (`yargs()` gives an instance), built once per process. `layout`: the command line
 * asks for help, so load what lays it out now.
 */
export async function loadYargs(opts: { layout?: boolean } = {}): Promise<YargsFn> {
  factory ??= build();
  if (opts.layout && (layout.cliui === undefined || layout.stringWidth === undefined)) {
    const requireFromYargs = createRequire(yargsEntry());
    const load = async (name: string) => defaultOf(await import(pathToFileURL(requireFromYargs.resolve(name)).href));
    [layout.cliui, layout.stringWidth] = await Promise.all([load('cliui'), load('string-width')]);
  }
  return factory;
}

async function build(): Promise<YargsFn> {
  const entry = yargsEntry();
  const root = path.dirname(fileURLToPath(entry));
  const requireFromYargs = createRequire(entry);
  // yargs-parser and y18n are dependencies of yargs, not of mgbackup: resolved from yargs' folder.
  const [{ YargsFactory }, { getProcessArgvBin }, { default: Parser }] = await Promise.all([
    import(new URL('./build/lib/yargs-factory.js', entry).href) as Promise<{ YargsFactory: (shim: unknown) => YargsFn }>,
    import(new URL('./build/lib/utils/process-argv.js', entry).href) as Promise<{ getProcessArgvBin: () => string }>,
    import(pathToFileURL(requireFromYargs.resolve('yargs-parser')).href) as Promise<{ default: unknown }>,
  ]);
  // Loaded on first call, then kept.
  const lazy = <T>(load: () => T): (() => T) => {
    let value: T | undefined;
    let loaded = false;
    return () => {
      if (!loaded) {
        value = load();
        loaded = true;
      }
      return value as T;
    };
  };
  const assert = lazy(() => requireFromYargs('node:assert') as typeof import('node:assert'));
  const escalade = lazy(() => requireFromYargs('escalade/sync') as Fn);
  const callerFile = lazy(() => requireFromYargs('get-caller-file') as Fn);
  const y18n = (requireFromYargs('y18n') as Fn)({ directory: path.resolve(root, 'locales'), updateFiles: false });
  const shim = {
    assert: {
      notStrictEqual: (...a: unknown[]) => (assert().notStrictEqual as Fn)(...a),
      strictEqual: (...a: unknown[]) => (assert().strictEqual as Fn)(...a),
    },
    cliui: (...a: unknown[]) => (layout.cliui ??= defaultOf(requireFromYargs('cliui')))(...a),
    findUp: (...a: unknown[]) => defaultOf(escalade())(...a),
    getEnv: (key: string) => process.env[key],
    inspect,
    getProcessArgvBin,
    mainFilename: root.slice(0, root.lastIndexOf('node_modules')) || process.cwd(),
    Parser,
    path: { basename: path.basename, dirname: path.dirname, extname: path.extname, relative: path.relative, resolve: path.resolve, join: path.join },
    process: {
      argv: () => process.argv,
      cwd: process.cwd,
      emitWarning: (warning: string, type?: string) => process.emitWarning(warning, type),
      execPath: () => process.execPath,
      exit: (code: number) => process.exit(code),
      nextTick: process.nextTick,
      stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null,
    },
    readFileSync: (...a: unknown[]) => (requireFromYargs('node:fs').readFileSync as Fn)(...a),
    readdirSync: (...a: unknown[]) => (requireFromYargs('node:fs').readdirSync as Fn)(...a),
    require: requireFromYargs,
    getCallerFile: () => {
      const file = defaultOf(callerFile())(3) as string;
      return file.startsWith('file://') ? fileURLToPath(file) : file;
    },
    stringWidth: (...a: unknown[]) => (layout.stringWidth ??= defaultOf(requireFromYargs('string-width')))(...a),
    y18n,
  };
  return YargsFactory(shim);
}
