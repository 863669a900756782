import test from 'ava';
import { MgBackupError } from '../../src/errors/errors.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { openRepo, parseRepoLocation } from '../../src/repo/repo-url.js';
import { S3Backend } from '../../src/repo/s3-backend.js';

test('s3://bucket/prefix splits into bucket and prefix; trailing slashes do not matter', (t) => {
  t.deepEqual(parseRepoLocation('s3://backups/memgraph/prod'), { kind: 's3', bucket: 'backups', prefix: 'memgraph/prod', location: 's3://backups/memgraph/prod' });
  t.deepEqual(parseRepoLocation('s3://backups/memgraph/'), { kind: 's3', bucket: 'backups', prefix: 'memgraph', location: 's3://backups/memgraph' });
  t.deepEqual(parseRepoLocation('s3://backups'), { kind: 's3', bucket: 'backups', prefix: '', location: 's3://backups' });
  t.deepEqual(parseRepoLocation('S3://my.bucket-1/'), { kind: 's3', bucket: 'my.bucket-1', prefix: '', location: 's3://my.bucket-1' });
});

test('anything without a scheme is a local folder', (t) => {
  t.deepEqual(parseRepoLocation('/var/backups/mg'), { kind: 'local', path: '/var/backups/mg', location: '/var/backups/mg' });
  t.deepEqual(parseRepoLocation('relative/dir'), { kind: 'local', path: 'relative/dir', location: 'relative/dir' });
});

test('bad repository locations are usage errors that quote the value and say the form', (t) => {
  const cases: [string, string][] = [
    ['', 'the repository location is empty'],
    ['s3://', 'the repository location "s3://" names no bucket'],
    ['s3:///prefix', 'the repository location "s3:///prefix" names no bucket'],
    ['s3://Backups/x', 'invalid S3 bucket name "Backups" in "s3://Backups/x"'],
    ['s3://ab', 'invalid S3 bucket name "ab" in "s3://ab"'],
    ['s3://a..b', 'invalid S3 bucket name "a..b" in "s3://a..b"'],
    ['s3://bucket/a//b', 'invalid key prefix "a//b" in "s3://bucket/a//b"'],
    ['s3://bucket/a/../b', 'invalid key prefix "a/../b" in "s3://bucket/a/../b"'],
    ['s3://bucket/x?versionId=1', 'invalid key prefix "x?versionId=1" in "s3://bucket/x?versionId=1"'],
    ['gs://bucket/x', 'unsupported repository location "gs://bucket/x": only local folders and s3:// are supported'],
  ];
  for (const [spec, message] of cases) {
    const err = t.throws(() => parseRepoLocation(spec), { instanceOf: MgBackupError }, spec);
    t.is(err!.kind, 'usage', spec);
    t.is(err!.message, message);
    t.true(err!.hints.length > 0, spec);
  }
});

test('openRepo builds the backend the location names, contacting nothing yet', async (t) => {
  const local = await openRepo('/tmp/somewhere');
  t.true(local instanceof LocalBackend);
  const s3 = await openRepo('s3://backups/mg', { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', env: {} });
  t.true(s3 instanceof S3Backend);
  t.is(s3.location, 's3://backups/mg');
  t.is((s3 as S3Backend).objectKey('base/1/manifest.json'), 'mg/base/1/manifest.json');
  (s3 as S3Backend).destroy();
});
