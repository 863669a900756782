// src/core/forget owns retention: which backups a policy keeps (policy.ts), forgetting the others
// (tombstone.ts), and --prune, which deletes forgotten backups' files (prune.ts), archived WAL that no
// kept backup needs (wal-retention.ts) and the debris of interrupted runs. forget alone takes the shared
// repository lock: it only removes manifests, and a restore already reading a backup keeps its files
// until a prune, which takes the exclusive lock. A dry run takes no lock and writes nothing.
import { UsageError } from '../../errors/errors.js';
import type { RepoBackend } from '../../repo/repo-backend.js';
import { BACKUP_ID_RE } from '../../store/backup-id.js';
import { MANIFEST_NAME } from '../../store/manifest.js';
import type { Clock } from '../clock.js';
import { applyPolicy, hasKeepRule, subtractDuration, type Duration, type PolicyDecision, type RetentionPolicy } from './policy.js';
import { DeletePool, pruneBackup } from './prune.js';
import { scanRepoBackups, snapshotOf, type RepoBackup } from './repo-backups.js';
import { serializeTombstone, tombstoneKey } from './tombstone.js';
import { applyWalRetention, type StorageRule, type WalRetentionResult } from './wal-retention.js';

export interface ForgetRequest {
  policy: RetentionPolicy;
  prune: boolean;
  keepWalWithin?: Duration;
  dryRun: boolean;
}

export interface ForgetDeps {
  backend: RepoBackend;
  clock: Clock;
  warn: (message: string) => void;
  /** Fault tests stop the process at named steps. */
  onStep?: (step: string) => void;
  /** Removes `.staging/` folders of dead runs (local repositories); returns what it removed or kept. */
  cleanStaging?: (dryRun: boolean) => Promise<{ path: string; action: string; reason: string }[]>;
  /** Parallel deletions (remote stores gain most). */
  concurrency?: number;
}

export interface BackupVerdict {
  id: string;
  createdAt: string;
  database: string;
  keep: boolean;
  reasons: string[];
  bytes: number;
}

export interface ForgetResult {
  dryRun: boolean;
  prune: boolean;
  backups: BackupVerdict[];
  /** Backups this run forgot (or would forget). */
  forgotten: string[];
  /** Backup folders that are not readable backups: never touched by forget. */
  broken: { id: string; problem: string }[];
  pruned?: {
    backups: { id: string; bytes: number }[];
    wal: WalRetentionResult;
    staging: { path: string; action: string; reason: string }[];
  };
}

export const WAL_WINDOW_REASON = 'base of the WAL window';

/** The manifest's createdAt; the UTC second in the backup id when createdAt does not parse. */
function backupTime(b: RepoBackup): Date {
  const t = new Date(b.manifest.createdAt);
  if (Number.isFinite(t.getTime())) return t;
  const m = BACKUP_ID_RE.exec(b.id)!;
  const [d, h] = [m[1]!, m[2]!];
  return new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}Z`);
}

/** Applies the policy per database (backups of different databases never compete for the same slots). */
export function decide(backups: readonly RepoBackup[], policy: RetentionPolicy, walWindowSince: Date | undefined): PolicyDecision[] {
  const byDb = new Map<string, RepoBackup[]>();
  for (const b of backups) {
    const db = b.manifest.database.name;
    byDb.set(db, [...(byDb.get(db) ?? []), b]);
  }
  const out: PolicyDecision[] = [];
  for (const group of byDb.values()) {
    const decisions = applyPolicy(group.map((b) => ({
      id: b.id, time: backupTime(b), tags: b.manifest.tags ?? [], pinned: b.manifest.pinned === true,
    })), policy);
    if (walWindowSince !== undefined) {
      // A WAL window is only restorable from a base backup taken at or before its start.
      const base = decisions.find((d) => d.backup.time.getTime() <= walWindowSince.getTime());
      if (base !== undefined) {
        base.keep = true;
        base.reasons.push(WAL_WINDOW_REASON);
      }
    }
    out.push(...decisions);
  }
  return out.sort((a, b) => b.backup.time.getTime() - a.backup.time.getTime() || (a.backup.id < b.backup.id ? 1 : -1));
}

export async function runForget(req: ForgetRequest, deps: ForgetDeps): Promise<ForgetResult> {
  if (!hasKeepRule(req.policy)) {
    throw new UsageError('forget needs at least one keep option', {
      hints: ['e.g. --keep-last 7 or --keep-daily 7 --keep-weekly 4; forget never deletes everything by default'],
    });
  }
  const now = deps.clock.now();
  const scan = await scanRepoBackups(deps.backend);
  for (const b of scan.broken) deps.warn(`backup folder ${b.id} ${b.problem}: forget leaves it alone`);
  const walSince = req.keepWalWithin === undefined ? undefined : subtractDuration(now, req.keepWalWithin);
  const decisions = decide(scan.backups, req.policy, walSince);
  const byId = new Map(scan.backups.map((b) => [b.id, b]));
  const verdicts: BackupVerdict[] = decisions.map((d) => {
    const b = byId.get(d.backup.id)!;
    return { id: b.id, createdAt: b.manifest.createdAt, database: b.manifest.database.name, keep: d.keep, reasons: d.reasons, bytes: b.bytes };
  });
  const goners = scan.backups.filter((b) => decisions.some((d) => d.backup.id === b.id && !d.keep));

  if (!req.dryRun) {
    for (const b of goners) {
      deps.onStep?.(`forgetting ${b.id}`);
      // The tombstone (the manifest, moved) makes the backup stop existing; the manifest goes next.
      await deps.backend.put(tombstoneKey(b.id), serializeTombstone({
        format: 'mgbackup-forgotten', id: b.id, forgottenAt: now.toISOString(), by: req.prune ? 'forget --prune' : 'forget', manifest: b.manifest,
      }));
      deps.onStep?.(`forgot ${b.id}`);
      await deps.backend.delete(`${b.id}/${MANIFEST_NAME}`);
      deps.onStep?.(`unlisted ${b.id}`);
    }
  }
  const result: ForgetResult = {
    dryRun: req.dryRun, prune: req.prune, backups: verdicts, forgotten: goners.map((b) => b.id), broken: scan.broken,
  };
  if (!req.prune) return result;

  const pool = new DeletePool(deps.concurrency ?? 16);
  const toPrune = [
    ...scan.forgotten.map((f) => ({ id: f.tombstone.id, keys: f.keys, bytes: f.bytes, manifest: f.tombstone.manifest })),
    ...goners.map((b) => ({ id: b.id, keys: b.keys, bytes: b.bytes, manifest: b.manifest })),
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (!req.dryRun) {
    for (const f of toPrune) await pruneBackup(f.id, f.keys, { backend: deps.backend, pool, ...(deps.onStep ? { onStep: deps.onStep } : {}) });
    await pool.drain();
  }

  // The archive is bounded per storage by the oldest kept base snapshot.
  const kept = scan.backups.filter((b) => !goners.includes(b));
  const rules = new Map<string, StorageRule>();
  for (const f of toPrune) {
    const snap = snapshotOf(f.manifest);
    if (snap !== undefined) rules.set(snap.uuid, { kind: 'forgotten' });
  }
  const referenced = new Set<string>();
  for (const b of kept) {
    for (const a of b.manifest.archived ?? []) referenced.add(a.key);
    if (b.snapshot === undefined) continue;
    const r = rules.get(b.snapshot.uuid);
    if (r === undefined || r.kind === 'forgotten' || b.snapshot.ts < r.cut) rules.set(b.snapshot.uuid, { kind: 'base', cut: b.snapshot.ts, backupId: b.id });
  }
  const wal = await applyWalRetention(
    { rules, referenced, keepSinceMs: walSince?.getTime() },
    { backend: deps.backend, dryRun: req.dryRun, ...(deps.onStep ? { onStep: deps.onStep } : {}) },
  );
  for (const p of wal.problems) deps.warn(p);
  const staging = deps.cleanStaging ? await deps.cleanStaging(req.dryRun) : [];
  result.pruned = { backups: toPrune.map((f) => ({ id: f.id, bytes: f.bytes })), wal, staging };
  return result;
}
