// The S3 backend configured the way users already configure AWS tools: AWS_* environment variables
// only, no options. This file changes its worker's process.env, so it holds only this test.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { openRepo } from '../../src/repo/repo-url.js';
import type { S3Backend } from '../../src/repo/s3-backend.js';
import { freshBucket } from '../helpers/s3-server.js';

test('endpoint, region and keys come from AWS_ENDPOINT_URL, AWS_REGION and the AWS_* keys', async (t) => {
  const b = await freshBucket();
  const s = b.server;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: s.endpoint, AWS_REGION: s.region, AWS_ACCESS_KEY_ID: s.accessKeyId, AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL_S3;
  const backend = (await openRepo(`s3://${b.bucket}/from-env`)) as S3Backend;
  try {
    const data = randomBytes(1000);
    await backend.put('k', data);
    t.true(Buffer.from(await backend.getBytes('k')).equals(data));
    t.true((await b.keys()).includes('from-env/k'));
    t.is(backend.where.endpoint, s.endpoint);
  } finally {
    backend.destroy();
    await b.cleanup();
  }
});
