// Worker-thread side of convert's parallel path (convert-parallel.ts): opens the same snapshot over
// the descriptor the main thread holds (descriptors are per process, shared by its threads), and
// renders the vertex ranges it is sent as UTF-8, one statement per line.
import { parentPort, workerData } from 'node:worker_threads';
import { dumpFrame } from '../cypher/render-dump.js';
import { MgBackupError, CorruptFileError } from '../errors/errors.js';
import { FdSource } from '../format/byte-source.js';
import { openSnapshot } from '../format/snapshot-stream.js';
import type { RangeJob, RangeReply, WorkerSetup } from './convert-parallel.js';

const setup = workerData as WorkerSetup;
const snap = openSnapshot(new FdSource(setup.fd, setup.size), { samples: setup.samples });
const frame = dumpFrame(snap.schema, { exact: setup.exact });
const encoder = new TextEncoder();

function render(job: RangeJob): RangeReply {
  const lines: string[] = [];
  if (job.phase === 'vertices') for (const v of snap.vertices(job)) lines.push(frame.vertex(v));
  else for (const e of snap.edges(job)) lines.push(frame.edge(e));
  lines.push('');
  return { id: job.id, lines: lines.length - 1, bytes: encoder.encode(lines.join('\n')) };
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
