// Test support for S3 tests through the CLI: a fresh bucket on the real S3 server and a stand-in process
// on its own data directory, seeded, both removed after the test.
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { cliEnv, freshBucket, type TestBucket } from './s3-server.js';
import { runQueries, startServer, tempRoot, type ServerProc } from '../pitr/helpers.js';

export interface S3Case {
  b: TestBucket;
  /** `s3://BUCKET/repo`. */
  repo: string;
  /** The CLI's environment for the bucket's server (cliEnv). */
  env: NodeJS.ProcessEnv;
  /** A temp folder of the test; `data` is the stand-in's data directory in it. */
  root: string;
  data: string;
  server: ServerProc;
}

export async function bucketAndStandin(t: ExecutionContext, name: string, seed: string[]): Promise<S3Case> {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const root = tempRoot(t, name);
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const server = await startServer(t, data);
  await runQueries(server.uri, seed);
  return { b, repo: `s3://${b.bucket}/repo`, env: cliEnv(b.server), root, data, server };
}
