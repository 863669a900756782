// A repository in an S3 bucket (AWS or any S3-compatible server: MinIO, Ceph, Swift's s3api), under a
// key prefix. Atomicity comes from S3 itself: a PutObject or a CompleteMultipartUpload makes the whole
// object visible at once, and an upload that fails is aborted (s3-multipart.ts), so no prefix of an
// object is ever listed. Integrity comes from mgbackup's own sha256, computed while the bytes stream
// out, since many S3-compatible servers neither check nor return x-amz-checksum-* headers
// (research/s3-server.md). putIfAbsent: s3-put-if-absent.ts. Errors: s3-errors.ts. Parallel ranged
// downloads: s3-download.ts. Retries shown with --verbose: s3-retry-log.ts.
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MgBackupError, q, throwIfAborted } from '../errors/errors.js';
import { checkKey, compareKeys, type DownloadOptions, type GetRange, type ObjectInfo, type PutOptions, type PutResult, type RepoBackend } from './repo-backend.js';
import { httpStatusOf, s3Error, sdkNameOf, type S3Where } from './s3-errors.js';
import { type DownloadSource, downloadToFile, type OpenedObject, openObject, PartPool, rangedStream } from './s3-download.js';
import { uploadStream } from './s3-multipart.js';
import { addRetryLog } from './s3-retry-log.js';
import { type ElectionOptions, putIfAbsentByElection } from './s3-put-if-absent.js';

export const MiB = 1024 * 1024;
/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;

export interface S3BackendOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/'; '' for the bucket root. */
  prefix: string;
  /** How the operator named the repository (s3://bucket/prefix). */
  location?: string;
  /** Endpoint URL of an S3-compatible server; default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS. */
  endpoint?: string;
  /** Path-style addressing (http://host/bucket/key). Default: on when an endpoint is configured, since
   *  most S3-compatible servers have no wildcard DNS for bucket subdomains; off for AWS. */
  pathStyle?: boolean;
  /** Default: the SDK's chain (AWS_REGION, the profile's region). */
  region?: string;
  /** Explicit keys; default: the SDK's chain (AWS_* env, AWS_PROFILE and ~/.aws, SSO, IRSA, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Multipart part size in bytes (5 MiB..5 GiB), and the size of a download's ranged GETs. Memory held
   *  by one upload is about (queueSize + 1) × partSize (an object past 5,000 parts grows its later
   *  parts: s3-multipart.ts). Default 8 MiB (--s3-part-size). */
  partSize?: number;
  /** Parts uploaded at once per upload. Default 4 (--s3-concurrency). */
  queueSize?: number;
  /** Ranged GETs in flight across all downloads of this backend (each holds one part-size buffer, so
   *  download memory is downloadQueueSize x partSize). Default 8 (--s3-concurrency). */
  downloadQueueSize?: number;
  /** Told each retry, the SDK's and the download's own (the CLI shows them with --verbose). */
  onRetry?: (message: string) => void;
  /** Told what the operator may want to know about a transfer, e.g. an upload whose parts grow
   *  (--verbose); default: onRetry. */
  onNote?: (message: string) => void;
  /** Attempts per request, the SDK's retry with backoff included. Default 3. */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  /** Longest silence on a socket before the request fails (never hang). Default 120 s. */
  requestTimeoutMs?: number;
  /** 'auto': try PutObject with If-None-Match: * and fall back to the election in s3-put-if-absent.ts
   *  when the server answers 501; 'never': always use the election. */
  conditionalWrites?: 'auto' | 'never';
  /** putIfAbsent's election (servers without conditional writes): a record older than staleMs is a
   *  dead caller's; give up (busy) after timeoutMs. Defaults 60 s and 120 s. */
  election?: ElectionOptions;
  /** The process environment for endpoint defaults (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export class S3Backend implements RepoBackend {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly client: S3Client;
  readonly bucket: string;
  /** '' or 'prefix/': prepended to every key. */
  readonly root: string;
  readonly where: S3Where;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly pool: PartPool;
  private readonly maxAttempts: number;
  private readonly onRetry: ((message: string) => void) | undefined;
  private readonly onNote: ((message: string) => void) | undefined;
  private conditional: boolean | undefined;
  private readonly election: ElectionOptions;
  private bucketChecked: Promise<void> | undefined;

  constructor(opts: S3BackendOptions) {
    const env = opts.env ?? process.env;
    const prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
    if (prefix !== '') checkKey(prefix);
    this.bucket = opts.bucket;
    this.root = prefix === '' ? '' : `${prefix}/`;
    this.location = opts.location ?? `s3://${opts.bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.partSize = opts.partSize ?? 8 * MiB;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE || this.partSize > MAX_PART_SIZE) {
      throw new MgBackupError('usage', `S3 part size ${q(this.partSize)} is outside S3's limits of 5 MiB..5 GiB`);
    }
    this.queueSize = Math.max(1, opts.queueSize ?? 4);
    this.pool = new PartPool(this.partSize, Math.max(1, opts.downloadQueueSize ?? 8));
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.onRetry = opts.onRetry;
    this.onNote = opts.onNote ?? opts.onRetry;
    this.conditional = opts.conditionalWrites === 'never' ? false : undefined;
    this.election = opts.election ?? {};
    const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    this.where = { location: this.location, bucket: opts.bucket, endpoint: endpoint ?? 'AWS S3' };
    const config: S3ClientConfig = {
      // Since 3.729 the SDK sends CRC checksums in aws-chunked bodies by default, which many
      // S3-compatible servers refuse (Swift answers 501): send and check checksums only when an
      // operation requires them; the repository's sha256 covers integrity.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      forcePathStyle: opts.pathStyle ?? endpoint !== undefined,
      maxAttempts: this.maxAttempts,
      requestHandler: {
        connectionTimeout: opts.connectTimeoutMs ?? 10_000,
        requestTimeout: opts.requestTimeoutMs ?? 120_000,
      },
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(opts.region === undefined ? {} : { region: opts.region }),
      ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
    };
    // An S3-compatible server with no region in the environment: sign for us-east-1, which such servers
    // accept by default. On AWS itself the SDK's chain must find the region (else a usage error says so).
    if (opts.region === undefined && env.AWS_REGION === undefined && env.AWS_DEFAULT_REGION === undefined &&
        env.AWS_PROFILE === undefined && endpoint !== undefined) config.region = 'us-east-1';
    this.client = new S3Client(config);
    if (this.onRetry !== undefined) addRetryLog(this.client, this.where.endpoint, this.onRetry);
  }

  /** How putIfAbsent works on this server, once known: S3 conditional writes, or the election. */
  get putIfAbsentMode(): 'conditional' | 'election' | 'unknown' {
    return this.conditional === undefined ? 'unknown' : this.conditional ? 'conditional' : 'election';
  }

  /** The bucket's full key for a repository key. */
  objectKey(key: string): string {
    return this.root + checkKey(key);
  }

  localPath(): undefined {
    return undefined;
  }

  /** Once per backend: the bucket exists and the credentials open it. Without this a HEAD on a missing
   *  bucket would read as a missing object (both are a bare 404). */
  private checkBucket(): Promise<void> {
    this.bucketChecked ??= this.client.send(new HeadBucketCommand({ Bucket: this.bucket })).then(
      () => undefined,
      (err: unknown) => {
        this.bucketChecked = undefined; // a transient failure is retried by the next call
        const status = httpStatusOf(err);
        if (status === 404 || sdkNameOf(err) === 'NotFound') {
          throw s3Error(Object.assign(new Error('no such bucket'), { name: 'NoSuchBucket' }), 'open', 'the bucket', this.where);
        }
        throw s3Error(err, 'open', `bucket ${q(this.bucket)}`, this.where);
      },
    );
    return this.bucketChecked;
  }

  /** Runs one S3 call after the bucket check, mapping failures to typed errors. */
  async call<T>(action: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    await this.checkBucket();
    try {
      return await fn();
    } catch (err) {
      throw s3Error(err, action, key === undefined ? 'objects' : `object ${q(key)}`, this.where);
    }
  }

  async put(key: string, body: Readable | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const objectKey = this.objectKey(key);
    throwIfAborted(opts.signal);
    if (body instanceof Uint8Array && body.length <= this.partSize) {
      try {
        await this.call('write', key, () => this.client.send(new PutObjectCommand({
          Bucket: this.bucket, Key: objectKey, Body: body, ContentLength: body.length,
        }), { abortSignal: opts.signal }));
      } catch (err) {
        throwIfAborted(opts.signal); // the caller's abort, not a network failure
        throw err;
      }
      return { size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    }
    await this.checkBucket();
    try {
      return await uploadStream(
        {
          client: this.client, bucket: this.bucket, key: objectKey, partSize: this.partSize, queueSize: this.queueSize,
          ...(this.onNote === undefined ? {} : { onNote: this.onNote }),
        },
        body instanceof Uint8Array ? [body] : body,
        opts.signal,
      );
    } catch (err) {
      throwIfAborted(opts.signal);
      throw s3Error(err, 'write', `object ${q(key)}`, this.where);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const objectKey = this.objectKey(key);
    if (this.conditional !== false) {
      await this.checkBucket();
      for (let attempt = 0; ; attempt++) {
        try {
          await this.client.send(new PutObjectCommand({
            Bucket: this.bucket, Key: objectKey, Body: body, ContentLength: body.length, IfNoneMatch: '*',
          }));
          this.conditional = true;
          return true;
        } catch (err) {
          const status = httpStatusOf(err);
          if (status === 412) return false;
          // 409: another conditional write to the key is in flight (AWS); ask again, it settles.
          if (status === 409 && attempt < 10) {
            await sleep(50 * (attempt + 1));
            continue;
          }
          // Swift's s3api (2.30) answers 501 to If-None-Match on PUT: use the election instead (racing
          // callers on this backend may all have asked before the first answer came).
          if ((status === 501 || sdkNameOf(err) === 'NotImplemented') && this.conditional !== true) {
            this.conditional = false;
            break;
          }
          throw s3Error(err, 'create', `object ${q(key)}`, this.where);
        }
      }
    }
    return putIfAbsentByElection(this, key, body, this.election);
  }

  async get(key: string, range: GetRange = {}): Promise<Readable> {
    const objectKey = this.objectKey(key);
    const start = range.start ?? 0;
    if (range.end !== undefined && range.end <= start) {
      if ((await this.stat(key)) === undefined) throw this.missing(key);
      return Readable.from([]);
    }
    // The whole object: its first part, and the rest in parallel ranged GETs when there is more
    // (s3-download.ts), so that copy and the decrypting reader go as fast as download().
    if (range.start === undefined && range.end === undefined) {
      await this.checkBucket();
      const src = this.downloadSource(objectKey);
      let opened: OpenedObject;
      try {
        opened = await openObject(src, new AbortController().signal);
      } catch (err) {
        throw this.downloadError(err, key);
      }
      const { total } = opened;
      if (total !== undefined && total > this.partSize) {
        return rangedStream(src, { ...opened, total }, (err) => this.downloadError(err, key));
      }
      return this.mappedBody(opened.first.Body as Readable, key);
    }
    const header = `bytes=${start}-${range.end === undefined ? '' : range.end - 1}`;
    try {
      const res = await this.call('read', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, Range: header })));
      return this.mappedBody(res.Body as Readable, key);
    } catch (err) {
      if (isMissing(err)) throw this.missing(key);
      // A range starting at or past the end of the object: nothing to read, as a file read would give.
      if (err instanceof MgBackupError && httpStatusOf(err.cause) === 416) return Readable.from([]);
      throw err;
    }
  }

  /** A response body whose failure mid-stream is a typed error too, not a bare socket error. */
  private mappedBody(body: Readable, key: string): Readable {
    const where = this.where;
    async function* mapped(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (err) {
        throw s3Error(err, 'read', `object ${q(key)}`, where);
      }
    }
    return Readable.from(mapped(), { objectMode: false });
  }

  private downloadSource(objectKey: string): DownloadSource {
    return { client: this.client, bucket: this.bucket, key: objectKey, pool: this.pool, maxAttempts: this.maxAttempts, onRetry: this.onRetry };
  }

  /** A download's failure as a typed error: missing (12), replaced meanwhile (14), or as s3Error maps it. */
  private downloadError(err: unknown, key: string): MgBackupError {
    const mapped = s3Error(err, 'read', `object ${q(key)}`, this.where);
    if (isMissing(mapped)) return this.missing(key);
    if (httpStatusOf(mapped.cause) === 412) {
      return new MgBackupError('integrity', `object ${q(key)} in ${q(this.location)} changed while it was downloaded`, {
        cause: err, hints: ['something replaced it meanwhile; run the command again'],
      });
    }
    return mapped;
  }

  /**
   * The object into a new file `dest` with parallel ranged GETs (s3-download.ts): part size and memory
   * as for uploads (partSize, downloadQueueSize). Returns the size and sha256 of what was written.
   */
  async download(key: string, dest: string, opts: DownloadOptions = {}): Promise<PutResult> {
    const objectKey = this.objectKey(key);
    await this.checkBucket();
    try {
      return await downloadToFile(this.downloadSource(objectKey), dest, opts);
    } catch (err) {
      throwIfAborted(opts.signal);
      throw this.downloadError(err, key);
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const objectKey = this.objectKey(key);
    try {
      return await this.call('read', key, async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
        return res.Body === undefined ? new Uint8Array() : await res.Body.transformToByteArray();
      });
    } catch (err) {
      if (isMissing(err)) throw this.missing(key);
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const res = await this.call('read', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })));
      return { key, size: res.ContentLength ?? 0, mtimeMs: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const o of this.listRaw(this.root + prefix)) {
      const key = o.key.slice(this.root.length);
      if (key.startsWith(ELECTION_DIR)) continue;
      yield { ...o, key };
    }
  }

  async listDirs(prefix: string): Promise<string[]> {
    const full = this.root + prefix;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', undefined, () => this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: full, Delimiter: '/', ...(token === undefined ? {} : { ContinuationToken: token }),
      })));
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix === undefined || !p.Prefix.startsWith(full)) continue;
        const name = p.Prefix.slice(full.length, -1);
        if (name !== '' && `${prefix}${name}/` !== ELECTION_DIR) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return names.sort(compareKeys);
  }

  /** Every object under a full bucket prefix, in byte order, paging through ListObjectsV2. */
  async *listRaw(fullPrefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    let last: Buffer | undefined;
    do {
      const page = await this.call('list', undefined, () => this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: fullPrefix, ...(token === undefined ? {} : { ContinuationToken: token }),
      })));
      const items = (page.Contents ?? [])
        .filter((c) => c.Key !== undefined)
        .map((c) => ({ key: c.Key!, size: c.Size ?? 0, mtimeMs: c.LastModified?.getTime() ?? 0 }))
        .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
      for (const item of items) {
        // S3 lists in UTF-8 byte order across pages; a server that does not would break every caller.
        const k = Buffer.from(item.key);
        if (last !== undefined && Buffer.compare(last, k) >= 0) {
          throw new MgBackupError('io', `the S3 server listed ${q(item.key)} out of order in ${q(this.location)}`, {
            hints: ['the server is not S3-compatible enough for a repository'],
          });
        }
        last = k;
        yield item;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.call('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /** Deletes a full bucket key (for the election's own records). */
  async deleteRaw(objectKey: string): Promise<void> {
    try {
      await this.call('delete', objectKey, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /**
   * Aborts multipart uploads under this repository's prefix that were started before `olderThanMs`
   * ago (default 0: all of them, so run it when no other writer is active, e.g. under the repository
   * lock). A killed upload leaves such parts behind: invisible, but stored and billed. Returns how
   * many were aborted.
   */
  async cleanupIncomplete(olderThanMs = 0): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    let aborted = 0;
    for (;;) {
      const page = await this.call('list uploads of', undefined, () => this.client.send(new ListMultipartUploadsCommand({
        Bucket: this.bucket, Prefix: this.root,
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
        ...(uploadMarker === undefined ? {} : { UploadIdMarker: uploadMarker }),
      })));
      for (const u of page.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined) continue;
        if (olderThanMs > 0 && (u.Initiated?.getTime() ?? 0) > cutoff) continue;
        try {
          await this.call('abort an upload of', u.Key, () => this.client.send(new AbortMultipartUploadCommand({
            Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId,
          })));
          aborted += 1;
        } catch (err) {
          if (!isMissing(err)) throw err; // finished or aborted meanwhile
        }
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadMarker = page.NextUploadIdMarker;
    }
  }

  /** Closes the client's sockets (the SDK keeps them alive). */
  destroy(): void {
    this.client.destroy();
  }

  private missing(key: string): MgBackupError {
    return new MgBackupError('notFound', `object ${q(key)} is missing from repository ${q(this.location)}`, {
      details: { key, bucket: this.bucket, objectKey: this.root + key },
    });
  }
}

/** Where putIfAbsent's election keeps its short-lived records; never listed as repository objects. */
export const ELECTION_DIR = '.putIfAbsent/';

/** A mapped error whose cause says the object (not the bucket: that was checked first) is absent. */
function isMissing(err: unknown): err is MgBackupError & { cause: unknown } {
  if (!(err instanceof MgBackupError)) return false;
  const name = sdkNameOf(err.cause);
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || httpStatusOf(err.cause) === 404;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
