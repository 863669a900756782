// --s3-part-size and --s3-concurrency as the operator types them: every command that takes --s3-endpoint
// takes them too, from the command line, MGBACKUP_S3_PART_SIZE / MGBACKUP_S3_CONCURRENCY and the config
// file (flag > env > file), and a value S3 would refuse is a usage error (exit 2) quoting it, with the
// accepted range, before anything is contacted. The transfers themselves: part-size-cli.test.ts.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { parseS3Concurrency, parseS3PartSize } from '../../src/repo/repo-url.js';

const MiB = 1024 * 1024;
const PART_HINT = 'hint: give 5MiB..5GiB, as bytes or with a unit: 8MiB, 16M, 67108864 (K, M, G are powers of 1024)\n';
const partError = (v: string) => `mgbackup: error: --s3-part-size "${v}" is not a part size S3 accepts\n${PART_HINT}`;
const concError = (v: string) => `mgbackup: error: --s3-concurrency "${v}" is not a number of parts in flight\nhint: give a whole number 1..64\n`;

// No server is reached: a bucket that does not exist anywhere, and a bad value refused first.
const R = ['--repo', 's3://mgb-nowhere/p'];
const COMMANDS: [string, string[]][] = [
  ['create', ['create', ...R, '--data-dir', os.tmpdir()]],
  ['create --copy-to', ['create', '--repo', os.tmpdir(), '--copy-to', 's3://mgb-nowhere/p', '--data-dir', os.tmpdir()]],
  ['watch', ['watch', ...R, '--data-dir', os.tmpdir()]],
  ['list', ['list', ...R]],
  ['verify', ['verify', 'latest', ...R]],
  ['restore', ['restore', 'latest', ...R, '--data-dir', path.join(os.tmpdir(), 'mgb-never-made')]],
  ['forget', ['forget', ...R, '--keep-last', '1']],
  ['pin', ['pin', 'latest', ...R]],
  ['unpin', ['unpin', 'latest', ...R]],
  ['unlock --repo', ['unlock', ...R]],
  ['convert --repo', ['convert', ...R, '--to-time', '2026-01-01T00:00:00Z', '-o', path.join(os.tmpdir(), 'mgb-never-made.cypher')]],
  ['copy', ['copy', '--from', 's3://mgb-nowhere/a', '--to', 's3://mgb-nowhere/b', '--all']],
];

for (const [name, args] of COMMANDS) {
  test(`${name} takes --s3-part-size and --s3-concurrency: bad values exit 2 quoting them`, async (t) => {
    const p = await runCli([...args, '--s3-part-size', '4MiB']);
    t.is(p.code, 2, p.stderr);
    t.is(p.stderr, partError('4MiB'));
    const c = await runCli([...args, '--s3-concurrency', '65']);
    t.is(c.code, 2, c.stderr);
    t.is(c.stderr, concError('65'));
  });
}

test('values S3 refuses or that are no sizes: each quoted, with the accepted range', async (t) => {
  for (const v of ['4MiB', '5242879', '6GiB', '8 parsecs', 'abc', '', '-8MiB', '1.5GiB', '8TiB']) {
    const r = await runCli(['list', ...R, `--s3-part-size=${v}`]);
    t.is(r.code, 2, `${v}: ${r.stderr}`);
    t.is(r.stderr, partError(v), v);
  }
  for (const v of ['0', '65', '2.5', 'four', '-1', '']) {
    const r = await runCli(['list', ...R, `--s3-concurrency=${v}`]);
    t.is(r.code, 2, `${v}: ${r.stderr}`);
    t.is(r.stderr, concError(v), v);
  }
});

test('sizes in bytes and binary units; the edges of S3\'s limits are accepted', (t) => {
  t.is(parseS3PartSize('8MiB'), 8 * MiB);
  t.is(parseS3PartSize('16M'), 16 * MiB);
  t.is(parseS3PartSize('16mb'), 16 * MiB);
  t.is(parseS3PartSize('67108864'), 64 * MiB);
  t.is(parseS3PartSize('5242880'), 5 * MiB);
  t.is(parseS3PartSize('5120K'), 5 * MiB);
  t.is(parseS3PartSize('5GiB'), 5 * 1024 * MiB);
  t.is(parseS3PartSize('1G'), 1024 * MiB);
  t.is(parseS3Concurrency('1'), 1);
  t.is(parseS3Concurrency('64'), 64);
});

test('MGBACKUP_S3_PART_SIZE and MGBACKUP_S3_CONCURRENCY and the config file are read, the flag wins over both', async (t) => {
  const env = await runCli(['list', ...R], { env: { MGBACKUP_S3_PART_SIZE: '3M' } });
  t.is(env.code, 2, env.stderr);
  t.is(env.stderr, partError('3M'));
  const envC = await runCli(['verify', 'latest', ...R], { env: { MGBACKUP_S3_CONCURRENCY: '100' } });
  t.is(envC.code, 2, envC.stderr);
  t.is(envC.stderr, concError('100'));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-s3-flags-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ 's3-part-size': '1MiB', list: { 's3-concurrency': 0 } }));
  const file = await runCli(['list', ...R, '--config', config]);
  t.is(file.code, 2, file.stderr);
  t.is(file.stderr, partError('1MiB'));
  // The environment beats the file; the flag beats both (and then the file's bad concurrency shows).
  const envWins = await runCli(['list', ...R, '--config', config], { env: { MGBACKUP_S3_PART_SIZE: '2MiB' } });
  t.is(envWins.stderr, partError('2MiB'));
  const flagWins = await runCli(['list', ...R, '--config', config, '--s3-part-size', '8MiB'], { env: { MGBACKUP_S3_PART_SIZE: '2MiB' } });
  t.is(flagWins.code, 2, flagWins.stderr);
  t.is(flagWins.stderr, concError('0'));
});
