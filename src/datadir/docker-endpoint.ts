// Which Docker Engine to talk to, decided the way the docker CLI decides it: DOCKER_HOST (unix://,
// tcp:// with TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, ssh://), else the current Docker context
// (DOCKER_CONTEXT or currentContext in $DOCKER_CONFIG/config.json), else the local socket. The result
// is options for docker-modem, which does the transport; docker-modem itself only reads process.env
// and knows no contexts, so the decision is made here from the environment we are given.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerOptions } from 'dockerode';
import { MgBackupError, UsageError, q } from '../errors/errors.js';

export interface DockerEndpoint {
  /** What the operator configured, for messages (never carries key material). */
  description: string;
  /** Every transport field set, so docker-modem's own process.env defaults cannot leak in. */
  modem: DockerOptions;
}

const CLEAR: DockerOptions = {
  socketPath: undefined, host: undefined, port: undefined, protocol: undefined, username: undefined,
  ca: undefined, cert: undefined, key: undefined,
};

export function endpointFromEnv(env: NodeJS.ProcessEnv): DockerEndpoint {
  if (env.DOCKER_HOST) return endpointFromHost(env.DOCKER_HOST, env, 'DOCKER_HOST');
  const context = contextEndpoint(env);
  if (context) return context;
  // Docker Desktop and rootless installs put the socket under the home directory (as docker-modem does).
  const home = env.HOME || os.homedir();
  const user = path.join(home, '.docker', 'run', 'docker.sock');
  const socketPath = fs.existsSync(user) ? user : '/var/run/docker.sock';
  return { description: `unix://${socketPath}`, modem: { ...CLEAR, socketPath } };
}

function endpointFromHost(host: string, env: NodeJS.ProcessEnv, from: string, contextTls?: TlsFiles): DockerEndpoint {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (socketPath === '') throw new UsageError(`${from} ${q(host)} names no socket path`, { hints: ['use unix:///var/run/docker.sock'] });
    return { description: host, modem: { ...CLEAR, socketPath } };
  }
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw badHost(host, from);
  }
  if (url.protocol === 'ssh:') {
    // docker-modem runs `docker system dial-stdio` on the remote host over ssh2, like the docker CLI.
    return {
      description: host,
      modem: {
        ...CLEAR, protocol: 'ssh', host: url.hostname, port: Number(url.port || 22),
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        sshOptions: env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {},
      },
    };
  }
  if (url.protocol !== 'tcp:' || url.hostname === '') throw badHost(host, from);
  const tls = contextTls ?? (env.DOCKER_TLS_VERIFY ? tlsFiles(env.DOCKER_CERT_PATH || dockerConfigDir(env), from) : undefined);
  const port = url.port || (tls ? '2376' : '2375');
  const modem: DockerOptions = { ...CLEAR, host: url.hostname, port, protocol: tls ? 'https' : 'http' };
  if (tls) Object.assign(modem, { ca: tls.ca, cert: tls.cert, key: tls.key });
  return { description: host, modem };
}

function badHost(host: string, from: string): MgBackupError {
  return new UsageError(`${from} ${q(host)} is not unix:///path, tcp://host:port or ssh://[user@]host`, {
    hints: ['set DOCKER_HOST like the docker CLI expects it, or unset it to use /var/run/docker.sock'],
  });
}

interface TlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function tlsFiles(dir: string, from: string): TlsFiles {
  const read = (name: string) => {
    const file = path.join(dir, name);
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new MgBackupError('usage', `cannot read ${q(file)} for TLS to the Docker engine (${from}): ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        hints: ['set DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem'],
      });
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/**
 * The docker CLI's context store: meta/<sha256(name)>/meta.json holds Endpoints.docker.Host, and
 * tls/<sha256(name)>/docker/{ca,cert,key}.pem the TLS material. "default" means the local socket.
 */
function contextEndpoint(env: NodeJS.ProcessEnv): DockerEndpoint | undefined {
  const dir = dockerConfigDir(env);
  let name = env.DOCKER_CONTEXT;
  if (!name) {
    try {
      name = (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined; // no CLI config: no context chosen
    }
  }
  if (!name || name === 'default') return undefined;
  const digest = createHash('sha256').update(name).digest('hex');
  const from = `Docker context ${q(name)}`;
  let host: string | undefined;
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'contexts', 'meta', digest, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    host = meta.Endpoints?.docker?.Host;
  } catch (err) {
    throw new UsageError(`${from} cannot be read from ${q(path.join(dir, 'contexts'))}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      hints: ['check `docker context ls`, or set DOCKER_HOST'],
    });
  }
  if (!host) throw new UsageError(`${from} has no docker endpoint`, { hints: ['check `docker context inspect`, or set DOCKER_HOST'] });
  const tlsDir = path.join(dir, 'contexts', 'tls', digest, 'docker');
  const tls = fs.existsSync(path.join(tlsDir, 'ca.pem')) ? tlsFiles(tlsDir, from) : undefined;
  const endpoint = endpointFromHost(host, env, from, tls);
  return { ...endpoint, description: `${host} (${from})` };
}
