// convert's parallel path for a lone snapshot: the vertex section is cut into runs of whole records
// (about RANGE_BYTES of input each); threads - 1 worker threads and the main thread decode and render
// the runs, and the main thread hands out work and yields the rendered bytes strictly in order: first
// every run's vertices, then every run's edges (grouped by source vertex, as DUMP prints them). At
// most two runs per worker (and two rendered here) are in flight, so memory does not grow with the
// file. The edge-property index is built once here and shared with the workers. A file read from
// memory, or whose edge records are out of order (a dense index), takes the single-thread path.
import { Worker } from 'node:worker_threads';
import { AFTER_EDGES, AFTER_VERTICES, dumpFrame } from '../cypher/render-dump.js';
import { CorruptFileError, MgBackupError } from '../errors/errors.js';
import type { ExitKind } from '../errors/codes.js';
import { FdSource, openSnapshot, type ByteSource } from '../format/index.js';
import type { EdgeSamples } from '../format/snapshot-edge-index.js';
import type { VertexRange } from '../format/snapshot-stream.js';
import { vectorIndexed } from '../cypher/render-vector.js';
import { RecordRenderer, renderRange } from './convert-records.js';

const RANGE_BYTES = 1 << 20;

export interface WorkerSetup { fd: number; size: number; exact: boolean; samples: EdgeSamples | undefined }
export interface RangeJob extends VertexRange { id: number; phase: 'vertices' | 'edges' }
export interface RangeReply {
  id: number;
  lines?: number;
  bytes?: Uint8Array;
  error?: { kind: ExitKind; message: string; hints: string[]; offset?: number };
}
export interface DumpChunk { bytes: Uint8Array; lines: number }

const encoder = new TextEncoder();
const text = (lines: string[]): DumpChunk => ({ bytes: encoder.encode(lines.map((l) => l + '\n').join('')), lines: lines.length });

function rebuild(e: NonNullable<RangeReply['error']>): Error {
  if (e.offset !== undefined) return new CorruptFileError(e.message.replace(/ at offset \d+$/, ''), e.offset, { hints: e.hints });
  if (e.kind === 'internal') return new Error(e.message);
  return new MgBackupError(e.kind, e.message, { hints: e.hints });
}

/**
 * Workers with up to two jobs each (the second waits in the worker's message queue, so a worker does not
 * sit idle until this thread is scheduled to hand it the next one: on a loaded machine that wait was as
 * long as a job), and this thread rendering jobs itself between handing them out and writing: with
 * `threads` renderers in all, no more threads compete for the cores than there are renderers. Replies
 * come back by job id.
 */
class Pool {
  /** One entry per free job slot. */
  private readonly idle: Worker[];
  private readonly replies = new Map<number, RangeReply>();
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly workers: Worker[], private readonly local: RecordRenderer) {
    this.idle = [...workers, ...workers];
    for (const w of workers) {
      w.on('message', (reply: RangeReply) => {
        this.replies.set(reply.id, reply);
        this.idle.push(w);
        this.wake?.();
      });
      w.on('error', (err) => {
        this.failure = err;
        this.wake?.();
      });
    }
  }

  /** Runs the jobs, yielding each one's output in job order. */
  async *run(jobs: Iterator<VertexRange & { phase: RangeJob['phase'] }>): AsyncGenerator<DumpChunk> {
    let nextId = 0;
    let nextOut = 0;
    let exhausted = false;
    const limit = 2 * this.workers.length + 2;
    this.replies.clear();
    for (;;) {
      while (!exhausted && this.idle.length > 0 && nextId - nextOut < limit) {
        const n = jobs.next();
        if (n.done === true) exhausted = true;
        else this.idle.pop()!.postMessage({ ...n.value, id: nextId++ } satisfies RangeJob);
      }
      if (this.failure !== undefined) throw this.failure;
      const reply = this.replies.get(nextOut);
      if (reply !== undefined) {
        this.replies.delete(nextOut++);
        if (reply.error !== undefined) throw rebuild(reply.error);
        yield { bytes: reply.bytes!, lines: reply.lines! };
        continue;
      }
      // Every worker slot is taken and the next output is not back yet: render one here meanwhile.
      if (!exhausted && nextId - nextOut < limit) {
        const n = jobs.next();
        if (n.done === true) exhausted = true;
        else {
          const id = nextId++;
          this.replies.set(id, { id, ...renderRange(this.local, n.value) });
          // Lets the workers' replies (and signals) in before the next decision.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        continue;
      }
      if (exhausted && nextOut === nextId) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The dump of a lone snapshot as ordered byte chunks rendered by `threads` threads (this one and
 * threads - 1 workers), or undefined when the parallel path does not apply (then the caller renders
 * in this thread).
 */
export function parallelDump(source: ByteSource, opts: { exact: boolean; threads: number }): AsyncGenerator<DumpChunk> | undefined {
  if (!(source instanceof FdSource) || opts.threads < 2) return undefined;
  const snap = openSnapshot(source);
  const samples = snap.edgeSamples();
  if (snap.info.propertiesOnEdges && samples === undefined) return undefined;
  const frame = dumpFrame(snap.schema, { exact: opts.exact });
  const setup: WorkerSetup = { fd: source.fd, size: source.size, exact: opts.exact, samples };
  return (async function* () {
    const local = new RecordRenderer(snap.raw, frame, { exact: opts.exact, vectorIndexed: vectorIndexed(snap.schema).length > 0 });
    const workers = Array.from({ length: opts.threads - 1 }, () => new Worker(new URL('./convert-worker.js', import.meta.url), { workerData: setup }));
    const pool = new Pool(workers, local);
    try {
      if (frame.before.length > 0) yield text(frame.before);
      const ranges: VertexRange[] = [];
      yield* pool.run((function* () {
        for (const r of snap.vertexRanges(RANGE_BYTES)) {
          ranges.push(r);
          yield { ...r, phase: 'vertices' as const };
        }
      })());
      if (ranges.length > 0) {
        yield text(AFTER_VERTICES);
        yield* pool.run(ranges.map((r) => ({ ...r, phase: 'edges' as const }))[Symbol.iterator]());
        yield text(AFTER_EDGES);
      }
      if (frame.after.length > 0) yield text(frame.after);
    } finally {
      await pool.close();
    }
  })();
}
