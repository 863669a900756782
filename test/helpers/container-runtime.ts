// Container tests run wherever Docker runs. Elsewhere they skip with one line saying why, unless
// MGBACKUP_REQUIRE_CONTAINERS=1 demands a runtime (then the missing runtime is a failure).
//
// testcontainers finds the engine through more strategies than DOCKER_HOST and /var/run/docker.sock
// (~/.testcontainers.properties, TESTCONTAINERS_HOST_OVERRIDE, rootless and Docker Desktop sockets).
// mgbackup child processes must reach the same engine, so `dockerEnv` hands them the endpoint
// testcontainers resolved, as DOCKER_HOST (plus DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for TLS).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';

export const REQUIRE_CONTAINERS = 'MGBACKUP_REQUIRE_CONTAINERS';

export interface ContainerRuntime {
  /** testcontainers' own client (for what testcontainers cannot do: start a stopped container). */
  docker: Dockerode;
  /** Environment for mgbackup child processes: the engine testcontainers uses. */
  dockerEnv: NodeJS.ProcessEnv;
}

export type RuntimeProbe = { runtime: ContainerRuntime; reason?: undefined } | { runtime?: undefined; reason: string };

let probe: Promise<RuntimeProbe> | undefined;

/** The runtime, or the reason there is none (never throws: the caller decides to skip or fail). */
export function probeContainerRuntime(): Promise<RuntimeProbe> {
  probe ??= getContainerRuntimeClient().then(
    async (client): Promise<RuntimeProbe> => {
      const container = client.container as unknown as { dockerode?: Dockerode };
      if (!container.dockerode) return { reason: 'testcontainers exposes no Docker client to hand its endpoint to mgbackup' };
      return { runtime: { docker: container.dockerode, dockerEnv: await envFor(container.dockerode) } };
    },
    (err: unknown) => ({ reason: `no container runtime (${err instanceof Error ? err.message : String(err)})` }),
  );
  return probe;
}

interface ModemFields {
  socketPath?: string | (() => string | Promise<string>);
  host?: string;
  port?: string | number;
  protocol?: string;
  username?: string;
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
}

async function envFor(docker: Dockerode): Promise<NodeJS.ProcessEnv> {
  const m = docker.modem as unknown as ModemFields;
  if (!m.host) {
    const socketPath = typeof m.socketPath === 'function' ? await m.socketPath() : m.socketPath ?? '/var/run/docker.sock';
    return { DOCKER_HOST: `unix://${socketPath}`, DOCKER_TLS_VERIFY: '', DOCKER_CONTEXT: '' };
  }
  if (m.protocol === 'ssh') {
    return { DOCKER_HOST: `ssh://${m.username ? `${m.username}@` : ''}${m.host}${m.port ? `:${m.port}` : ''}`, DOCKER_TLS_VERIFY: '', DOCKER_CONTEXT: '' };
  }
  const env: NodeJS.ProcessEnv = { DOCKER_HOST: `tcp://${m.host}:${m.port ?? (m.protocol === 'https' ? 2376 : 2375)}`, DOCKER_TLS_VERIFY: '', DOCKER_CONTEXT: '' };
  if (m.protocol === 'https' && m.ca && m.cert && m.key) {
    // The certificates testcontainers loaded (possibly from ~/.testcontainers.properties), as files.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-docker-tls-'));
    fs.chmodSync(dir, 0o700);
    const ca = Array.isArray(m.ca) ? m.ca.map(String).join('\n') : m.ca;
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'cert.pem'), m.cert, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'key.pem'), m.key, { mode: 0o600 });
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    Object.assign(env, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
  }
  return env;
}

/**
 * undefined when a container runtime answers, else the reason to skip; with MGBACKUP_REQUIRE_CONTAINERS=1
 * a missing runtime rejects (the test file then fails with the reason).
 */
export async function containerRuntimeUnavailable(): Promise<string | undefined> {
  const p = await probeContainerRuntime();
  if (p.reason && process.env[REQUIRE_CONTAINERS] === '1') throw new Error(`${p.reason}, but ${REQUIRE_CONTAINERS}=1`);
  return p.reason;
}
