// Worker threads that seal and open payload batches (chunk-worker.ts), shared by every stream of the
// process. ChaCha20-Poly1305 is the whole cost of encryption, and batches are independent (each chunk's
// nonce is its position), so on a machine with several cores they run in parallel and are put back in
// order by the stream (chunk-stream.ts). Workers start on first use and never keep the process alive
// while idle.
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PayloadError } from './age-format.js';
import type { BatchJob, BatchReply } from './chunk-worker.js';

interface Slot {
  worker: Worker;
  /** Started: a new thread takes tens of milliseconds to boot, and meanwhile the caller works itself. */
  online: boolean;
  pending: Map<number, { resolve: (r: BatchResult) => void; reject: (err: Error) => void }>;
}

export interface BatchResult {
  out: Buffer;
  /** The memory of the batch given to run(), back for reuse. */
  spare: Buffer;
}

export class ChunkPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  /** Batches handed to workers so far (tests check that the worker path really ran). */
  get jobs(): number {
    return this.nextId;
  }

  constructor(public size: number) {}

  /**
   * Whether a worker has started (a thread takes tens of milliseconds to boot: meanwhile the caller does
   * the work itself). Starts the workers, up to `size`, on first call.
   */
  ready(): boolean {
    while (this.slots.length < this.size) this.spawn();
    return this.slots.some((s) => s.online);
  }

  /** Seals or opens one batch on a worker. `data` must own its memory: it is moved to the worker. */
  run(op: BatchJob['op'], key: Uint8Array, first: number, data: Buffer, last: boolean): Promise<BatchResult> {
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, op, key, first, data, last } satisfies BatchJob, [data.buffer as ArrayBuffer]);
    });
  }

  /** The least busy started worker (any worker if none has started: the job waits for it to boot). */
  private pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (best === undefined || (s.online && !best.online) || (s.online === best.online && s.pending.size < best.pending.size)) best = s;
    }
    return best ?? this.spawn();
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./chunk-worker.js', import.meta.url));
    const slot: Slot = { worker, online: false, pending: new Map() };
    worker.once('online', () => { slot.online = true; });
    worker.on('message', (r: BatchReply) => {
      const p = slot.pending.get(r.id);
      if (p === undefined) return;
      slot.pending.delete(r.id);
      if (slot.pending.size === 0) worker.unref();
      if ('out' in r) p.resolve({ out: Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength), spare: Buffer.from(r.spare.buffer) });
      else p.reject(r.payload ? new PayloadError(r.error) : new Error(r.error));
    });
    // A worker that dies fails its jobs (never a hang) and is replaced on the next job.
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`an encryption worker thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

let shared: ChunkPool | undefined;

/**
 * Worker threads by default: one per core, but only when a core is idle (the 1-minute load average is at
 * least one below the cores) and there is more than one; otherwise none. Workers cost about a quarter more
 * CPU than this thread alone (their boot, fresh memory for every sealed batch), which pays only on idle
 * cores: on this project's shared 2-core machine at load 8, scripts/bench/encrypt.js gave 0.58x of the age
 * CLI's wall throughput without workers and 0.49x with them. The age CLI itself uses one core.
 */
export function defaultThreads(): number {
  const cores = availableParallelism();
  return cores > 1 && cores - loadavg()[0] >= 1 ? Math.min(8, cores) : 0;
}

/** The process's pool, with room for at least `threads` workers. */
export function chunkPool(threads: number): ChunkPool {
  shared ??= new ChunkPool(threads);
  shared.size = Math.max(shared.size, threads);
  return shared;
}
