// --metrics-file: a Prometheus textfile for node_exporter's textfile collector, written when a command
// that takes it (create, verify, restore) ends, successfully or not. Written as tmp + fsync + rename, so
// the collector never reads half a file. One file may serve several commands and databases: the
// samples of other label sets found in it are kept, and a failed run keeps the last success timestamp
// (an alert on `time() - mgbackup_last_success_timestamp_seconds` must keep counting).
// Written by hand rather than with prom-client: that library is a registry for a long-running process'
// /metrics endpoint; here it is one short file merged with the previous one, ten lines of text format.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { MgBackupError, q } from '../errors/errors.js';

export interface RunFigures {
  /** Memgraph database (tenant) the run was about. */
  database?: string;
  bytes?: number;
  files?: number;
  lockWindowSeconds?: number;
  /** verify: 1 when the backup failed its check. */
  verifyFailed?: boolean;
}

export interface RunOutcome extends RunFigures {
  command: string;
  exitCode: number;
  startedAt: Date;
  endedAt: Date;
  durationSeconds: number;
}

const METRICS: Record<string, { type: 'gauge' | 'counter'; help: string }> = {
  mgbackup_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful run.' },
  mgbackup_last_run_timestamp_seconds: { type: 'gauge', help: 'Unix time the last run ended, successful or not.' },
  mgbackup_last_exit_code: { type: 'gauge', help: 'Exit code of the last run (0 = success; see the README exit-code table).' },
  mgbackup_duration_seconds: { type: 'gauge', help: 'Duration of the last run.' },
  mgbackup_bytes: { type: 'gauge', help: 'Bytes in the backup the last run wrote, verified or restored.' },
  mgbackup_files: { type: 'gauge', help: 'Files in the backup the last run wrote, verified or restored.' },
  mgbackup_lock_window_seconds: { type: 'gauge', help: 'How long the last create held the data-directory lock.' },
  mgbackup_verify_failures_total: { type: 'counter', help: 'Verify runs that found a damaged backup.' },
};

type Samples = Map<string, Map<string, number>>; // metric -> labels text -> value

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function readSamples(file: string): Samples {
  const samples: Samples = new Map();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return samples;
  }
  for (const line of text.split('\n')) {
    const m = /^(mgbackup_[a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || !(m[1]! in METRICS)) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    if (!samples.has(m[1]!)) samples.set(m[1]!, new Map());
    samples.get(m[1]!)!.set(m[2] ?? '', v);
  }
  return samples;
}

export function renderMetrics(previous: Samples, run: RunOutcome): string {
  const labels = `{command="${escapeLabel(run.command)}",database="${escapeLabel(run.database ?? '')}"}`;
  const set = (metric: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!previous.has(metric)) previous.set(metric, new Map());
    previous.get(metric)!.set(labels, value);
  };
  const seconds = (d: Date) => Math.round(d.getTime() / 10) / 100;
  if (run.exitCode === 0) set('mgbackup_last_success_timestamp_seconds', seconds(run.endedAt));
  set('mgbackup_last_run_timestamp_seconds', seconds(run.endedAt));
  set('mgbackup_last_exit_code', run.exitCode);
  set('mgbackup_duration_seconds', Math.round(run.durationSeconds * 1000) / 1000);
  set('mgbackup_bytes', run.bytes);
  set('mgbackup_files', run.files);
  set('mgbackup_lock_window_seconds', run.lockWindowSeconds === undefined ? undefined : Math.round(run.lockWindowSeconds * 1e6) / 1e6);
  if (run.command === 'verify') {
    const before = previous.get('mgbackup_verify_failures_total')?.get(labels) ?? 0;
    set('mgbackup_verify_failures_total', before + (run.verifyFailed ? 1 : 0));
  }
  const out: string[] = [];
  for (const [metric, meta] of Object.entries(METRICS)) {
    const rows = previous.get(metric);
    if (!rows || rows.size === 0) continue;
    out.push(`# HELP ${metric} ${meta.help}`, `# TYPE ${metric} ${meta.type}`);
    for (const [l, v] of [...rows].sort(([a], [b]) => a.localeCompare(b))) out.push(`${metric}${l} ${v}`);
  }
  return out.join('\n') + '\n';
}

/** Merges this run into FILE: temp file in the same folder, fsync, rename, fsync of the folder. */
export function writeMetricsFile(file: string, run: RunOutcome): void {
  const text = renderMetrics(readSamples(file), run);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    // 0644, not 0600: node_exporter usually runs as another user, and the file holds only figures.
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot write --metrics-file ${q(file)}: ${code}`, {
      hints: ['give a file in an existing folder this user can write (node_exporter\'s --collector.textfile.directory)'],
      cause: e,
    });
  }
}
