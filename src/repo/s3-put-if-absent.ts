// putIfAbsent for S3 servers without conditional writes (Swift 2.30's s3api answers 501 to
// If-None-Match: *). An election over a listing, safe given what S3 promises since 2020 and a
// single-node Swift gives: a listing shows every object whose PUT has returned (read-after-write).
//
// Each caller writes its own empty candidate record under .putIfAbsent/KEY//, lists that folder, and
// wins only when its record is the only one. Why at most one wins: if A and B both saw only themselves,
// A's listing ran before B's record existed, so B's record was written after A's listing, and B's
// listing (later still) shows A's record, which A keeps until its object is written. The winner checks
// once more that the key is absent (a previous winner may have finished and removed its record), then
// writes the object, then removes its record. Losers remove theirs and try again after a random pause,
// so racing callers settle on one winner, or all see the object and get false.
//
// A record older than STALE_MS (by the server's clock, against the caller's own record) belongs to a
// caller that died mid-election and is removed. The one unsafe case left: a winner whose object PUT
// stalls longer than STALE_MS; the PUT is given up client-side at half of that.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { MgBackupError, q } from '../errors/errors.js';
import type { ObjectInfo } from './repo-backend.js';
import { ELECTION_DIR, sleep, type S3Backend } from './s3-backend.js';

export const STALE_MS = 60_000;

export interface ElectionOptions {
  /** A record this much older than the caller's own is a dead caller's. Default STALE_MS. */
  staleMs?: number;
  /** Give up (busy) after this long without a decision. Default 120 s. */
  timeoutMs?: number;
}

export async function putIfAbsentByElection(b: S3Backend, key: string, body: Uint8Array, opts: ElectionOptions = {}): Promise<boolean> {
  b.objectKey(key); // checks the key
  const dir = `${b.root}${ELECTION_DIR}${key}//`; // '//' never occurs in a key, so no other key's records match
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const staleMs = opts.staleMs ?? STALE_MS;
  for (let round = 0; ; round++) {
    if ((await b.stat(key)) !== undefined) return false;
    const mine = dir + randomBytes(8).toString('hex');
    await b.call('create', key, () => b.client.send(new PutObjectCommand({
      Bucket: b.bucket, Key: mine, Body: new Uint8Array(), ContentLength: 0,
    })));
    try {
      const records: ObjectInfo[] = [];
      for await (const r of b.listRaw(dir)) records.push(r);
      const me = records.find((r) => r.key === mine);
      if (me === undefined) {
        throw new MgBackupError('io', `the S3 server does not list an object right after writing it (bucket ${q(b.bucket)})`, {
          hints: ['putIfAbsent (repository locks) needs read-after-write listings or conditional writes (If-None-Match)'],
        });
      }
      let rivals = 0;
      for (const r of records) {
        if (r.key === mine) continue;
        if (me.mtimeMs - r.mtimeMs > staleMs) await b.deleteRaw(r.key);
        else rivals += 1;
      }
      if (rivals === 0) {
        if ((await b.stat(key)) !== undefined) return false;
        try {
          await b.put(key, body, { signal: AbortSignal.timeout(staleMs / 2) });
        } catch (err) {
          if (!(err instanceof MgBackupError && err.kind === 'interrupted')) throw err;
          throw new MgBackupError('io', `creating ${q(key)} in ${q(b.location)} took longer than ${staleMs / 2} ms`, {
            hints: ['the S3 server is too slow to hold a lock safely; run the command again'],
          });
        }
        return true;
      }
    } finally {
      // A record that cannot be removed now goes stale and is removed by a later caller.
      await b.deleteRaw(mine).catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new MgBackupError('busy', `could not create ${q(key)} in ${q(b.location)}: other writers kept racing for it`, {
        hints: [`if no other mgbackup runs against ${q(b.location)}, remove the records under ${q(dir)}`],
      });
    }
    await sleep(Math.random() * 40 * 2 ** Math.min(round, 5));
  }
}
