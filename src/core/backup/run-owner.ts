// Who a piece of mgbackup state belongs to: the lease on the server's data-directory lock, a staging
// folder in the repository, a pin folder in the data directory. The record names the process precisely
// enough that a later run can tell "that run is dead" from "that run is still working", also when the
// pid has been reused (start time) or the machine rebooted (boot id). A record from another machine (or
// another pid namespace, e.g. a Kubernetes Job) cannot be probed; it counts as stale once it has not
// been renewed for STALE_AFTER_MS, which live runs prevent by renewing every RENEW_EVERY_MS.

/** The identity of a process, as seen from the machine it runs on. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id; changes on every boot. */
  bootId: string;
  /** The pid namespace (readlink /proc/self/ns/pid): pids are only comparable inside one. */
  pidNamespace: string;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): tells a reused pid from the original. */
  startTicks: string;
}

export interface RunOwner extends ProcessIdentity {
  format: 'mgbackup-owner';
  /** Unique per run: a lease is only ever removed by the run whose token it carries. */
  token: string;
  backupId: string;
  /** The server URI (userinfo stripped) and database the run talked to. */
  server: string;
  database: string;
  startedAt: string;
  renewedAt: string;
}

/** Reads process facts; the system implementation is src/io/process-probe.ts, tests pass fakes. */
export interface ProcessProbe {
  self(): ProcessIdentity;
  /** The start ticks of a live pid in our namespace, undefined when no such process exists. */
  startTicksOf(pid: number): string | undefined;
}

export const RENEW_EVERY_MS = 15_000;
export const STALE_AFTER_MS = 5 * 60_000;

export type OwnerState =
  | { kind: 'alive' }
  | { kind: 'dead'; why: string }
  | { kind: 'fresh'; ageMs: number }
  | { kind: 'stale'; ageMs: number };

export function sameMachine(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.host === b.host && a.bootId === b.bootId && a.pidNamespace === b.pidNamespace;
}

/** Whether the run that wrote `owner` can still be working. */
export function ownerState(owner: ProcessIdentity & { renewedAt: string }, probe: ProcessProbe, now: Date, staleAfterMs = STALE_AFTER_MS): OwnerState {
  const me = probe.self();
  if (sameMachine(owner, me)) {
    if (owner.pid === me.pid && owner.startTicks === me.startTicks) return { kind: 'alive' };
    const ticks = probe.startTicksOf(owner.pid);
    if (ticks === undefined) return { kind: 'dead', why: `process ${owner.pid} no longer exists` };
    if (ticks !== owner.startTicks) return { kind: 'dead', why: `pid ${owner.pid} now belongs to another process` };
    return { kind: 'alive' };
  }
  if (owner.host === me.host && owner.bootId !== me.bootId && owner.pidNamespace === me.pidNamespace) {
    return { kind: 'dead', why: `host ${owner.host} rebooted since` };
  }
  const renewed = Date.parse(owner.renewedAt);
  const ageMs = Number.isFinite(renewed) ? now.getTime() - renewed : Number.POSITIVE_INFINITY;
  return ageMs > staleAfterMs ? { kind: 'stale', ageMs } : { kind: 'fresh', ageMs };
}

export function newOwner(
  probe: ProcessProbe, fields: { token: string; backupId: string; server: string; database: string; now: Date },
): RunOwner {
  const at = fields.now.toISOString();
  return {
    format: 'mgbackup-owner', ...probe.self(), token: fields.token, backupId: fields.backupId,
    server: fields.server, database: fields.database, startedAt: at, renewedAt: at,
  };
}

export function parseOwner(text: string | undefined): RunOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as Partial<RunOwner>;
    if (o.format !== 'mgbackup-owner' || typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.token !== 'string') return undefined;
    return o as RunOwner;
  } catch {
    return undefined;
  }
}

export function serializeOwner(o: RunOwner): string {
  return JSON.stringify(o, null, 2) + '\n';
}

/** "backup 2026…-ab12cd34 (pid 4242 on host web-1, started 2026-…, last renewed 2026-…)" */
export function describeOwner(o: RunOwner): string {
  return `backup ${o.backupId} (pid ${o.pid} on host ${o.host}, started ${o.startedAt}, last renewed ${o.renewedAt})`;
}

export function describeState(s: OwnerState): string {
  switch (s.kind) {
    case 'alive': return 'still running';
    case 'dead': return s.why;
    case 'fresh': return `on another host, renewed ${Math.round(s.ageMs / 1000)} s ago`;
    case 'stale': return `on another host, not renewed for ${Number.isFinite(s.ageMs) ? `${Math.round(s.ageMs / 1000)} s` : 'an unknown time'}`;
  }
}

export function isGone(s: OwnerState): boolean {
  return s.kind === 'dead' || s.kind === 'stale';
}
