// Test support: a scripted Memgraph behind the GraphClient interface, writing real files into a local
// data directory. It implements what create relies on: STATUS/LOCK/UNLOCK with deferred deletes and
// renames-as-copies under the lock, CREATE SNAPSHOT with `path` and retention, WAL append/rotation,
// the periodic-snapshot conflict, and fault hooks. The full stand-in lives in test/standin/.
import fs from 'node:fs';
import path from 'node:path';
import type { GraphClient, Row } from '../../src/bolt/graph-client.js';
import { MgBackupError } from '../../src/errors/errors.js';
import { snapshotBytes, walBytes } from './durability-bytes.js';

export interface FakeOptions {
  dataDir: string;
  serverDataDir?: string;
  version?: string;
  role?: 'main' | 'replica';
  storageMode?: string;
  retention?: number;
  uuid?: string;
  /** Size of each snapshot's body (benchmarks make large ones). */
  snapshotBodyBytes?: number;
}

export type QueryHook = (query: string, fake: FakeMemgraph) => void | Promise<void>;

export class FakeMemgraph {
  locked = false;
  queue: string[] = [];
  log: string[] = [];
  snapshotsBusy = 0;
  hooks: QueryHook[] = [];
  private ts = 10n;
  private walSeq = 0n;
  private clock = 0;
  readonly uuid: string;
  readonly serverDataDir: string;

  constructor(readonly opts: FakeOptions) {
    this.uuid = opts.uuid ?? '5e269f59-6689-44d8-8d59-0e79e73915ab';
    this.serverDataDir = opts.serverDataDir ?? '/var/lib/memgraph';
    fs.mkdirSync(path.join(opts.dataDir, 'snapshots'), { recursive: true });
    fs.mkdirSync(path.join(opts.dataDir, 'wal'), { recursive: true });
    fs.writeFileSync(path.join(opts.dataDir, '.lock'), '');
  }

  private prefix(): string {
    this.clock += 1;
    return `20260101000000${String(this.clock).padStart(6, '0')}`;
  }

  private file(...p: string[]): string {
    return path.join(this.opts.dataDir, ...p);
  }

  /** A transaction: appended to the open WAL (created on first commit). */
  commit(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.ts += 1n;
      let cur = fs.readdirSync(this.file('wal')).find((f) => f.endsWith('_current') && !this.queue.includes(`wal/${f}`));
      if (!cur) {
        cur = `${this.prefix()}_current`;
        fs.writeFileSync(this.file('wal', cur), walBytes({ uuid: this.uuid, seq: this.walSeq++, body: Buffer.alloc(0) }));
        this.walFrom.set(cur, this.ts);
      }
      fs.appendFileSync(this.file('wal', cur), `delta-${this.ts};`);
    }
  }
  private walFrom = new Map<string, bigint>();

  /** Finalizes the open WAL; under the lock the rename becomes a copy and the original is queued. */
  rotateWal(): void {
    const cur = fs.readdirSync(this.file('wal')).find((f) => f.endsWith('_current') && !this.queue.includes(`wal/${f}`));
    if (!cur) return;
    const final = `${cur.slice(0, 20)}_from_${this.walFrom.get(cur)}_to_${this.ts}`;
    if (this.locked) {
      fs.copyFileSync(this.file('wal', cur), this.file('wal', final));
      this.queue.push(`wal/${cur}`);
    } else fs.renameSync(this.file('wal', cur), this.file('wal', final));
  }

  private remove(rel: string): void {
    if (this.locked) this.queue.push(rel);
    else fs.rmSync(this.file(rel), { force: true });
  }

  /** A snapshot as the periodic scheduler would make it (also used by CREATE SNAPSHOT). */
  snapshot(): string {
    const name = `${this.prefix()}_timestamp_${this.ts}`;
    fs.writeFileSync(this.file('snapshots', name), snapshotBytes({ uuid: this.uuid, durableTs: this.ts, body: Buffer.alloc(this.opts.snapshotBodyBytes ?? 4096, 7) }));
    const all = fs.readdirSync(this.file('snapshots')).filter((f) => f.includes('_timestamp_')).sort();
    const live = all.filter((f) => !this.queue.includes(`snapshots/${f}`));
    for (const old of live.slice(0, Math.max(0, live.length - (this.opts.retention ?? 3)))) this.remove(`snapshots/${old}`);
    return name;
  }

  client(): FakeClient {
    return new FakeClient(this);
  }

  async handle(query: string): Promise<Row[]> {
    this.log.push(query);
    for (const h of this.hooks) await h(query, this);
    const status = (s: string): Row[] => [{ STATUS: s }];
    switch (query) {
      case 'SHOW VERSION':
        return [{ version: this.opts.version ?? '3.12.0' }];
      case 'SHOW REPLICATION ROLE':
        return [{ 'replication role': this.opts.role ?? 'main' }];
      case 'SHOW STORAGE INFO ON CURRENT DATABASE':
        return [
          { 'storage info': 'name', value: 'memgraph' },
          { 'storage info': 'database_uuid', value: this.uuid },
          { 'storage info': 'storage_mode', value: this.opts.storageMode ?? 'IN_MEMORY_TRANSACTIONAL' },
          { 'storage info': 'vertex_count', value: 3n },
          { 'storage info': 'edge_count', value: 2n },
        ];
      case 'DATA DIRECTORY LOCK STATUS':
        return status(this.locked ? 'Data directory is locked.' : 'Data directory is unlocked.');
      case 'LOCK DATA DIRECTORY':
        if (this.locked) return status('Data directory is already locked.');
        this.locked = true;
        return status('Data directory is now locked.');
      case 'UNLOCK DATA DIRECTORY':
        if (!this.locked) return status('Data directory is already unlocked.');
        this.locked = false;
        for (const rel of this.queue.splice(0)) fs.rmSync(this.file(rel), { force: true });
        return status('Data directory is now unlocked.');
      case 'CREATE SNAPSHOT': {
        if (this.snapshotsBusy > 0) {
          this.snapshotsBusy -= 1;
          throw serverError('Another snapshot creation is already in progress');
        }
        const name = this.snapshot();
        return [{ path: `${this.serverDataDir}/snapshots/${name}` }];
      }
      default:
        throw serverError(`unknown query ${query}`);
    }
  }
}

export function serverError(message: string): MgBackupError {
  return new MgBackupError('server', `server rejected: ${message}`, { details: { serverMessage: message } });
}

export function connectionLost(query: string): MgBackupError {
  return new MgBackupError('cannotConnect', `connection lost while running "${query}"`);
}

export class FakeClient implements GraphClient {
  closed = false;
  dropped = false;
  constructor(readonly server: FakeMemgraph) {}
  async run(query: string): Promise<Row[]> {
    if (this.closed || this.dropped) throw connectionLost(query);
    return this.server.handle(query);
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<Row> {
    throw new Error('not used by create');
  }
  async transaction(): Promise<void> {
    throw new Error('not used by create');
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
