// What the operator reads after a restore: what was staged, what was moved aside and where, and the
// one command to run next. The JSON result carries the same facts for scripts.
import type { Owner, RestorePlan } from './plan.js';
import { DOCKER_MEMGRAPH_OWNER } from './owner.js';

export interface NextStepInput {
  dataDir: string;
  storageRoot: string;
  owner: Owner | undefined;
  memgraphVersion: string | undefined;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The exact next step: a docker run for a uid-101 directory (the image's user), else systemd. */
export function nextStepFor(i: NextStepInput): string {
  const tag = i.memgraphVersion && /^\d+\.\d+(\.\d+)?$/.test(i.memgraphVersion) ? i.memgraphVersion : 'latest';
  const tenant = i.storageRoot === '' ? '' : '; the tenant is recovered at startup with the others';
  if (i.owner?.uid === DOCKER_MEMGRAPH_OWNER.uid) {
    return `start Memgraph on it: docker run -d -p 7687:7687 -v ${shellQuote(i.dataDir)}:/var/lib/memgraph memgraph/memgraph:${tag}${tenant}`;
  }
  return `start Memgraph on it: systemctl start memgraph (its --data-directory must be ${shellQuote(i.dataDir)}, with --data-recovery-on-startup=true)${tenant}`;
}

export function renderPlanText(plan: RestorePlan, dryRun: boolean): string {
  const lines: string[] = [];
  const verb = dryRun ? 'would' : 'did';
  const at = (rel: string) => `${plan.dataDir}/${rel}`;
  lines.push(`${dryRun ? 'plan for' : 'restored'} backup ${plan.backupId} (${plan.mode}) into ${at(plan.storageRoot)}`.replace(/\/$/, ''));
  if (plan.createDataDir) lines.push(`  ${verb} create ${plan.dataDir}`);
  for (const m of plan.moveAside) {
    lines.push(`  ${verb} move aside ${at(m.dir)}/ -> ${at(m.to)}/ (${m.entries.length} entr${m.entries.length === 1 ? 'y' : 'ies'})`);
    for (const e of m.entries) lines.push(`      ${e}`);
  }
  for (const s of plan.stage) lines.push(`  ${verb} stage ${s.from} -> ${at(s.to)} (${s.size} bytes, durability v${s.durabilityVersion})`);
  if (!plan.stage.some((s) => s.kind === 'wal')) lines.push(`  wal/ ${dryRun ? 'will be' : 'is'} empty`);
  if (plan.owner) lines.push(`  owner of written files: ${plan.owner.uid}:${plan.owner.gid}`);
  return lines.join('\n') + '\n';
}
