// A stand-in with a small graph, a repository folder and the create command line for it: what the
// output-mode and metrics tests run the built CLI against.
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { StandIn } from '../standin/standin.js';

export interface Seeded {
  root: string;
  data: string;
  repo: string;
  standin: StandIn;
  /** `create` with --uri, --repo, --data-dir and --server-data-dir for this stand-in. */
  create: string[];
}

export async function seededStandIn(t: ExecutionContext, prefix: string): Promise<Seeded> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const standin = await StandIn.start({ dataDir: data });
  t.teardown(async () => {
    await standin.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const client = await connectNeo4j({ uri: standin.uri });
  await client.run('CREATE (:P {n: 0})-[:E]->(:P {n: 1}), (:P {n: 2})');
  await client.close();
  const repo = path.join(root, 'repo');
  return { root, data, repo, standin, create: ['create', '--uri', standin.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data] };
}
