// Test support for `mgbackup copy`: a source repository made the way an operator makes one (the
// stand-in as its own process, `create` and `watch --once` from the built CLI), and the checks run
// on a copy: `verify`, and `restore` into a new folder whose DUMP a new stand-in prints.
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { runCli } from '../helpers/run-cli.js';
import { dumpDatabase, runQueries, startServer, tempRoot } from '../pitr/helpers.js';

export interface Source {
  root: string;
  repo: string;
  /** Backup ids, oldest first. */
  ids: string[];
  /** DUMP DATABASE when the newest backup was taken. */
  dump: string[];
}

const vertex = (i: number) => `CREATE (:__mg_vertex__:\`P\` {__mg_id__: ${i}, \`n\`: ${i}, \`pad\`: "${'x'.repeat(200)}"});`;

/** `count` backups (the first pinned), with `watch --once` archiving the WAL between them. */
export async function makeSource(t: ExecutionContext, name: string, count = 2): Promise<Source> {
  const root = tempRoot(t, name);
  const data = path.join(root, 'data');
  const repo = path.join(root, 'r1');
  fs.mkdirSync(data);
  const server = await startServer(t, data);
  const ids: string[] = [];
  for (let b = 0; b < count; b++) {
    await runQueries(server.uri, Array.from({ length: 20 }, (_, i) => vertex(b * 100 + i)));
    const w = await runCli(['watch', '--once', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--quiet']);
    t.is(w.code, 0, w.stderr);
    const c = await runCli(['create', '--uri', server.uri, '--repo', repo, '--data-dir', data, '--json', ...(b === 0 ? ['--pin'] : [])]);
    t.is(c.code, 0, c.stderr);
    ids.push((JSON.parse(c.stdout) as { id: string }).id);
  }
  const dump = await dumpDatabase(server.uri);
  await server.kill();
  return { root, repo, ids, dump };
}

/** `verify --all` passes on the copy, and `restore` of `id` from it starts a server with the same DUMP. */
export async function checkCopy(t: ExecutionContext, repo: string, id: string, dump: string[]): Promise<void> {
  const v = await runCli(['verify', '--all', '--repo', repo]);
  t.is(v.code, 0, v.stdout + v.stderr);
  const target = path.join(path.dirname(repo), `restored-${path.basename(repo)}`);
  const r = await runCli(['restore', id, '--repo', repo, '--data-dir', target, '--quiet']);
  t.is(r.code, 0, r.stderr);
  const server = await startServer(t, target);
  t.deepEqual(await dumpDatabase(server.uri), dump);
  await server.kill();
}

/** Every file under dir (relative, '/'-separated) with its mtime, locks excepted (they come and go). */
export function mtimes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) {
        if (r !== 'locks') walk(r);
      } else out.set(r, fs.statSync(path.join(dir, r)).mtimeMs);
    }
  };
  walk('');
  return out;
}

export interface CopyJson {
  type: 'copy';
  from: string;
  to: string;
  backups: { id: string; action: string; copied: number; skipped: number; bytes: number }[];
  archive: { copied: number; skipped: number; bytes: number };
  copied: number;
  skipped: number;
  bytes: number;
  totalMs: number;
}
