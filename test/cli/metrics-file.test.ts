// Issue 12 item 8, from the built binary: --metrics-file writes a node_exporter textfile after create,
// verify and restore; a later run of another command keeps the earlier samples; a failed run keeps the
// last success timestamp and records its exit code; a damaged backup counts in
// mgbackup_verify_failures_total; no temporary file is left beside it.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { seededStandIn } from './seeded-standin.js';

/** metric{labels} -> value, from the text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_]+\{[^}]*\}) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

test('create, verify and restore write the textfile; a damaged backup is counted; failures keep the last success', async (t) => {
  const s = await seededStandIn(t, 'mgb-metrics-');
  const prom = path.join(s.root, 'textfile', 'mgbackup.prom');
  fs.mkdirSync(path.dirname(prom));
  const before = Date.now() / 1000;
  const create = await runCli([...s.create, '--json', '--metrics-file', prom]);
  t.is(create.code, 0, create.stderr);
  const backup = JSON.parse(create.stdout) as { id: string; bytes: number; files: unknown[]; lockWindowMs: number; path: string };
  const text = fs.readFileSync(prom, 'utf8');
  const c = '{command="create",database="memgraph"}';
  t.deepEqual(text.split('\n').filter((l) => l.startsWith('# TYPE')), [
    '# TYPE mgbackup_last_success_timestamp_seconds gauge',
    '# TYPE mgbackup_last_run_timestamp_seconds gauge',
    '# TYPE mgbackup_last_exit_code gauge',
    '# TYPE mgbackup_duration_seconds gauge',
    '# TYPE mgbackup_bytes gauge',
    '# TYPE mgbackup_files gauge',
    '# TYPE mgbackup_lock_window_seconds gauge',
  ]);
  let m = samples(text);
  t.deepEqual([...m.keys()], [
    `mgbackup_last_success_timestamp_seconds${c}`, `mgbackup_last_run_timestamp_seconds${c}`, `mgbackup_last_exit_code${c}`,
    `mgbackup_duration_seconds${c}`, `mgbackup_bytes${c}`, `mgbackup_files${c}`, `mgbackup_lock_window_seconds${c}`,
  ]);
  const success = m.get(`mgbackup_last_success_timestamp_seconds${c}`)!;
  t.true(success >= Math.floor(before) && success <= Date.now() / 1000 + 1, String(success));
  t.is(m.get(`mgbackup_last_exit_code${c}`), 0);
  t.is(m.get(`mgbackup_bytes${c}`), backup.bytes);
  t.is(m.get(`mgbackup_files${c}`), backup.files.length);
  t.is(m.get(`mgbackup_lock_window_seconds${c}`), Math.round(backup.lockWindowMs * 1000) / 1e6);
  t.true(m.get(`mgbackup_duration_seconds${c}`)! > 0);
  t.is(fs.statSync(prom).mode & 0o777, 0o644);

  const v = '{command="verify",database="memgraph"}';
  const verify = await runCli(['verify', '--repo', s.repo, backup.id, '--metrics-file', prom]);
  t.is(verify.code, 0, verify.stderr);
  m = samples(fs.readFileSync(prom, 'utf8'));
  t.is(m.get(`mgbackup_last_success_timestamp_seconds${c}`), success, 'create\'s samples are kept');
  t.is(m.get(`mgbackup_last_exit_code${v}`), 0);
  t.is(m.get(`mgbackup_bytes${v}`), backup.bytes);
  t.is(m.get(`mgbackup_verify_failures_total${v}`), 0);
  const verifiedAt = m.get(`mgbackup_last_success_timestamp_seconds${v}`)!;

  // A flipped byte: verify exits 14, the failure is counted, the last success stays.
  const manifest = JSON.parse(fs.readFileSync(path.join(backup.path, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  const file = path.join(backup.path, manifest.files[0]!.path);
  fs.chmodSync(file, 0o600);
  const buf = fs.readFileSync(file);
  buf[buf.length - 1]! ^= 1;
  fs.writeFileSync(file, buf);
  for (let i = 1; i <= 2; i++) {
    const bad = await runCli(['verify', '--repo', s.repo, backup.id, '--metrics-file', prom]);
    t.is(bad.code, 14, bad.stderr);
    m = samples(fs.readFileSync(prom, 'utf8'));
    t.is(m.get(`mgbackup_verify_failures_total${v}`), i);
    t.is(m.get(`mgbackup_last_exit_code${v}`), 14);
    t.is(m.get(`mgbackup_last_success_timestamp_seconds${v}`), verifiedAt);
    t.true(m.get(`mgbackup_last_run_timestamp_seconds${v}`)! >= verifiedAt);
  }
  t.true(fs.readFileSync(prom, 'utf8').includes('# TYPE mgbackup_verify_failures_total counter\n'));

  // restore (dry run) joins the same file; nothing but the .prom file is in its folder.
  const target = path.join(s.root, 'target');
  fs.mkdirSync(target);
  // latest is the damaged backup now, which restore refuses: take a fresh one.
  const older = await runCli(['create', ...s.create.slice(1), '--json']);
  t.is(older.code, 0, older.stderr);
  const restore = await runCli(['restore', 'latest', '--dry-run', '--quiet', '--repo', s.repo, '--data-dir', target, '--metrics-file', prom]);
  t.is(restore.code, 0, restore.stderr);
  m = samples(fs.readFileSync(prom, 'utf8'));
  t.is(m.get('mgbackup_last_exit_code{command="restore",database="memgraph"}'), 0);
  t.is(m.get('mgbackup_files{command="restore",database="memgraph"}'), 2);
  t.deepEqual(fs.readdirSync(path.dirname(prom)), ['mgbackup.prom']);
});

test('a metrics file in a missing folder is an error after the run, naming the file', async (t) => {
  const s = await seededStandIn(t, 'mgb-metrics-bad-');
  const prom = path.join(s.root, 'nope', 'mgbackup.prom');
  fs.mkdirSync(s.repo, { mode: 0o700 });
  const r = await runCli(['verify', '--repo', s.repo, 'latest', '--metrics-file', prom]);
  // The run itself failed (no backups): its own error comes first, then the metrics file's.
  t.is(r.code, 12);
  t.is(r.stderr.split('\n').filter((l) => l.startsWith('mgbackup: error:')).pop(), `mgbackup: error: cannot write --metrics-file "${prom}": ENOENT`);
  t.false(fs.existsSync(path.dirname(prom)));
});
