import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { MARKER_KEY, ensureRepoFormat, readRepoFormat } from '../../src/repo/repository.js';

const opts = (said: string[]) => ({ now: new Date('2026-12-03T06:00:00Z'), mgbackupVersion: '0.2.0', info: (m: string) => said.push(m) });

test('a new repository gets the marker silently; a format 1 repository with backups is upgraded with one line', async (t) => {
  const fresh = new MemoryBackend('/r/new');
  const said: string[] = [];
  t.deepEqual(await readRepoFormat(fresh), { version: 1, empty: true });
  const m = await ensureRepoFormat(fresh, opts(said));
  t.is(m.formatVersion, 2);
  t.deepEqual(said, []);
  t.is((await readRepoFormat(fresh)).version, 2);

  const old = new MemoryBackend('/r/old');
  await old.put('20261201T000000Z-abcd0123/manifest.json', Buffer.from('{}'));
  t.deepEqual(await readRepoFormat(old), { version: 1, empty: false });
  await ensureRepoFormat(old, opts(said));
  await ensureRepoFormat(old, opts(said));
  t.deepEqual(said, ['repository "/r/old" upgraded to format 2 (existing backups stay as they are)']);
  t.true((await old.stat('20261201T000000Z-abcd0123/manifest.json')) !== undefined);
});

test('a newer format is refused with exit kind unsupportedVersion; a damaged marker is integrity', async (t) => {
  const b = new MemoryBackend('/r/x');
  await b.put(MARKER_KEY, Buffer.from(JSON.stringify({ format: 'mgbackup-repo', formatVersion: 3, mgbackupVersion: '9.0.0' })));
  const e1 = await t.throwsAsync(readRepoFormat(b), { instanceOf: MgBackupError });
  t.is(e1!.kind, 'unsupportedVersion');
  t.is(e1!.message, 'repository "/r/x" has format version 3, this mgbackup reads up to 2');
  await b.put(MARKER_KEY, Buffer.from('{"format":'));
  const e2 = await t.throwsAsync(ensureRepoFormat(b, opts([])), { instanceOf: MgBackupError });
  t.is(e2!.kind, 'integrity');
  t.is(e2!.message, 'repository marker "/r/x/mgbackup-repo.json" is not valid JSON');
});
