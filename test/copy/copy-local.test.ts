// `mgbackup copy` between two local repositories, from the built CLI: a whole repository (backups,
// pin, WAL archive) copied, verified and restored from; a second run that writes nothing (by the files'
// mtimes); forgotten backups left behind; a damaged source refused (14) with nothing of it published;
// create --copy-to.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { dumpDatabase, runQueries, startServer, tempRoot } from '../pitr/helpers.js';
import { checkCopy, makeSource, mtimes, type CopyJson } from './helpers.js';

test('copy --all: every backup and the WAL archive, verified and restorable; a second run copies nothing', async (t) => {
  const src = await makeSource(t, 'copy-local', 2);
  const r2 = path.join(src.root, 'r2');
  const c = await runCli(['copy', '--from', src.repo, '--to', r2, '--all', '--json']);
  t.is(c.code, 0, c.stderr);
  const out = JSON.parse(c.stdout) as CopyJson;
  t.deepEqual(out.backups.map((b) => [b.id, b.action]), src.ids.map((id) => [id, 'copied']));
  t.true(out.copied > 0 && out.bytes > 0);
  t.true(out.archive.copied > 0, 'watch archived WAL, and --all copies the archive');

  // The copy lists like the source: the same backups, the pin kept, the same archive.
  const list = async (repo: string) => {
    const l = await runCli(['list', '--repo', repo, '--json']);
    t.is(l.code, 0, l.stderr);
    const o = JSON.parse(l.stdout) as { backups: { id: string; pinned: boolean }[]; databases: { archive: unknown; window: unknown }[] };
    return { backups: o.backups.map((b) => [b.id, b.pinned]), databases: o.databases.map((d) => [d.archive, d.window]) };
  };
  t.deepEqual(await list(r2), await list(src.repo));
  t.deepEqual((await list(r2)).backups, [[src.ids[0], true], [src.ids[1], false]]);
  t.true(fs.existsSync(path.join(r2, 'mgbackup-repo.json')));
  // Private like every repository: files 0600, folders 0700.
  const modes = new Set<string>();
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      modes.add(`${d.isDirectory() ? 'dir' : 'file'} ${(fs.statSync(p).mode & 0o777).toString(8)}`);
      if (d.isDirectory()) walk(p);
    }
  };
  walk(r2);
  modes.add(`dir ${(fs.statSync(r2).mode & 0o777).toString(8)}`);
  t.deepEqual([...modes].sort(), ['dir 700', 'file 600']);
  await checkCopy(t, r2, src.ids[1]!, src.dump);

  // Again: every object is there with its sha256, so nothing is written (the mtimes stay).
  const before = mtimes(r2);
  const again = await runCli(['copy', '--from', src.repo, '--to', r2, '--all', '--json']);
  t.is(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as CopyJson;
  t.deepEqual(second.backups.map((b) => b.action), ['present', 'present']);
  t.like(second, { copied: 0, bytes: 0, archive: { copied: 0, bytes: 0, skipped: out.archive.copied } });
  t.deepEqual(mtimes(r2), before);
  const text = await runCli(['copy', '--from', src.repo, '--to', r2, 'latest']);
  t.is(text.code, 0, text.stderr);
  t.is(text.stdout, `${src.ids[1]}: already in ${r2}\n0 file(s) copied (0 B), 0 already in ${r2}\n`);
});

test('copy by id into a repository that has some of the files: only the missing ones are sent', async (t) => {
  const src = await makeSource(t, 'copy-partial', 1);
  const id = src.ids[0]!;
  const r2 = path.join(src.root, 'r2');
  // An earlier run's leftovers: one file of the backup (complete), no manifest, and one damaged file.
  const files = fs.readdirSync(path.join(src.repo, id), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name !== 'manifest.json');
  const rel = (d: fs.Dirent) => path.relative(path.join(src.repo, id), path.join(d.parentPath, d.name));
  t.true(files.length >= 2, files.map(rel).join(' '));
  const [kept, damaged] = [files[0]!, files[1]!];
  for (const [d, bytes] of [[kept, fs.readFileSync(path.join(kept.parentPath, kept.name))], [damaged, Buffer.alloc(fs.statSync(path.join(damaged.parentPath, damaged.name)).size)]] as const) {
    fs.mkdirSync(path.join(r2, id, path.dirname(rel(d))), { recursive: true });
    fs.writeFileSync(path.join(r2, id, rel(d)), bytes);
  }
  const keptMtime = fs.statSync(path.join(r2, id, rel(kept))).mtimeMs;
  const c = await runCli(['copy', '--from', src.repo, '--to', r2, id.slice(-8), '--json', '--progress']);
  t.is(c.code, 0, c.stderr);
  const b = (JSON.parse(c.stdout) as CopyJson).backups[0]!;
  t.like(b, { id, action: 'copied', skipped: 1, copied: files.length - 1 });
  // --progress: the step on stderr, as plain lines when stderr is not a terminal.
  t.regex(c.stderr, new RegExp(`^copying backup ${id} \\(${files.length} files, [\\d.]+ (?:B|KiB|MiB)\\) \\.\\.\\.\n`
    + `copied backup ${id}: ${files.length - 1} file\\(s\\), [\\d.]+ (?:B|KiB|MiB), 1 already there\n$`));
  t.is(fs.statSync(path.join(r2, id, rel(kept))).mtimeMs, keptMtime);
  t.deepEqual(fs.readFileSync(path.join(r2, id, rel(damaged))), fs.readFileSync(path.join(damaged.parentPath, damaged.name)));
  await checkCopy(t, r2, id, src.dump);
});

test('a damaged source backup is refused (14) naming the file; nothing of it is published, the others are copied', async (t) => {
  const src = await makeSource(t, 'copy-damaged', 2);
  const [bad, good] = src.ids as [string, string];
  const snapDir = path.join(src.repo, bad, 'snapshots');
  const snap = path.join(snapDir, fs.readdirSync(snapDir)[0]!);
  const bytes = fs.readFileSync(snap);
  bytes[bytes.length - 10] ^= 0xff;
  fs.writeFileSync(snap, bytes);
  const manifest = JSON.parse(fs.readFileSync(path.join(src.repo, bad, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string; stored?: { sha256: string } }[] };
  // Objects are copied as stored (zstd by default): the stored sha256 is what the copy checks.
  const file = manifest.files.find((f) => snap.endsWith(f.path))!;
  const expected = (file.stored ?? file).sha256;
  const { createHash } = await import('node:crypto');
  const actual = createHash('sha256').update(bytes).digest('hex');
  const r2 = path.join(src.root, 'r2');
  const rel = path.relative(src.repo, snap);
  const c = await runCli(['copy', '--from', src.repo, '--to', r2, '--all']);
  t.is(c.code, 14, c.stderr);
  t.is(c.stderr, `mgbackup: error: backup "${bad}" in "${src.repo}" is damaged, not copied: "${src.repo}/${rel}": sha256 ${actual}, its manifest gives ${expected}\n`
    + `hint: check it with \`mgbackup verify --repo ${src.repo} ${bad}\`; nothing of it was published in the target\n`);
  t.false(fs.existsSync(path.join(r2, bad, 'manifest.json')));
  t.deepEqual(fs.existsSync(path.join(r2, bad)) ? fs.readdirSync(path.join(r2, bad), { recursive: true }).filter((n) => fs.statSync(path.join(r2, bad, String(n))).isFile()) : [], []);
  // The good one is there and restorable.
  const l = await runCli(['list', '--repo', r2, '--json']);
  t.deepEqual((JSON.parse(l.stdout) as { backups: { id: string }[] }).backups.map((b) => b.id), [good]);
  await checkCopy(t, r2, good, src.dump);
});

test('forgotten backups are not copied; naming one is exit 12; bad flags are usage errors', async (t) => {
  const src = await makeSource(t, 'copy-forgotten', 3);
  const f = await runCli(['forget', '--repo', src.repo, '--keep-last', '1']);
  t.is(f.code, 0, f.stderr);
  const r2 = path.join(src.root, 'r2');
  const c = await runCli(['copy', '--from', src.repo, '--to', r2, '--all', '--json']);
  t.is(c.code, 0, c.stderr);
  // The first is pinned, the last kept by --keep-last 1: the middle one is forgotten.
  t.deepEqual((JSON.parse(c.stdout) as CopyJson).backups.map((b) => b.id), [src.ids[0], src.ids[2]]);
  t.false(fs.existsSync(path.join(r2, src.ids[1]!)));
  const named = await runCli(['copy', '--from', src.repo, '--to', r2, src.ids[1]!]);
  t.is(named.code, 12);
  t.is(named.stderr, `mgbackup: error: backup "${src.ids[1]}" in "${src.repo}" is forgotten; it is not copied\nhint: \`mgbackup list\` shows the backups that exist\n`);

  const usage = async (args: string[], stderr: string) => {
    const r = await runCli(['copy', ...args]);
    t.is(r.code, 2, r.stderr);
    t.is(r.stderr, stderr);
  };
  await usage(['--from', src.repo, '--all'], 'mgbackup: error: no target repository given\nhint: pass --to DIR|s3://BUCKET/PREFIX\n');
  await usage(['--from', src.repo, '--to', r2], 'mgbackup: error: no backups named\nhint: name backups (id, short id, latest) or give --all for every backup and the whole WAL archive\n');
  await usage(['--from', src.repo, '--to', src.repo, '--all'], `mgbackup: error: --from and --to name the same repository "${src.repo}"\nhint: copy into another repository\n`);
  const none = await runCli(['copy', '--from', path.join(src.root, 'nowhere'), '--to', r2, '--all']);
  t.is(none.code, 12);
  t.is(none.stderr, `mgbackup: error: no backup repository at "${path.join(src.root, 'nowhere')}"\nhint: check --from (or --repo, MGBACKUP_REPO)\n`);
});

test('create --copy-to: the backup is taken into --repo and copied into the other repository', async (t) => {
  const root = tempRoot(t, 'copy-create');
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const server = await startServer(t, data);
  await runQueries(server.uri, ['CREATE (:__mg_vertex__:`P` {__mg_id__: 1, `n`: 1});']);
  const [r1, r2] = [path.join(root, 'r1'), path.join(root, 'r2')];
  const c = await runCli(['create', '--uri', server.uri, '--repo', r1, '--data-dir', data, '--copy-to', r2, '--json']);
  t.is(c.code, 0, c.stderr);
  const out = JSON.parse(c.stdout) as { id: string; files: unknown[]; copy: { to: string; copied: number; skipped: number; bytes: number } };
  t.like(out.copy, { to: r2, copied: out.files.length, skipped: 0 });
  const dump = await dumpDatabase(server.uri);
  await server.kill();
  await checkCopy(t, r2, out.id, dump);
  // A target that cannot be written: the backup stays in --repo, and the error says how to ship it.
  const blocked = path.join(root, 'blocked');
  fs.writeFileSync(blocked, 'a file, not a folder');
  const again = await startServer(t, data);
  const f = await runCli(['create', '--uri', again.uri, '--repo', r1, '--data-dir', data, '--copy-to', blocked]);
  await again.kill();
  t.is(f.code, 16, f.stderr);
  t.true(f.stderr.startsWith(`mgbackup: error: cannot write "${blocked}/locks/`), f.stderr);
  const ids = fs.readdirSync(r1).filter((n) => /^\d{8}T/.test(n)).sort();
  t.is(ids.length, 2);
  t.true(f.stderr.endsWith(`hint: backup ${ids[1]} is in "${r1}"; \`mgbackup copy --from ${r1} --to ${blocked} ${ids[1]}\` ships it once the problem is fixed\n`), f.stderr);
});
