// V8's code cache for mgbackup's modules and its dependencies (node:module enableCompileCache, Node
// 22.1+): compiling them is a good part of every run's start-up (scripts/bench/startup.ts), and cron jobs
// that call mgbackup per file pay it each time. The cache holds compiled code that later runs execute,
// so it lives where only this user can write: $XDG_CACHE_HOME/mgbackup/compile-cache (else
// ~/.cache/...), created 0700, and used only when this user owns it and nobody else may write to it;
// not Node's default os.tmpdir()/node-compile-cache, which another local user could have created first
// for a run as root to execute. NODE_COMPILE_CACHE (Node enables it before any of this runs) and
// NODE_DISABLE_COMPILE_CACHE=1 keep their meaning. Any failure only means no cache.
import { enableCompileCache } from 'node:module';
import path from 'node:path';

// node:fs through getBuiltinModule, not an ESM import: the first ESM import of node:fs evaluates every
// export, ReadStream's stream modules included (~5 ms of each start-up; issue 14, scripts/bench/startup.ts).
const { mkdirSync, statSync } = process.getBuiltinModule('node:fs');

export function compileCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  if (base === undefined || !path.isAbsolute(base)) return undefined;
  const dir = path.join(base, 'mgbackup', 'compile-cache');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

export function enableModuleCompileCache(env: NodeJS.ProcessEnv): void {
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return;
  const dir = compileCacheDir(env);
  if (dir !== undefined) enableCompileCache(dir);
}
