// The few Docker Engine API calls a data directory inside a container needs, over node:http on the
// daemon's socket (DOCKER_HOST unix:// or tcp://, default /var/run/docker.sock). Archive endpoints move
// files as tar (the bytes `docker cp` moves); exec covers what the archive API lacks: listing and delete.
import http from 'node:http';
import type { Readable } from 'node:stream';
import { MgBackupError, q } from '../errors/errors.js';

export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  description: string;
}

export function endpointFromEnv(env: NodeJS.ProcessEnv): DockerEndpoint {
  const host = env.DOCKER_HOST;
  if (!host) return { socketPath: '/var/run/docker.sock', description: 'unix:///var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length), description: host };
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (m) {
    if (env.DOCKER_TLS_VERIFY) {
      throw new MgBackupError('usage', `DOCKER_HOST ${q(host)} with DOCKER_TLS_VERIFY is not supported`, {
        hints: ['use the unix socket, or an unencrypted tcp endpoint on a trusted network'],
      });
    }
    return { host: m[1]!, port: Number(m[2] ?? 2375), description: host };
  }
  throw new MgBackupError('usage', `DOCKER_HOST ${q(host)} is not unix:///path or tcp://host:port`);
}

export interface DockerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

export class DockerApi {
  constructor(readonly endpoint: DockerEndpoint) {}

  request(method: string, path: string, body?: Buffer | Readable, headers: Record<string, string> = {}): Promise<DockerResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          method, path, headers: { Host: 'docker', ...headers },
          ...(this.endpoint.socketPath ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port }),
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      req.on('error', (err) => {
        reject(new MgBackupError('cannotConnect', `cannot reach the Docker engine at ${q(this.endpoint.description)}: ${err.message}`, {
          cause: err,
          hints: ['start Docker, set DOCKER_HOST, or make the socket readable by this user'],
        }));
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body.pipe(req);
    });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const res = await this.request(method, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      body === undefined ? {} : { 'Content-Type': 'application/json' });
    const text = await readAll(res.body);
    let data: unknown = undefined;
    try {
      data = text.length ? JSON.parse(text.toString('utf8')) : undefined;
    } catch {
      data = { message: text.toString('utf8') };
    }
    return { status: res.status, data: data as T };
  }

  /** Runs a command in the container; returns stdout and the exit code. */
  async exec(containerId: string, cmd: string[]): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
    const created = await this.json<{ Id: string; message?: string }>('POST', `/containers/${encodeURIComponent(containerId)}/exec`, {
      AttachStdout: true, AttachStderr: true, Cmd: cmd,
    });
    if (created.status !== 201) throw apiError(created.status, created.data, `exec in container ${q(containerId)}`);
    const started = await this.request('POST', `/exec/${created.data.Id}/start`, Buffer.from(JSON.stringify({ Detach: false, Tty: false })), {
      'Content-Type': 'application/json',
    });
    if (started.status !== 200) throw apiError(started.status, undefined, `exec in container ${q(containerId)}`);
    const { stdout, stderr } = demux(await readAll(started.body));
    const inspected = await this.json<{ ExitCode: number }>('GET', `/exec/${created.data.Id}/json`);
    return { exitCode: inspected.data.ExitCode, stdout, stderr: stderr.toString('utf8') };
  }
}

export function apiError(status: number, data: unknown, what: string): MgBackupError {
  const message = typeof data === 'object' && data !== null && 'message' in data ? String((data as { message: unknown }).message) : `HTTP ${status}`;
  return new MgBackupError(status === 404 ? 'notFound' : 'io', `docker: cannot ${what}: ${message}`);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Splits Docker's multiplexed stream (8-byte frame headers: stream id, 3 zero bytes, u32 BE length). */
export function demux(buf: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let pos = 0;
  while (pos + 8 <= buf.length) {
    const kind = buf[pos]!;
    const len = buf.readUInt32BE(pos + 4);
    const frame = buf.subarray(pos + 8, pos + 8 + len);
    (kind === 2 ? err : out).push(frame);
    pos += 8 + len;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}
