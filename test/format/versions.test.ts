// The version table: release mapping and the feature ladder's edges.
import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { featuresOf, releaseInfo, versionWrittenBy } from '../../src/format/versions.js';

test('releases map to the durability versions they write and read', (t) => {
  t.is(versionWrittenBy('3.12.1'), 36);
  t.is(versionWrittenBy('2.0'), 14);
  t.is(versionWrittenBy('9.9'), undefined);
  t.deepEqual(releaseInfo(36), { version: 36, firstWrittenBy: '3.12.0', firstReadableBy: '3.12.0', devOnly: false });
  t.deepEqual(releaseInfo(26), { version: 26, firstWrittenBy: undefined, firstReadableBy: '3.4.0', devOnly: true });
  // v37: written by the 3.13 and 3.14 releases, no longer dev builds only.
  t.deepEqual(releaseInfo(37), { version: 37, firstWrittenBy: '3.13.0', firstReadableBy: '3.13.0', devOnly: false });
});

test('the table has patch granularity: 2.15.0 writes v16, 2.15.1 writes v17', (t) => {
  t.is(versionWrittenBy('2.15.0'), 16);
  t.is(versionWrittenBy('2.15.1'), 17);
  t.is(versionWrittenBy('2.15.2'), 17);
  t.is(versionWrittenBy('2.14.1'), 16);
  t.is(versionWrittenBy('3.13.0'), 37);
  t.is(versionWrittenBy('3.13.1'), 37);
  t.is(versionWrittenBy('3.14.0'), 37);
  t.is(versionWrittenBy('1.6.0'), undefined);
});

test('a release newer than the newest known one is unknown, not guessed', (t) => {
  t.is(versionWrittenBy('3.14.1'), undefined);
  t.is(versionWrittenBy('3.15.0'), undefined);
  t.is(versionWrittenBy('4.0.0'), undefined);
});

test('feature ladder switches on at the documented versions', (t) => {
  t.false(featuresOf(35).crc);
  t.true(featuresOf(36).crc);
  t.false(featuresOf(14).batches);
  t.true(featuresOf(15).batches);
  t.false(featuresOf(24).nestedIndices);
  t.true(featuresOf(25).nestedIndices);
});

test('versions outside 14-37 are unsupportedVersion errors with the range in a hint', (t) => {
  for (const v of [13, 38, 0]) {
    const e = t.throws(() => featuresOf(v), { instanceOf: MgBackupError });
    t.is(e!.kind, 'unsupportedVersion');
    t.regex(e!.hints.join('\n'), /14–37/);
  }
});
