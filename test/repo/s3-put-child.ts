// A process that starts a multipart upload and never finishes it: the S3 fault test SIGKILLs it once
// parts are stored, as a crash or an OOM kill would. Options come as JSON in argv[2].
import { Readable } from 'node:stream';
import { S3Backend, type S3BackendOptions } from '../../src/repo/s3-backend.js';

const opts = JSON.parse(process.argv[2]!) as S3BackendOptions;
const backend = new S3Backend({ ...opts, partSize: 5 * 1024 * 1024, queueSize: 1 });
async function* endless() {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  for (;;) {
    yield chunk;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
await backend.put('killed/upload.bin', Readable.from(endless()));
