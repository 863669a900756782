// The S3 backend against a real S3 server (Swift's s3api, started by test/helpers/s3-server.ts).
import test from 'ava';
import { backendContract } from './backend.contract.js';
import { freshBucket } from '../helpers/s3-server.js';

backendContract(test, 's3', async () => {
  const b = await freshBucket();
  return { backend: b.backend, cleanup: b.cleanup };
});
