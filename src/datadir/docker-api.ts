// The few Docker Engine API calls a data directory inside a container needs. Transport is dockerode's
// docker-modem (the client testcontainers uses): unix sockets, tcp:// with TLS, ssh://; the endpoint
// comes from docker-endpoint.ts (DOCKER_HOST, Docker contexts). Archive endpoints move files as tar
// (the bytes `docker cp` moves); exec covers what the archive API lacks: listing and delete.
import type http from 'node:http';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { endpointFromEnv, type DockerEndpoint } from './docker-endpoint.js';

export { endpointFromEnv, type DockerEndpoint };

export interface DockerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** docker-modem hands back the raw response for the codes marked true: we want every code, and decide. */
const EVERY_STATUS = new Proxy({}, { get: () => true }) as Record<number, true>;

export class DockerApi {
  private client: Promise<Docker> | undefined;

  constructor(readonly endpoint: DockerEndpoint) {}

  /** dockerode is loaded on first use: it takes about a second to import, which commands without
   *  --container should not pay. */
  docker(): Promise<Docker> {
    this.client ??= import('dockerode').then(({ default: Dockerode }) => {
      try {
        return new Dockerode(this.endpoint.modem);
      } catch (err) {
        // docker-modem also reads process.env (DOCKER_HOST, DOCKER_CERT_PATH) while it is built.
        throw new UsageError(`cannot set up the Docker client for ${q(this.endpoint.description)}: ${(err as Error).message}`, {
          hints: ['check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH'],
        });
      }
    });
    return this.client;
  }

  /** One raw Engine API request (path with its query string); the body stream is the caller's to drain. */
  async request(method: string, path: string, body?: Buffer | Readable, headers: Record<string, string> = {}): Promise<DockerResponse> {
    const docker = await this.docker();
    const url = new URL(path, 'http://docker');
    const query = Object.fromEntries(url.searchParams);
    const hasQuery = Object.keys(query).length > 0;
    return new Promise((resolve, reject) => {
      docker.modem.dial({
        // docker-modem appends the query it builds from `options._query` to a path ending in '?'.
        path: hasQuery ? `${url.pathname}?` : url.pathname,
        method,
        headers: { ...headers },
        // `_body: {}` keeps docker-modem from sending the query object as a POST body.
        ...(hasQuery ? { options: { _query: query, _body: {} } } : {}),
        ...(body === undefined ? {} : { file: body }),
        isStream: true,
        statusCodes: EVERY_STATUS,
      }, (err, res) => {
        if (err) return reject(this.cannotConnect(err as Error));
        const msg = res as http.IncomingMessage;
        resolve({ status: msg.statusCode ?? 0, headers: msg.headers, body: msg });
      });
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

  /** Runs a command in the container (dockerode's exec); returns stdout, stderr and the exit code. */
  async exec(containerId: string, cmd: string[]): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
    const what = `exec in container ${q(containerId)}`;
    try {
      const exec = await (await this.docker()).getContainer(containerId).exec({ AttachStdout: true, AttachStderr: true, Cmd: cmd });
      const stream = await exec.start({ Detach: false, Tty: false });
      const { stdout, stderr } = demux(await readAll(stream as Readable));
      const inspected = await exec.inspect();
      return { exitCode: inspected.ExitCode ?? -1, stdout, stderr: stderr.toString('utf8') };
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== undefined) throw apiError(status, (err as { json?: unknown }).json, what);
      throw this.cannotConnect(err as Error);
    }
  }

  private cannotConnect(err: Error): MgBackupError {
    if (err instanceof MgBackupError) return err;
    return new MgBackupError('cannotConnect', `cannot reach the Docker engine at ${q(this.endpoint.description)}: ${err.message}`, {
      cause: err,
      hints: ['start Docker, set DOCKER_HOST (or a Docker context), or make the socket readable by this user'],
    });
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
