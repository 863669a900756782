// Skips that say why. A test that cannot run here is registered as skipped with the reason in its title,
// so the reporter prints one line naming it; when the environment variable named by `require` is "1"
// (e.g. MGBACKUP_REQUIRE_CONTAINERS in CI that has Docker), the same test fails with the reason instead.
import type { Implementation, TestFn } from 'ava';

export interface SkipIfOptions {
  /** Environment variable that turns this skip into a failure when set to "1". */
  require?: string;
}

/** Returns a test registrar: the real `register` when `reason` is undefined, else a skip that says why. */
export function skipIf<Context>(
  register: TestFn<Context> | TestFn<Context>['serial'],
  reason: string | undefined,
  opts: SkipIfOptions = {},
): (title: string, impl: Implementation<[], Context>) => void {
  if (reason === undefined) return (title, impl) => register(title, impl);
  if (opts.require && process.env[opts.require] === '1') {
    return (title) => register(title, (t) => t.fail(`cannot run: ${reason} (and ${opts.require}=1 demands it)`));
  }
  return (title, impl) => register.skip(`${title} (skipped: ${reason})`, impl);
}
