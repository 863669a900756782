// The retention policy: which backups `forget` keeps, and why. A pure function of the backups' times,
// tags and pins, so every rule is unit-tested without a repository. The rules follow restic's `forget`
// as its documentation describes them (facts only, our own code), with time buckets taken in UTC:
// - keep-last N: the N newest backups;
// - keep-hourly/daily/weekly/monthly/yearly N: walking from the newest backup back, the newest backup of
//   each distinct hour/day/ISO week/month/year, until N such buckets were used; when fewer than N buckets
//   exist, the oldest backup is kept as well (restic 0.17: "the oldest snapshot is kept additionally");
// - keep-within D: backups newer than D before the newest backup (not before now: a repository that
//   stopped receiving backups does not empty itself);
// - keep-tag T: backups carrying tag T.
// A backup is kept when any rule keeps it. Pinned backups are always kept. N = -1 means unlimited.
import { UsageError, q } from '../../errors/errors.js';

export interface PolicyBackup {
  id: string;
  /** Creation time (the manifest's createdAt). */
  time: Date;
  tags: readonly string[];
  pinned: boolean;
}

export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: Duration;
  tags?: readonly string[];
}

export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
  /** As the operator wrote it, for messages. */
  text: string;
}

export interface PolicyDecision {
  backup: PolicyBackup;
  keep: boolean;
  /** Why it is kept (empty when it goes), e.g. "last", "daily", "oldest daily", "within 7d", "tag prod", "pinned". */
  reasons: string[];
}

export const UNLIMITED = -1;

/** Whether the policy names any keep rule at all; forget refuses to run without one. */
export function hasKeepRule(p: RetentionPolicy): boolean {
  const counts = [p.last, p.hourly, p.daily, p.weekly, p.monthly, p.yearly];
  return counts.some((n) => n !== undefined && n !== 0) || p.within !== undefined || (p.tags?.length ?? 0) > 0;
}

/** Parses restic's duration syntax: a sequence of <number><unit>, units y (years), m (months), d (days), h (hours). */
export function parseDuration(text: string, flag: string): Duration {
  const d: Duration = { years: 0, months: 0, days: 0, hours: 0, text };
  const re = /(\d+)([ymdh])/gy;
  let m: RegExpExecArray | null;
  let used = 0;
  const seen = new Set<string>();
  while ((m = re.exec(text)) !== null) {
    if (seen.has(m[2]!)) break;
    used = re.lastIndex;
    seen.add(m[2]!);
    const n = Number(m[1]);
    if (m[2] === 'y') d.years = n;
    else if (m[2] === 'm') d.months = n;
    else if (m[2] === 'd') d.days = n;
    else d.hours = n;
  }
  if (text === '' || used !== text.length || seen.size === 0) {
    throw new UsageError(`${flag} ${q(text)} is not a duration`, {
      hints: ['write it as numbers with units y (years), m (months), d (days), h (hours), e.g. 7d, 36h, 1y6m'],
    });
  }
  return d;
}

/** `t` minus the duration, by the calendar in UTC (months and years keep the day of month). */
export function subtractDuration(t: Date, d: Duration): Date {
  const r = new Date(t.getTime());
  r.setUTCFullYear(r.getUTCFullYear() - d.years, r.getUTCMonth() - d.months, r.getUTCDate() - d.days);
  return new Date(r.getTime() - d.hours * 3_600_000);
}

/** The ISO 8601 week of a UTC time, as "YYYY-Www" (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(t: Date): string {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(day + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

type BucketRule = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const BUCKETS: Record<BucketRule, (t: Date) => string> = {
  hourly: (t) => t.toISOString().slice(0, 13),
  daily: (t) => t.toISOString().slice(0, 10),
  weekly: isoWeek,
  monthly: (t) => t.toISOString().slice(0, 7),
  yearly: (t) => t.toISOString().slice(0, 4),
};

/** Decides for every backup; the result is ordered newest first. */
export function applyPolicy(backups: readonly PolicyBackup[], policy: RetentionPolicy): PolicyDecision[] {
  // Newest first; equal times by id so the outcome never depends on listing order.
  const sorted = [...backups].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const decisions = sorted.map((backup) => ({ backup, keep: false, reasons: [] as string[] }));
  const keep = (d: PolicyDecision, reason: string) => {
    d.keep = true;
    d.reasons.push(reason);
  };

  const last = policy.last ?? 0;
  decisions.forEach((d, i) => {
    if (last === UNLIMITED || i < last) keep(d, 'last');
  });

  for (const rule of Object.keys(BUCKETS) as BucketRule[]) {
    const n = policy[rule] ?? 0;
    if (n === 0) continue;
    let used = 0;
    let previous: string | undefined;
    for (const d of decisions) {
      if (n !== UNLIMITED && used >= n) break;
      const bucket = BUCKETS[rule](d.backup.time);
      if (bucket === previous) continue;
      previous = bucket;
      used++;
      keep(d, rule);
    }
    // Fewer buckets than asked for: the oldest backup also stays, so that the history reaches back as
    // far as it can (restic >= 0.17 does the same).
    const oldest = decisions.at(-1);
    if (oldest !== undefined && n !== UNLIMITED && used < n && !oldest.reasons.includes(rule)) keep(oldest, `oldest ${rule}`);
  }

  if (policy.within !== undefined && decisions.length > 0) {
    const since = subtractDuration(decisions[0]!.backup.time, policy.within);
    for (const d of decisions) if (d.backup.time.getTime() > since.getTime()) keep(d, `within ${policy.within.text}`);
  }

  for (const tag of policy.tags ?? []) {
    for (const d of decisions) if (d.backup.tags.includes(tag)) keep(d, `tag ${tag}`);
  }

  for (const d of decisions) if (d.backup.pinned) keep(d, 'pinned');
  return decisions;
}
