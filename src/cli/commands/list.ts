// `mgbackup list`: the backups in the repository (table or --json), then the broken ones, each with why.
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { listRepository, type BackupRow, type BrokenRow } from '../../core/backup/list.js';
import { formatBytes } from '../../core/backup/create.js';
import { BackupStore } from '../../store/backup-store.js';
import { repoFrom } from './create.js';
import { cleanRepository, describeLeftover } from '../../core/backup/leftovers.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { exitCodeOf } from '../../errors/codes.js';

export interface ListOptions {
  repo: string;
  json: boolean;
}

export function renderListTable(rows: BackupRow[]): string {
  if (rows.length === 0) return 'no backups\n';
  const table = [
    ['ID', 'CREATED (UTC)', 'DATABASE', 'MEMGRAPH', 'FILES', 'SIZE', 'VERTICES', 'EDGES', 'LOCK MS', 'TAGS'],
    ...rows.map((r) => [
      r.id, r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ''), r.database, r.memgraphVersion, String(r.files),
      formatBytes(r.bytes), r.vertices === null ? '-' : String(r.vertices), r.edges === null ? '-' : String(r.edges),
      r.lockWindowMs.toFixed(1), r.tags.join(','),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Broken backups under the table: one line each, the folder name first, so `grep` finds them. */
export function renderBrokenLines(rows: BrokenRow[]): string {
  if (rows.length === 0) return '';
  return `\nbroken (${rows.length}, not usable):\n` + rows.map((r) => `${r.id}  BROKEN: ${r.problem}\n`).join('');
}

export async function runList(opts: ListOptions, ctx: CommandContext): Promise<void> {
  const store = await BackupStore.open(opts.repo, { create: false });
  // Killed creates leave staging folders; those of dead runs go, and the operator hears about them.
  const leftovers = await cleanRepository(store.root, systemProcessProbe, ctx.clock.now());
  for (const l of leftovers) ctx.reporter.warn(describeLeftover(l));
  const { backups, broken } = await listRepository(store);
  ctx.stdout.write(opts.json
    // A broken row names its failure as an error object does: `code` the exit code, `kind` its row.
    ? JSON.stringify({ type: 'backups', backups, broken: broken.map((b) => ({ id: b.id, path: b.path, code: exitCodeOf(b.code), kind: b.code, problem: b.problem })), leftovers }) + '\n'
    : renderListTable(backups) + renderBrokenLines(broken));
  if (broken.length > 0) {
    ctx.reporter.warn(`${broken.length} broken backup folder(s) in ${opts.repo}; \`mgbackup verify ID\` says why, restore refuses them`);
  }
}

export const listCommand = defineCommand<ListOptions>({
  command: 'list',
  describe: 'list the backups in the repository',
  groups: ['repository'],
  examples: [
    ['mgbackup list --repo /backups', 'a table, newest last'],
    ['MGBACKUP_REPO=/backups mgbackup list --json', 'one JSON object with every backup'],
  ],
  toOptions: (args, env) => ({ repo: repoFrom(args, env), json: globalOptionsFrom(args).json }),
  run: runList,
});
