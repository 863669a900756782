// A real Memgraph container (the pinned image from docker/memgraph.image) for the container tests,
// started so that it would come up on a CI runner, root or not (memgraph-semantics.md §2, §8):
//  - the image runs Memgraph as its own user memgraph (uid 101, gid 103);
//  - Memgraph exits at startup unless it owns its data directory, and writes its files 0640;
//  - the packaged config logs to /var/log/memgraph (memgraph:adm 0750), which another uid cannot open.
// So a bind-mounted data directory is prepared for the user Memgraph runs as:
//  - host root: the folder is chowned to 101:103 and Memgraph runs as its own user; root reads its files;
//  - host not root: the runner cannot chown, and could not read uid 101's 0640 files, so Memgraph runs
//    as the runner's uid:gid with the file log off (--log-file= ; the log still goes to the container's
//    output), and owns the folder as the runner does.
// Readiness is a Bolt query that answers (wait-for-bolt.ts), not the startup banner.
import fsp from 'node:fs/promises';
import type { ExecutionContext } from 'ava';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { demux } from '../../src/datadir/docker-api.js';
import type { ContainerRuntime } from './container-runtime.js';
import { memgraphImage } from './memgraph-image.js';
import { waitForBolt } from './wait-for-bolt.js';

export const MEMGRAPH_UID = 101;
export const MEMGRAPH_GID = 103;
export const SERVER_DATA_DIR = '/var/lib/memgraph';

/** The packaged config's durability settings, spelled out so the tests do not depend on its defaults. */
export const DURABLE_FLAGS = [
  '--storage-wal-enabled=true', '--storage-snapshot-interval-sec=300', '--storage-properties-on-edges=true',
  '--data-recovery-on-startup=true', '--also-log-to-stderr=true', '--log-level=WARNING',
];

export interface MemgraphSpec {
  /** A host folder bind-mounted as the data directory (prepared for the user Memgraph runs as). */
  dataDir?: string;
  flags?: string[];
}

export interface RunningMemgraph {
  container: StartedTestContainer;
  uri: string;
}

/** Prepares `dataDir` and returns the user to run Memgraph as (undefined: the image's own user). */
export async function prepareDataDir(dataDir: string): Promise<{ user?: string; flags: string[] }> {
  await fsp.mkdir(dataDir, { recursive: true });
  if (process.geteuid?.() === 0) {
    await fsp.chown(dataDir, MEMGRAPH_UID, MEMGRAPH_GID);
    await fsp.chmod(dataDir, 0o750);
    return { flags: [] };
  }
  return { user: `${process.getuid!()}:${process.getgid!()}`, flags: ['--log-file='] };
}

export async function startMemgraph(t: ExecutionContext, runtime: ContainerRuntime, spec: MemgraphSpec = {}): Promise<RunningMemgraph> {
  let flags = [...DURABLE_FLAGS, ...(spec.flags ?? [])];
  let builder = new GenericContainer(memgraphImage()).withExposedPorts(7687)
    // Only "the process started": the banner comes before recovery and before Bolt listens.
    .withWaitStrategy(Wait.forLogMessage(/You are running Memgraph/)).withStartupTimeout(120_000);
  if (spec.dataDir) {
    const prepared = await prepareDataDir(spec.dataDir);
    if (prepared.user) builder = builder.withUser(prepared.user);
    flags = [...flags, ...prepared.flags];
    builder = builder.withBindMounts([{ source: spec.dataDir, target: SERVER_DATA_DIR, mode: 'rw' }]);
  }
  const container = await builder.withCommand(flags).start();
  t.teardown(async () => {
    await container.stop({ timeout: 10_000, remove: true }).catch(() => {});
  });
  const uri = `bolt://${container.getHost()}:${container.getMappedPort(7687)}`;
  await waitForBolt(uri, readiness(runtime, container.getId()));
  return { container, uri };
}

/** Stop early when the container has exited, and show its last log lines when it never answers. */
export function readiness(runtime: ContainerRuntime, id: string): { alive: () => Promise<string | undefined>; diagnostics: () => Promise<string> } {
  const handle = runtime.docker.getContainer(id);
  return {
    alive: async () => {
      const info = await handle.inspect();
      return info.State.Running ? undefined : `container exited with code ${info.State.ExitCode}`;
    },
    diagnostics: async () => {
      const raw = await handle.logs({ stdout: true, stderr: true, follow: false, tail: 40 });
      const { stdout, stderr } = demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      return `container ${id.slice(0, 12)} output:\n${stdout.toString('utf8')}${stderr.toString('utf8')}`;
    },
  };
}

/**
 * Starts a container that testcontainers created and that was stopped since (testcontainers cannot
 * start one again), through its own Docker client; returns the Bolt URI of the new port mapping.
 */
export async function startStopped(runtime: ContainerRuntime, host: string, id: string): Promise<string> {
  const handle = runtime.docker.getContainer(id);
  await handle.start();
  const info = await handle.inspect();
  const port = info.NetworkSettings.Ports['7687/tcp']?.[0]?.HostPort;
  if (!port) throw new Error(`container ${id.slice(0, 12)} has no host port for 7687/tcp after start`);
  const uri = `bolt://${host}:${port}`;
  await waitForBolt(uri, readiness(runtime, id));
  return uri;
}
