// Worker-thread side of chunk-pool.ts: seals or opens one batch of payload chunks per message. Buffers are
// transferred both ways, never copied: the batch arrives in memory of its own and leaves in new memory.
import { parentPort } from 'node:worker_threads';
import { joinPieces, openPieces, PayloadError, sealPieces } from './age-format.js';

export interface BatchJob {
  id: number;
  op: 'seal' | 'open';
  key: Uint8Array;
  /** Position of the batch's first chunk in the payload: part of every chunk's nonce. */
  first: number;
  data: Uint8Array;
  /** The batch ends with the payload's last chunk. */
  last: boolean;
}

/** The result, and the batch's memory handed back for the next batch to be read into. */
export type BatchReply = { id: number; out: Uint8Array; spare: Uint8Array } | { id: number; error: string; payload: boolean };

parentPort!.on('message', (job: BatchJob) => {
  let reply: BatchReply;
  try {
    const out = joinPieces((job.op === 'seal' ? sealPieces : openPieces)(job.key, job.first, job.data, job.last));
    parentPort!.postMessage({ id: job.id, out, spare: job.data } satisfies BatchReply, [out.buffer as ArrayBuffer, job.data.buffer as ArrayBuffer]);
    return;
  } catch (err) {
    reply = { id: job.id, error: (err as Error).message, payload: err instanceof PayloadError };
  }
  parentPort!.postMessage(reply);
});
