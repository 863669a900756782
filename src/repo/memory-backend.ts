// A repository held in memory: the fake for unit tests of everything built on RepoBackend. It keeps the
// same contract as the real backends (atomic put, sorted list, typed errors), checked by the same suite.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import { checkKey, type GetRange, type ObjectInfo, type PutOptions, type PutResult, type RepoBackend } from './repo-backend.js';

interface StoredObject {
  bytes: Uint8Array;
  mtimeMs: number;
}

export class MemoryBackend implements RepoBackend {
  readonly kind = 'memory' as const;
  private readonly objects = new Map<string, StoredObject>();

  constructor(readonly location = 'memory:', private readonly nowMs: () => number = Date.now) {}

  async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    checkKey(key);
    const bytes = body instanceof Uint8Array ? Uint8Array.from(body) : await collect(body, opts.signal);
    // Stored only once every byte arrived: a failed stream leaves the old object (or none).
    this.objects.set(key, { bytes, mtimeMs: this.nowMs() });
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    checkKey(key);
    if (this.objects.has(key)) return false;
    this.objects.set(key, { bytes: Uint8Array.from(body), mtimeMs: this.nowMs() });
    return true;
  }

  async get(key: string, range: GetRange = {}): Promise<Readable> {
    return Readable.from([await this.slice(key, range)]);
  }

  async getBytes(key: string): Promise<Uint8Array> {
    return this.slice(key, {});
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const o = this.objects.get(checkKey(key));
    return o === undefined ? undefined : { key, size: o.bytes.length, mtimeMs: o.mtimeMs };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      const o = this.objects.get(key);
      if (o !== undefined) yield { key, size: o.bytes.length, mtimeMs: o.mtimeMs };
    }
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(checkKey(key));
  }

  localPath(): undefined {
    return undefined;
  }

  private async slice(key: string, range: GetRange): Promise<Uint8Array> {
    const o = this.objects.get(checkKey(key));
    if (o === undefined) {
      throw new MgBackupError('notFound', `object ${q(key)} is missing from repository ${q(this.location)}`, { details: { key } });
    }
    return o.bytes.subarray(range.start ?? 0, range.end ?? o.bytes.length);
  }
}

async function collect(body: Readable, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    throwIfAborted(signal);
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}
