import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { bufferReadAt, readDurabilityHeader } from '../../src/datadir/durability-header.js';
import { CorruptFileError } from '../../src/errors/errors.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { snapshotBytes, walBytes } from '../create/durability-bytes.js';

// The version on disk differs from the folder name for a few files (fixtures README table).
const ON_DISK: Record<string, number> = {
  'v17/test_edges/wal.bin': 16, 'v17/test_vertices/wal.bin': 16,
  'v18/test_edges/snapshot.bin': 17, 'v18/test_vertices/snapshot.bin': 17,
  'v18/test_edges/wal.bin': 16, 'v18/test_vertices/wal.bin': 16,
};

const sets = fixtureSets();
if (sets.length === 0) {
  console.log(`skipping real-file header tests: ${NO_FIXTURES_REASON}`);
  test.skip('headers of real Memgraph files', () => {});
} else {
  test('headers of every real Memgraph snapshot and WAL (v14-v37): kind, version, UUID, WAL sequence', async (t) => {
    for (const s of sets) {
      const snap = await readDurabilityHeader(bufferReadAt(fs.readFileSync(path.join(s.dir, 'snapshot.bin'))), 'snapshot.bin');
      const wal = await readDurabilityHeader(bufferReadAt(fs.readFileSync(path.join(s.dir, 'wal.bin'))), 'wal.bin');
      const expect = (f: string) => ON_DISK[`${s.name}/${f}`] ?? (s.version === 25 ? 26 : s.version);
      t.is(snap.kind, 'snapshot', s.name);
      t.is(snap.version, expect('snapshot.bin'), s.name);
      t.is(wal.kind, 'wal', s.name);
      t.is(wal.version, expect('wal.bin'), s.name);
      t.regex(snap.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, s.name);
      // The pair comes from separate recordings, so their UUIDs need not match; both must be UUIDs.
      t.regex(wal.uuid, /^[0-9a-f-]{36}$/, s.name);
      t.is(wal.seqNum, 0n, s.name);
    }
  });
}

test('synthetic v36 headers round-trip; not-Memgraph and in-progress files are integrity errors', async (t) => {
  const snap = await readDurabilityHeader(bufferReadAt(snapshotBytes({ uuid: 'u'.repeat(36), durableTs: 42n, vertices: 7n })), 's');
  t.is(snap.durableTs, 42n);
  t.is(snap.vertexCount, 7n);
  const wal = await readDurabilityHeader(bufferReadAt(walBytes({ uuid: 'w'.repeat(36), seq: 5n })), 'w');
  t.is(wal.seqNum, 5n);
  const notOurs = await t.throwsAsync(readDurabilityHeader(bufferReadAt(Buffer.from('SIsn\x24\0\0\0\0\0\0\0')), 'x'), { instanceOf: CorruptFileError });
  t.is(notOurs!.message, '"x" is not a Memgraph durability file (magic "SIsn", expected "MGsn" or "MGwl") at offset 0');
  t.is(notOurs!.exitCode, 14);
  // A snapshot still being written has zero placeholders in its offsets table.
  const partial = snapshotBytes({ uuid: 'u'.repeat(36), durableTs: 1n });
  for (let i = 0; i < 13; i++) partial.writeBigUInt64LE(0n, 13 + i * 9 + 1);
  const err = await t.throwsAsync(readDurabilityHeader(bufferReadAt(partial), 'p'), { instanceOf: CorruptFileError });
  t.is(err!.message, '"p" has no metadata section (incomplete or damaged snapshot) at offset 13');
});
