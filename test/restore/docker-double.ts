// Test support: the four Engine API calls restore --container uses, served from a local folder that
// plays the container's filesystem. PUT archive follows Docker's untar rule (pkg/archive): an existing
// path is removed unless both it and the entry are directories (then they merge); ownership and mode
// come from the tar headers. Real-daemon behaviour is covered by the container tests where Docker runs.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { DockerApi, DockerResponse } from '../../src/datadir/docker-api.js';

export class DockerDouble {
  running = false;
  puts = 0;
  constructor(readonly root: string, readonly name = 'mg', readonly id = 'c0ffee') {}

  private local(abs: string): string {
    return path.join(this.root, abs);
  }

  private respond(status: number, body: Readable | string = ''): DockerResponse {
    const stream = typeof body === 'string' ? Readable.from([Buffer.from(body)]) : body;
    return { status, headers: {}, body: stream as DockerResponse['body'] };
  }

  async request(method: string, url: string, body?: Buffer | Readable): Promise<DockerResponse> {
    const u = new URL(url, 'http://docker');
    const m = /^\/containers\/([^/]+)\/archive$/.exec(u.pathname);
    if (!m || decodeURIComponent(m[1]!) !== this.id) return this.respond(404, '{"message":"no such container"}');
    const abs = u.searchParams.get('path')!;
    const exists = fs.existsSync(this.local(abs));
    if (method === 'HEAD') return this.respond(exists ? 200 : 404);
    if (method === 'GET') {
      if (!exists) return this.respond(404, '{"message":"not found"}');
      const out = new PassThrough();
      tar.c({ cwd: path.dirname(this.local(abs)), portable: false }, [path.basename(abs)]).pipe(out);
      return this.respond(200, out);
    }
    if (method === 'PUT') {
      if (!exists) return this.respond(404, '{"message":"Could not find the file in container"}');
      this.puts += 1;
      // Like the real client, any stream with pipe() is a body (tar.c gives a Minipass stream).
      await this.untar(this.local(abs), Buffer.isBuffer(body) ? Readable.from([body]) : body as Readable);
      return this.respond(200);
    }
    return this.respond(405);
  }

  private async untar(dir: string, body: Readable): Promise<void> {
    const work: Promise<void>[] = [];
    let chain = Promise.resolve();
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        const dest = path.join(dir, entry.path);
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          chain = chain.then(async () => {
            const st = await fsp.lstat(dest).catch(() => undefined);
            if (st && !(st.isDirectory() && entry.type === 'Directory')) await fsp.rm(dest, { recursive: true, force: true });
            if (entry.type === 'Directory') await fsp.mkdir(dest, { recursive: true });
            else if (entry.type === 'SymbolicLink') await fsp.symlink(entry.linkpath!, dest);
            else {
              await fsp.mkdir(path.dirname(dest), { recursive: true });
              await fsp.writeFile(dest, Buffer.concat(chunks));
            }
            if (entry.type !== 'SymbolicLink') await fsp.chmod(dest, entry.mode! & 0o7777);
            await fsp.lchown(dest, entry.uid ?? 0, entry.gid ?? 0);
          });
          work.push(chain);
        });
      },
    });
    await pipeline(body, parser as unknown as NodeJS.WritableStream);
    await Promise.all(work);
    await chain;
  }

  async json<T>(method: string, url: string): Promise<{ status: number; data: T }> {
    if (method === 'GET' && url === `/containers/${encodeURIComponent(this.name)}/json`) {
      return { status: 200, data: { Id: this.id, State: { Running: this.running }, Config: { Image: 'memgraph/memgraph:3.12.0' } } as T };
    }
    return { status: 404, data: { message: `No such container: ${this.name}` } as T };
  }

  asApi(): DockerApi {
    return this as unknown as DockerApi;
  }
}
