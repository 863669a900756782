// Test support: a tiny Docker Engine API on a unix socket, backed by a host folder standing in for the
// container's filesystem. It serves what DockerDataDir uses: container inspect, HEAD/GET/PUT archive
// (tar, X-Docker-Container-Path-Stat) and exec for the two commands DockerDataDir runs (find, rm).
// Optionally also on loopback TCP, plain or TLS with client certificates (DOCKER_TLS_VERIFY's setup).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';

export interface FakeDocker {
  socketPath: string;
  /** tcp://127.0.0.1:PORT when started with `tcp`. */
  tcpHost?: string;
  fsRoot: string;
  requests: string[];
  close(): Promise<void>;
}

export interface FakeDockerOptions {
  /** Also listen on loopback TCP; with `tls`, HTTPS that demands a client certificate signed by `ca`. */
  tcp?: boolean;
  tls?: { key: Buffer; cert: Buffer; ca: Buffer };
}

export async function startFakeDocker(container = 'memgraph-test', opts: FakeDockerOptions = {}): Promise<FakeDocker> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-docker-'));
  const fsRoot = path.join(tmp, 'rootfs');
  fs.mkdirSync(fsRoot);
  const socketPath = path.join(tmp, 'docker.sock');
  const id = 'c0ffee' + '0'.repeat(58);
  const execs = new Map<string, { cmd: string[]; exitCode: number }>();
  const requests: string[] = [];
  const host = (p: string) => path.join(fsRoot, path.posix.normalize(p));
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const body = async (req: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://docker');
      const p = url.pathname.replace(/^\/v\d+\.\d+/, '');
      requests.push(`${req.method} ${p}`);
      let m = /^\/containers\/([^/]+)\/(json|archive|exec)$/.exec(p);
      if (m) {
        const name = decodeURIComponent(m[1]!);
        if (name !== container && name !== id) return json(res, 404, { message: `No such container: ${name}` });
        if (m[2] === 'json') return json(res, 200, { Id: id, Name: `/${container}`, State: { Running: true } });
        if (m[2] === 'exec') {
          const spec = JSON.parse((await body(req)).toString()) as { Cmd: string[] };
          const execId = `exec${execs.size}`;
          execs.set(execId, { cmd: spec.Cmd, exitCode: -1 });
          return json(res, 201, { Id: execId });
        }
        const target = url.searchParams.get('path') ?? '/';
        const abs = host(target);
        if (req.method === 'PUT') {
          if (!fs.existsSync(abs)) return json(res, 404, { message: `Could not find the file ${target} in container ${name}` });
          await pipeline(req, tar.x({ cwd: abs }));
          return json(res, 200, {});
        }
        let st: fs.Stats;
        try {
          st = fs.lstatSync(abs);
        } catch {
          return json(res, 404, { message: `Could not find the file ${target} in container ${name}` });
        }
        // Go FileMode: dir bit 1<<31, symlink 1<<27, plus permission bits.
        const mode = (st.mode & 0o777) + (st.isDirectory() ? 2 ** 31 : 0) + (st.isSymbolicLink() ? 2 ** 27 : 0);
        const stat = Buffer.from(JSON.stringify({ name: path.basename(abs), size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget: '' })).toString('base64');
        res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': stat });
        if (req.method === 'HEAD') return res.end();
        await pipeline(tar.c({ cwd: path.dirname(abs), portable: true }, [path.basename(abs)]) as unknown as NodeJS.ReadableStream, res);
        return;
      }
      m = /^\/exec\/([^/]+)\/(start|json)$/.exec(p);
      if (m && execs.has(m[1]!)) {
        const ex = execs.get(m[1]!)!;
        if (m[2] === 'json') return json(res, 200, { ExitCode: ex.exitCode, Running: false });
        await body(req);
        const { stdout, stderr, exitCode } = runCommand(ex.cmd, host);
        ex.exitCode = exitCode;
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
        const frame = (kind: number, data: Buffer) => {
          const h = Buffer.alloc(8);
          h[0] = kind;
          h.writeUInt32BE(data.length, 4);
          return Buffer.concat([h, data]);
        };
        return res.end(Buffer.concat([frame(1, stdout), frame(2, Buffer.from(stderr))]));
      }
      json(res, 404, { message: `page not found: ${p}` });
    } catch (err) {
      // A client that went away mid-stream (or close() cutting it) leaves nothing to answer.
      if (res.headersSent) res.destroy();
      else json(res, 500, { message: String(err) });
    }
  };
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const servers: (http.Server | https.Server)[] = [server];
  let tcpHost: string | undefined;
  if (opts.tcp) {
    const tcp = opts.tls
      ? https.createServer({ ...opts.tls, requestCert: true, rejectUnauthorized: true }, handler)
      : http.createServer(handler);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    servers.push(tcp);
    tcpHost = `tcp://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  }
  return {
    socketPath, fsRoot, requests, ...(tcpHost ? { tcpHost } : {}),
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The container's userland, for exactly the command shapes DockerDataDir sends. */
function runCommand(cmd: string[], host: (p: string) => string): { stdout: Buffer; stderr: string; exitCode: number } {
  if (cmd[0] === 'find' && cmd.length === 8 && cmd[6] === '-printf' && cmd[7] === '%y %s %T@ %f\\0') {
    const dir = host(cmd[1]!);
    if (!fs.existsSync(dir)) return { stdout: Buffer.alloc(0), stderr: `find: '${cmd[1]}': No such file or directory\n`, exitCode: 1 };
    const recs = fs.readdirSync(dir).map((name) => {
      const st = fs.lstatSync(path.join(dir, name));
      const y = st.isFile() ? 'f' : st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'p';
      return `${y} ${st.size} ${(st.mtimeMs / 1000).toFixed(7)} ${name}\0`;
    });
    return { stdout: Buffer.from(recs.join('')), stderr: '', exitCode: 0 };
  }
  if (cmd[0] === 'rm' && cmd[1] === '-rf' && cmd[2] === '--' && cmd.length === 4) {
    fs.rmSync(host(cmd[3]!), { recursive: true, force: true });
    return { stdout: Buffer.alloc(0), stderr: '', exitCode: 0 };
  }
  return { stdout: Buffer.alloc(0), stderr: `fake docker: unsupported command ${JSON.stringify(cmd)}`, exitCode: 127 };
}
