// Worker-thread side of convert's parallel path (convert-parallel.ts): opens the same snapshot over
// the descriptor the main thread holds (descriptors are per process, shared by its threads), and
// renders the vertex ranges it is sent as UTF-8, one statement per line (convert-records.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { dumpFrame } from '../cypher/render-dump.js';
import { MgBackupError, CorruptFileError } from '../errors/errors.js';
import { FdSource } from '../format/byte-source.js';
import { openSnapshot } from '../format/snapshot-stream.js';
import type { RangeJob, RangeReply, WorkerSetup } from './convert-parallel.js';
import { RecordRenderer, renderRange } from './convert-records.js';
import { vectorIndexed } from '../cypher/render-vector.js';

const setup = workerData as WorkerSetup;
const snap = openSnapshot(new FdSource(setup.fd, setup.size), { samples: setup.samples });
const renderer = new RecordRenderer(snap.raw, dumpFrame(snap.schema, { exact: setup.exact }), {
  exact: setup.exact,
  vectorIndexed: vectorIndexed(snap.schema).length > 0,
});

function render(job: RangeJob): RangeReply {
  return { id: job.id, ...renderRange(renderer, job) };
}

parentPort!.on('message', (job: RangeJob) => {
  let reply: RangeReply;
  try {
    reply = render(job);
  } catch (e) {
    const error = e instanceof CorruptFileError
      ? { kind: e.kind, message: e.message, hints: e.hints, offset: e.offset }
      : e instanceof MgBackupError
        ? { kind: e.kind, message: e.message, hints: e.hints }
        : { kind: 'internal' as const, message: e instanceof Error ? e.message : String(e), hints: [] };
    parentPort!.postMessage({ id: job.id, error } satisfies RangeReply);
    return;
  }
  parentPort!.postMessage(reply, [reply.bytes!.buffer as ArrayBuffer]);
});
