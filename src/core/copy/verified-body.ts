// The bytes of one object on their way from the source repository to the target, checked against the
// size and sha256 the source's manifest or WAL record promises. The check sits inside the body the
// target's put consumes, so a mismatch fails the put itself: the local backend drops its .tmp file
// and the S3 backend aborts its multipart upload (or never sends its single PutObject), and the
// damaged bytes are never published under their key.
import { createHash } from 'node:crypto';
import { Transform, pipeline, type Readable } from 'node:stream';
import { MgBackupError, q } from '../../errors/errors.js';

export interface Expected {
  size: number;
  sha256: string;
}

/** What the mismatch message names: `file "<location>/<key>"`. */
export type MismatchError = (why: string) => MgBackupError;

/**
 * Passes `source` through, hashing it; fails (with `mismatch`) as soon as it is longer than expected,
 * or at its end when it is shorter or hashes differently.
 */
export function verifiedBody(source: Readable, expected: Expected, mismatch: MismatchError, onBytes?: (n: number) => void): Readable {
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > expected.size) return done(mismatch(`it has more than the ${expected.size} bytes its manifest gives`));
      hash.update(chunk);
      onBytes?.(chunk.length);
      done(null, chunk);
    },
    flush(done) {
      if (size !== expected.size) return done(mismatch(`it has ${size} bytes, its manifest gives ${expected.size}`));
      const sha = hash.digest('hex');
      if (sha !== expected.sha256) return done(mismatch(`sha256 ${sha}, its manifest gives ${expected.sha256}`));
      done();
    },
  });
  // A read failure of the source ends the copy like a mismatch would: the put fails and publishes
  // nothing. pipeline() carries either side's error to the other (the consumer of `check` sees it).
  pipeline(source, check, () => {});
  return check;
}

/** Hashes a stream to the end (an object already in the target, to decide whether it can be kept). */
export async function hashStream(source: Readable): Promise<Expected> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

export const describeKey = (location: string, key: string): string => q(`${location}/${key}`);
