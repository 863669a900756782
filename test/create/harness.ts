// Test support: a temp data dir + repo, the fake Memgraph, and createBackup wired with a recording
// clock and reporter, so tests read like the scenario they check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readServerFacts } from '../../src/bolt/server-facts.js';
import type { Clock } from '../../src/core/clock.js';
import type { Reporter } from '../../src/core/reporter.js';
import { createBackup, type CreateDeps, type CreateRequest, type CreateResult } from '../../src/core/backup/create.js';
import { LocalDataDir } from '../../src/datadir/local-data-dir.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { systemProcessProbe } from '../../src/io/process-probe.js';
import { FakeMemgraph, type FakeClient, type FakeOptions } from './fake-memgraph.js';

export interface Harness {
  root: string;
  data: string;
  repo: string;
  fake: FakeMemgraph;
  client: FakeClient;
  sleeps: number[];
  warnings: string[];
  clients: FakeClient[];
  run(req?: Partial<CreateRequest>, deps?: Partial<CreateDeps>): Promise<CreateResult>;
  store(): Promise<BackupStore>;
  cleanup(): void;
}

export function testClock(sleeps: number[]): Clock {
  let t = 0;
  return {
    now: () => new Date('2026-03-04T05:06:07.000Z'),
    monotonicMs: () => (t += 1),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
    },
  };
}

export function recordingReporter(warnings: string[]): Reporter {
  return {
    info() {},
    warn: (m) => warnings.push(m),
    step: () => ({ update() {}, succeed() {}, fail() {} }),
  };
}

export function makeHarness(opts: Partial<FakeOptions> = {}): Harness {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-create-'));
  const data = path.join(root, 'data');
  const repo = path.join(root, 'repo');
  fs.mkdirSync(data);
  const fake = new FakeMemgraph({ dataDir: data, ...opts });
  const client = fake.client();
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const clients: FakeClient[] = [client];
  let n = 0;
  const h: Harness = {
    root, data, repo, fake, client, sleeps, warnings, clients,
    store: () => BackupStore.open(repo, { create: true }),
    async run(req = {}, deps = {}) {
      return createBackup(
        { snapshotOnly: false, wait: false, waitTimeoutMs: 60_000, labels: {}, tags: [], mgbackupVersion: '0.0.0-test', ...req },
        {
          client,
          reconnect: async () => {
            const c = fake.client();
            clients.push(c);
            return c;
          },
          readFacts: readServerFacts,
          dataDir: new LocalDataDir(data),
          store: await h.store(),
          clock: testClock(sleeps),
          reporter: recordingReporter(warnings),
          randomId: () => (n++).toString(16).padStart(8, '0'),
          probe: systemProcessProbe,
          ...deps,
        },
      );
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
  return h;
}

/** Files under a directory, relative, sorted (recursive). */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, p: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = p ? `${p}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}
