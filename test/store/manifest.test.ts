// Manifest formats: format 1 is read as it is; format 2 (written now) adds archived/observed/pinned, each
// validated; a format 1 manifest carrying format 2 fields, or a newer format, is refused.
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { MANIFEST_FORMAT_VERSION, manifestVersionFor, parseManifest, serializeManifest, type Manifest } from '../../src/store/manifest.js';

const SHA = 'a'.repeat(64);

function manifest(over: Partial<Manifest> & Record<string, unknown> = {}): Manifest {
  return {
    format: 'mgbackup-backup', formatVersion: 2, id: '20260101T120000Z-0000abcd', createdAt: '2026-01-01T12:00:00.000Z', mgbackupVersion: '0.2.0',
    memgraph: { version: '3.13.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid: 'u' },
    counts: { vertices: 1, edges: 0 }, snapshotOnly: false, source: 'x',
    files: [{ path: 'snapshots/s', kind: 'snapshot', size: 1, sha256: SHA, durabilityVersion: 36, uuid: 'u', durableTs: '7', pinnedBy: 'hardlink' }],
    timings: { totalMs: 1, snapshotMs: 1, lockWindowMs: 1, copyMs: 1 }, labels: {}, tags: [], warnings: [],
    ...over,
  } as Manifest;
}

const parse = (m: unknown) => parseManifest(JSON.stringify(m), 'm.json');

test('format 2 fields round-trip', (t) => {
  const m = manifest({
    archived: [{ key: `archive/u/${'0'.repeat(19)}5-${'0'.repeat(20)}.wal`, sha256: SHA, size: 10 }],
    observed: { ts: '7', at: '2026-01-01T12:00:01.000Z' }, pinned: true,
  });
  t.deepEqual(parseManifest(serializeManifest(m), 'm.json'), m);
});

test('format 1 is read as it is; pinned by `mgbackup pin` it stays readable', (t) => {
  const m = manifest({ formatVersion: 1 });
  t.deepEqual(parse(m), m);
  const pinned = manifest({ formatVersion: 1, pinned: true });
  t.deepEqual(parse(pinned), pinned);
  const e = t.throws(() => parse({ ...manifest({ formatVersion: 1 }), pinned: 'yes' }), { instanceOf: MgBackupError });
  t.is(e.message, 'manifest "m.json" is invalid: pinned is not true or false');
});

test('bad format 2 fields are refused naming the field; a newer format is 15', (t) => {
  const bad = (over: Record<string, unknown>) => t.throws(() => parse(manifest(over)), { instanceOf: MgBackupError });
  t.is(bad({ archived: [{ key: 'wal/x', sha256: SHA, size: 1 }] }).message, 'manifest "m.json" is invalid: bad archived key "wal/x"');
  t.is(bad({ archived: [{ key: `archive/u/${'0'.repeat(20)}-${'0'.repeat(20)}.wal`, sha256: 'x', size: 1 }] }).kind, 'integrity');
  t.is(bad({ observed: { ts: '-1', at: 'now' } }).message, 'manifest "m.json" is invalid: bad observed entry');
  t.is(bad({ pinned: 'yes' }).message, 'manifest "m.json" is invalid: pinned is not true or false');
  const newer = bad({ formatVersion: 4 });
  t.is(newer.kind, 'unsupportedVersion');
  t.is(newer.message, 'manifest "m.json" has format version "4", this mgbackup reads 1, 2, 3');
});

test('format 3: files and archived references with a stored form round-trip; the version follows the content', (t) => {
  t.is(MANIFEST_FORMAT_VERSION, 3);
  const stored = { compression: 'zstd' as const, size: 4, sha256: SHA };
  const m = manifest({ formatVersion: 3, archived: [{ key: `archive/u/${'0'.repeat(19)}5-${'0'.repeat(20)}.wal`, sha256: SHA, size: 10, stored }] });
  m.files = m.files.map((f) => ({ ...f, stored }));
  t.deepEqual(parseManifest(serializeManifest(m), 'm.json'), m);
  t.is(manifestVersionFor(m), 3);
  t.is(manifestVersionFor(manifest({})), 2);
  const bad = (over: Record<string, unknown>) => t.throws(() => parse({ ...m, files: m.files.map((f) => ({ ...f, stored: { ...stored, ...over } })) }), { instanceOf: MgBackupError });
  t.is(bad({ compression: 'lz4' }).message, `manifest "m.json" is invalid: stored compression "lz4" is not zstd or gzip for "${m.files[0]!.path}"`);
  t.is(bad({ sha256: 'x' }).message, `manifest "m.json" is invalid: bad stored sha256 for "${m.files[0]!.path}"`);
});
