// S3 takes at most 10,000 parts, and an upload does not know its body's size: past 5,000 parts the
// parts double every 400 (s3-multipart.ts), so that 5 MiB parts still reach S3's 5 TiB object limit.
// The rule is checked as numbers, and an upload whose thresholds are lowered (2 parts, then a doubling
// each part) is checked against the real server: the object has the grown parts' count, the bytes are
// the same, and the note for --verbose says what happened.
import test from 'ava';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { MAX_PARTS, partSizeFor, uploadStream } from '../../src/repo/s3-multipart.js';
import { adminClient, freshBucket } from '../helpers/s3-server.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

test('parts keep their size for 5,000 parts, then double every 400 up to 5 GiB: 10,000 parts of 5 MiB reach 5 TiB', (t) => {
  const p = { partSize: 8 * MiB };
  t.is(partSizeFor(p, 1), 8 * MiB);
  t.is(partSizeFor(p, 5_000), 8 * MiB);
  t.is(partSizeFor(p, 5_001), 16 * MiB);
  t.is(partSizeFor(p, 5_400), 16 * MiB);
  t.is(partSizeFor(p, 5_401), 32 * MiB);
  t.is(partSizeFor(p, MAX_PARTS), 5 * GiB);
  t.is(partSizeFor({ partSize: 5 * GiB }, 5_001), 5 * GiB);
  let total = 0;
  for (let n = 1; n <= MAX_PARTS; n++) total += partSizeFor({ partSize: 5 * MiB }, n);
  t.true(total >= 5 * 1024 * GiB, `${total} bytes`);
});

test('an upload past the part threshold grows its later parts: fewer, larger parts, the same bytes, and a note', async (t) => {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const admin = adminClient(b.server);
  t.teardown(() => admin.destroy());
  const body = randomBytes(40 * MiB);
  const notes: string[] = [];
  const key = 'repo/grown.bin';
  const res = await uploadStream({
    client: b.backend.client, bucket: b.bucket, key, partSize: 5 * MiB, queueSize: 2, growAfter: 2, growEvery: 1,
    onNote: (m) => notes.push(m),
  }, (function* () {
    for (let off = 0; off < body.length; off += MiB) yield body.subarray(off, off + MiB);
  })());
  t.is(res.sha256, createHash('sha256').update(body).digest('hex'));
  // 5 + 5 + 10 + 20 MiB: four parts where a fixed 5 MiB would take eight.
  const head = await admin.send(new HeadObjectCommand({ Bucket: b.bucket, Key: key }));
  t.is(head.ContentLength, body.length);
  t.regex(head.ETag ?? '', /-4"?$/);
  const got = Buffer.from(await (await admin.send(new GetObjectCommand({ Bucket: b.bucket, Key: key }))).Body!.transformToByteArray());
  t.true(got.equals(body));
  t.deepEqual(notes, [
    'S3 upload of "repo/grown.bin" passed 2 parts of 5.0 MiB: its next parts are 10.0 MiB (S3 takes at most 10,000 parts; memory now about 30.0 MiB)',
    'S3 upload of "repo/grown.bin" passed 3 parts of 10.0 MiB: its next parts are 20.0 MiB (S3 takes at most 10,000 parts; memory now about 60.0 MiB)',
  ]);
});
