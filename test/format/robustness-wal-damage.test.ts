// Issue 9 item 8: only a torn tail is a tail. A seeded sweep of byte flips over every fixture WAL: each
// flip is an integrity error naming the file and offset, or decodes to every transaction (formats
// without CRCs cannot see a changed value), and only a flip inside the cut-off last transaction of an
// unfinished file may give the complete prefix. Zero silent drops.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { CorruptFileError, MgBackupError } from '../../src/errors/errors.js';
import { decodeWal, featuresOf, type WalContents } from '../../src/format/index.js';
import { NO_FIXTURES_REASON, fixtureSets } from '../helpers/fixtures.js';
import { prng } from './prng.js';

const sets = fixtureSets();
if (sets.length === 0) test.skip(`wal damage sweep: ${NO_FIXTURES_REASON}`, () => {});

const UNKNOWN_NAME = 'wal.bin';
const CURRENT_NAME = '20260101120000000000_current';
const FINALIZED_NAME = '20260101120000000000_from_2_to_90';

type Outcome = { error: MgBackupError } | { wal: WalContents };

function decode(bytes: Uint8Array, name: string): Outcome {
  try {
    return { wal: decodeWal(bytes, { lenientEnums: true, name }) };
  } catch (e) {
    if (e instanceof MgBackupError) return { error: e };
    throw e;
  }
}

/** The error a user sees for damage: integrity, naming the file and an offset. */
function namesFileAndOffset(e: MgBackupError, name: string): boolean {
  return e instanceof CorruptFileError && e.kind === 'integrity' && e.file === name
    && e.message.startsWith(`"${name}": `) && e.message.endsWith(` at offset ${e.offset}`);
}

for (const set of sets) {
  const bytes = readFileSync(path.join(set.dir, 'wal.bin'));
  const full = decodeWal(bytes, { lenientEnums: true });
  const version = full.info.version;
  const crc = featuresOf(version).crc;
  const last = full.transactions.at(-1)!;
  // The flipped end marker of the very last transaction: without CRCs, indistinguishable from a cut
  // right after a delta marker (the one documented exception; Memgraph reads it the same way).
  const lastEndMarker = last.end - 1;

  test(`byte flips in ${set.name}/wal.bin (v${version}): an error naming file and offset, or every transaction`, (t) => {
    const rnd = prng(0x9388 + version * 7 + set.name.length);
    let errors = 0;
    for (let i = 0; i < 60; i++) {
      const at = Math.floor(rnd() * bytes.length);
      const flipped = Buffer.from(bytes);
      flipped[at] = flipped[at]! ^ (1 + Math.floor(rnd() * 255));
      for (const name of [UNKNOWN_NAME, FINALIZED_NAME]) {
        const got = decode(flipped, name);
        if ('error' in got) {
          errors++;
          // Bytes 4..11 are the version: another supported version is an integrity error, others 15.
          if (got.error.kind === 'unsupportedVersion') t.true(at >= 4 && at < 12, `flip at ${at}: ${got.error.message}`);
          else t.true(namesFileAndOffset(got.error, name), `flip at ${at} (${name}): ${got.error.message}`);
          continue;
        }
        t.false(crc, `flip at ${at} (${name}) decoded although every byte is under a CRC in v${version}`);
        const n = got.wal.transactions.length;
        if (n !== full.transactions.length) {
          t.true(name === UNKNOWN_NAME && !crc && at === lastEndMarker && n === full.transactions.length - 1,
            `flip at ${at} (${name}) silently dropped ${full.transactions.length - n} of ${full.transactions.length} transactions`);
        }
      }
    }
    t.true(errors > 0);
  });

  test(`a cut-off ${set.name}/wal.bin (v${version}) with a flip: the complete prefix only for a flip in the torn tail`, (t) => {
    if (full.info.summary !== undefined && full.info.summary.numDeltas > 0n) {
      // A finalized file has no torn tail: any cut is an error (robustness.test.ts covers cuts).
      const e = decode(bytes.subarray(0, last.offset + 5), UNKNOWN_NAME);
      t.true('error' in e && namesFileAndOffset(e.error, UNKNOWN_NAME));
      return;
    }
    const rnd = prng(0x7041 + version);
    for (let i = 0; i < 40; i++) {
      const cut = last.offset + 1 + Math.floor(rnd() * (last.end - last.offset - 1));
      const torn = Buffer.from(bytes.subarray(0, cut));
      const at = full.info.deltasOffset + Math.floor(rnd() * (cut - full.info.deltasOffset));
      torn[at] = torn[at]! ^ (1 + Math.floor(rnd() * 255));
      const got = decode(torn, CURRENT_NAME);
      if ('error' in got) {
        t.true(namesFileAndOffset(got.error, CURRENT_NAME), `cut ${cut}, flip at ${at}: ${got.error.message}`);
        continue;
      }
      // No CRC before v36: a changed value inside a complete transaction decodes, but none is dropped.
      t.is(got.wal.transactions.length, full.transactions.length - 1, `cut ${cut}, flip at ${at}: a silent drop`);
      t.true(at >= last.offset || !crc, `cut ${cut}, flip at ${at} before the torn tail decoded`);
      t.is(got.wal.tail?.offset, last.offset);
    }
  });
}

test('a cut-off unfinished wal whose end a crash left zero-filled is a torn tail, the same zeros mid-file are damage', (t) => {
  const set = sets.find((s) => s.name === 'v36/test_all');
  if (set === undefined) return t.fail(NO_FIXTURES_REASON);
  const bytes = readFileSync(path.join(set.dir, 'wal.bin'));
  const full = decodeWal(bytes);
  const last = full.transactions.at(-1)!;
  const zeroTail = Buffer.concat([bytes.subarray(0, last.offset + 30), Buffer.alloc(4096)]);
  const got = decode(zeroTail, CURRENT_NAME);
  t.true('wal' in got && got.wal.transactions.length === full.transactions.length - 1 && got.wal.tail?.offset === last.offset);
  const zeroMiddle = Buffer.from(bytes);
  zeroMiddle.fill(0, full.transactions[10]!.offset + 12, full.transactions[10]!.offset + 40);
  const bad = decode(zeroMiddle, CURRENT_NAME);
  t.true('error' in bad && namesFileAndOffset(bad.error, CURRENT_NAME));
  const finalized = decode(zeroTail, FINALIZED_NAME);
  t.true('error' in finalized && namesFileAndOffset(finalized.error, FINALIZED_NAME));
});

test('the issue\'s case: v36 test_all with byte 9388 flipped is an error at the damaged transaction, not 26 lost transactions', (t) => {
  const set = sets.find((s) => s.name === 'v36/test_all');
  if (set === undefined) return t.fail(NO_FIXTURES_REASON);
  const bytes = Buffer.from(readFileSync(path.join(set.dir, 'wal.bin')));
  bytes[9388] ^= 1;
  const got = decode(bytes, UNKNOWN_NAME);
  t.true('error' in got);
  const e = (got as { error: MgBackupError }).error;
  t.is(e.message, '"wal.bin": property count 65548 exceeds the remaining file size at offset 9386');
});
