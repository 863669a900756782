// Container tests run wherever Docker runs. Elsewhere they skip with one line saying why, unless
// MGBACKUP_REQUIRE_CONTAINERS=1 demands a runtime (then the missing runtime is a failure).
import { getContainerRuntimeClient } from 'testcontainers';

let cached: Promise<string | undefined> | undefined;

/** undefined when a container runtime answers, else the reason to skip. */
export function containerRuntimeUnavailable(): Promise<string | undefined> {
  cached ??= getContainerRuntimeClient().then(
    () => undefined,
    (err: unknown) => {
      const reason = `no container runtime (${err instanceof Error ? err.message : String(err)})`;
      if (process.env.MGBACKUP_REQUIRE_CONTAINERS === '1') throw new Error(`${reason}, but MGBACKUP_REQUIRE_CONTAINERS=1`);
      return reason;
    },
  );
  return cached;
}
