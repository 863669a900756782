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
  t.is(((await readRepoFormat(fresh)) as { marker: { formatVersion: number } }).marker.formatVersion, 2);

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
  await b.put(MARKER_KEY, Buffer.from(JSON.stringify({ format: 'mgbackup-repo', formatVersion: 4, mgbackupVersion: '9.0.0' })));
  const e1 = await t.throwsAsync(readRepoFormat(b), { instanceOf: MgBackupError });
  t.is(e1!.kind, 'unsupportedVersion');
  t.is(e1!.message, 'repository "/r/x" has format version 4, this mgbackup reads up to 3');
  await b.put(MARKER_KEY, Buffer.from('{"format":'));
  const e2 = await t.throwsAsync(ensureRepoFormat(b, opts([])), { instanceOf: MgBackupError });
  t.is(e2!.kind, 'integrity');
  t.is(e2!.message, 'repository marker "/r/x/mgbackup-repo.json" is not valid JSON');
});

test('format 3: a writer of compressed objects raises a format 2 marker with one line; encrypted markers always go to 3, keeping their fields', async (t) => {
  const said: string[] = [];
  const b = new MemoryBackend('/r/two');
  await ensureRepoFormat(b, opts(said));
  await b.put('20261201T000000Z-abcd0123/manifest.json', Buffer.from('{}'));
  t.is((await ensureRepoFormat(b, opts(said))).formatVersion, 2);
  t.is((await ensureRepoFormat(b, { ...opts(said), need: 3 })).formatVersion, 3);
  t.is((await ensureRepoFormat(b, { ...opts(said), need: 3 })).formatVersion, 3);
  // A writer that stores plain objects never lowers it.
  t.is((await ensureRepoFormat(b, opts(said))).formatVersion, 3);
  t.deepEqual(said, ['repository "/r/two" upgraded to format 3 (existing backups stay as they are)']);
  const marker = JSON.parse(Buffer.from(await b.getBytes(MARKER_KEY)).toString('utf8')) as { formatVersion: number; createdAt: string };
  t.is(marker.formatVersion, 3);
  t.is(marker.createdAt, '2026-12-03T06:00:00.000Z');

  const enc = new MemoryBackend('/r/enc');
  const encryption = { scheme: 'age', recipients: ['ab'] };
  await enc.put(MARKER_KEY, Buffer.from(JSON.stringify({ format: 'mgbackup-repo', formatVersion: 2, createdAt: 'x', mgbackupVersion: '0.1.0', encryption })));
  const quiet: string[] = [];
  t.is((await ensureRepoFormat(enc, opts(quiet))).formatVersion, 3);
  t.deepEqual(JSON.parse(Buffer.from(await enc.getBytes(MARKER_KEY)).toString('utf8')).encryption, encryption);
  t.deepEqual(quiet, []); // nothing stored yet: raised silently

  // What a reader sees of a marker 3: read as it is, never written.
  const r = new MemoryBackend('/r/three');
  await r.put(MARKER_KEY, Buffer.from(JSON.stringify({ format: 'mgbackup-repo', formatVersion: 3, mgbackupVersion: '0.3.0' })));
  const found = await readRepoFormat(r);
  t.is(found.version === 1 ? 0 : found.marker.formatVersion, 3);
});
