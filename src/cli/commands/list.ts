// `mgbackup list`: per storage UUID, the backups (table) and the restore window; then the broken
// folders, each with why. --json gives the same as one object.
import { encryptionOptionsFrom, type EncryptionOptions } from '../repo-encryption.js';
import { MgBackupError, q } from '../../errors/errors.js';
import { readBackupSummaries } from '../../repo/backup-summary.js';
import { defineCommand, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import { listRepository, type BackupRow, type BrokenRow, type DatabaseGroup } from '../../core/backup/list.js';
import { formatBytes } from '../../core/backup/create.js';
import type { BackupStore } from '../../store/backup-store.js';
import type { S3Settings } from '../../repo/repo-url.js';
import { repoFrom } from './create.js';
import { cleanStore, describeLeftover } from '../../core/backup/leftovers.js';
import { systemProcessProbe } from '../../io/process-probe.js';
import { openStore, repoBackend, s3SettingsFrom, withRepo } from '../repo-access.js';
import { exitCodeOf } from '../../errors/codes.js';

export interface ListOptions {
  repo: string;
  s3: S3Settings;
  encryption?: EncryptionOptions;
  json: boolean;
}

/** 45s, 12m, 5h, 3d: enough to see at a glance how old a backup is. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function renderListTable(rows: BackupRow[]): string {
  if (rows.length === 0) return 'no backups\n';
  const table = [
    ['ID', 'CREATED (UTC)', 'AGE', 'DATABASE', 'MEMGRAPH', 'KIND', 'SIZE', 'VERTICES', 'EDGES', 'PINNED', 'TAGS', 'LABELS'],
    ...rows.map((r) => [
      r.id, r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ''), formatAge(r.ageSeconds), r.database, r.memgraphVersion,
      r.snapshotOnly ? 'snapshot-only' : r.archivedFiles > 0 ? 'snapshot+archive' : 'snapshot+wal',
      formatBytes(r.bytes), r.vertices === null ? '-' : String(r.vertices), r.edges === null ? '-' : String(r.edges),
      r.pinned ? 'pinned' : '-', r.tags.join(',') || '-', Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-',
    ]),
  ];
  return renderColumns(table);
}

/** Plain columns two spaces apart (greppable; docs/dependencies.md says why no table library). */
function renderColumns(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** The lines under a storage UUID's table: its restore window, archive and holes. */
export function renderWindow(g: DatabaseGroup): string {
  const w = g.window;
  const lines = [w === null
    ? 'restore window: none (no base backup)'
    : `restore window: ${w.earliest.at} (commit ${w.earliest.ts}) .. ${w.latest.at} (commit ${w.latest.ts})`];
  if (g.archive.files > 0) lines.push(`wal archive:    ${g.archive.files} file(s), ${formatBytes(g.archive.bytes)}`);
  for (const h of g.holes) lines.push(`hole:           ${h}`);
  return lines.join('\n') + '\n';
}

/** One section per storage UUID (database), oldest backup first. */
export function renderGroups(rows: BackupRow[], groups: DatabaseGroup[]): string {
  if (rows.length === 0 && groups.length === 0) return 'no backups\n';
  return groups.map((g) => {
    const mine = rows.filter((r) => r.uuid === g.uuid);
    const name = g.databases.length > 0 ? g.databases.join(', ') : 'unknown (archive only)';
    return `database ${name}, storage ${g.uuid}\n` + (mine.length > 0 ? renderListTable(mine) : '') + renderWindow(g);
  }).join('\n');
}

/** Broken backups under the table: one line each, the folder name first, so `grep` finds them. */
export function renderBrokenLines(rows: BrokenRow[]): string {
  if (rows.length === 0) return '';
  return `\nbroken (${rows.length}, not usable):\n` + rows.map((r) => `${r.id}  BROKEN: ${r.problem}\n`).join('');
}

export async function runList(opts: ListOptions, ctx: CommandContext): Promise<void> {
  let store: BackupStore;
  try {
    store = await openStore(opts, { create: false }, ctx);
  } catch (err) {
    // An encrypted repository opened without a key: the clear summaries still say what backups exist.
    if (err instanceof MgBackupError && err.kind === 'authFailed' && !keysGiven(opts.encryption)) return listSummaries(opts, ctx);
    throw err;
  }
  try {
    await withRepo(store.backend, { mode: 'shared', command: 'list', write: false }, ctx, () => listLocked(store, opts, ctx));
  } finally {
    await store.close();
  }
}

async function listLocked(store: BackupStore, opts: ListOptions, ctx: CommandContext): Promise<void> {
  // Killed creates leave staging folders; those of dead runs go, and the operator hears about them.
  const leftovers = await cleanStore(store, systemProcessProbe, ctx.clock.now());
  for (const l of leftovers) ctx.reporter.warn(describeLeftover(l));
  const { backups, broken, databases } = await listRepository(store, { now: ctx.clock.now(), backend: store.backend });
  ctx.stdout.write(opts.json
    // A broken row names its failure as an error object does: `code` the exit code, `kind` its row.
    ? JSON.stringify({ type: 'backups', backups, databases, broken: broken.map((b) => ({ id: b.id, path: b.path, code: exitCodeOf(b.code), kind: b.code, problem: b.problem })), leftovers }) + '\n'
    : renderGroups(backups, databases) + renderBrokenLines(broken));
  if (broken.length > 0) {
    ctx.reporter.warn(`${broken.length} broken backup folder(s) in ${opts.repo}; \`mgbackup verify ID\` says why, restore refuses them`);
  }
}

function keysGiven(e: EncryptionOptions | undefined): boolean {
  return e !== undefined && (e.identityFiles.length > 0 || e.passphrase !== undefined || e.passphraseFile !== undefined);
}

/** `list` of an encrypted repository without its key: from the clear summaries (docs/repository-format.md, "Encryption"). */
async function listSummaries(opts: ListOptions, ctx: CommandContext): Promise<void> {
  const backend = await repoBackend(opts);
  const summaries = await withRepo(backend, { mode: 'shared', command: 'list', write: false }, ctx, () => readBackupSummaries(backend));
  ctx.reporter.warn(`repository ${q(opts.repo)} is encrypted: listed from its clear summaries; restore windows and checks need the key (--identity or a passphrase)`);
  if (opts.json) {
    ctx.stdout.write(JSON.stringify({ type: 'backup-summaries', encrypted: true, backups: summaries.map(({ format: _f, ...s }) => s) }) + '\n');
    return;
  }
  if (summaries.length === 0) {
    ctx.stdout.write('no backups\n');
    return;
  }
  const table = [
    ['ID', 'CREATED (UTC)', 'DATABASE', 'MEMGRAPH', 'KIND', 'SIZE', 'VERTICES', 'EDGES', 'PINNED', 'TAGS'],
    ...summaries.map((s) => [
      s.id, s.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ''), s.database, s.memgraphVersion, s.snapshotOnly ? 'snapshot-only' : 'snapshot+wal',
      formatBytes(s.sizeBytes), s.counts.vertices === null ? '-' : String(s.counts.vertices), s.counts.edges === null ? '-' : String(s.counts.edges),
      s.pinned ? 'pinned' : '-', s.tags.join(',') || '-',
    ]),
  ];
  ctx.stdout.write(renderColumns(table));
}

export const listCommand = defineCommand<ListOptions>({
  command: 'list',
  describe: 'list the backups per database and the restore window (base backups plus the WAL archive)',
  groups: ['repository'],
  examples: [
    ['mgbackup list --repo /backups', 'per database: a table of backups, newest last, and the restore window'],
    ['MGBACKUP_REPO=/backups mgbackup list --json', 'one JSON object with every backup and window'],
  ],
  toOptions: (args, env) => ({ repo: repoFrom(args, env), s3: s3SettingsFrom(args), encryption: encryptionOptionsFrom(args, env), json: globalOptionsFrom(args).json }),
  run: runList,
});
