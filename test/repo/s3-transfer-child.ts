// A process that uploads (or downloads) one large object through the CLI's S3 plumbing: the flags'
// strings go through s3SettingsFrom (as --s3-part-size / --s3-concurrency do) and openRepo, the
// endpoint and keys come from the AWS_* environment. It prints its peak RSS before and after the
// transfer as JSON, for s3-transfer-memory.test.ts. Options come as JSON in argv[2].
import { s3SettingsFrom } from '../../src/cli/repo-access.js';
import { openRepo } from '../../src/repo/repo-url.js';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ownPeakRssKiB } from '../helpers/peak-rss.js';

interface ChildOptions {
  mode: 'put' | 'get';
  repo: string;
  key: string;
  partSize: string;
  concurrency: string;
  /** put: the object's size in MiB. */
  mib?: number;
  /** get: the file to download into. */
  dest?: string;
}

const o = JSON.parse(process.argv[2]!) as ChildOptions;
const backend = await openRepo(o.repo, s3SettingsFrom({ s3PartSize: o.partSize, s3Concurrency: o.concurrency }));
// Everything the transfer loads (the SDK's lazy modules, the first connection) is loaded before the
// baseline is taken: a small object put and read once.
await backend.put('warm-up', Readable.from([randomBytes(1024)]));
await backend.getBytes('warm-up');
const peakKiB = ownPeakRssKiB;
const baseKiB = peakKiB();
if (o.mode === 'put') {
  // The same 1 MiB block again and again: the body itself costs no memory, whatever its size.
  const block = randomBytes(1024 * 1024);
  const mib = o.mib!;
  await backend.put(o.key, Readable.from((function* () {
    for (let i = 0; i < mib; i++) yield block;
  })()));
} else {
  await backend.download!(o.key, o.dest!, { sync: false });
}
process.stdout.write(JSON.stringify({ baseKiB, peakKiB: peakKiB() }) + '\n');
(backend as { destroy?: () => void }).destroy?.();
