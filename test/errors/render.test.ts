import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MgBackupError, CorruptFileError } from '../../src/errors/errors.js';
import { renderErrorJson, renderErrorText, toMgBackupError } from '../../src/errors/render.js';
import { EXIT_CODES } from '../../src/errors/codes.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

test('text rendering: one error line, then one hint line each', (t) => {
  const err = new MgBackupError('notFound', 'backup "x" not found', { hints: ['run "mgbackup list"', 'check --repo'] });
  t.is(renderErrorText(err), 'mgbackup: error: backup "x" not found\nhint: run "mgbackup list"\nhint: check --repo\n');
  t.is(err.exitCode, 12);
});

test('json rendering: one object on one line with the code name and number', (t) => {
  const err = new MgBackupError('busy', 'data directory is locked', { hints: ['wait'], details: { by: 'someone' } });
  const text = renderErrorJson(err);
  t.is(text.split('\n').length, 2);
  t.deepEqual(JSON.parse(text), { type: 'error', code: 13, kind: 'busy', message: 'data directory is locked', hints: ['wait'], details: { by: 'someone' } });
});

test('unexpected errors become internal errors with a report hint, not a stack trace', (t) => {
  const err = toMgBackupError(new TypeError('x is undefined'));
  t.is(err.kind, 'internal');
  t.is(err.exitCode, 1);
  const text = renderErrorText(err);
  t.false(text.includes('    at '));
  t.regex(text, /^mgbackup: error: unexpected error: x is undefined\nhint: this is a bug/);
});

test('corrupt-file errors name the offset and use the integrity code', (t) => {
  const err = new CorruptFileError('string length 99 exceeds the file', 1234);
  t.is(err.message, 'string length 99 exceeds the file at offset 1234');
  t.is(err.exitCode, 14);
});

test('exit codes are unique and the README table lists every one of them', (t) => {
  const codes = Object.values(EXIT_CODES).map((r) => r.code);
  t.is(new Set(codes).size, codes.length);
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  for (const [name, row] of Object.entries(EXIT_CODES)) {
    t.regex(readme, new RegExp(`^\\| ${row.code} \\| \`${name}\` \\|`, 'm'), `README lacks the row for ${name}`);
  }
});

test('an error without its own hint gets the default remedy of its kind; usage errors stay one line', (t) => {
  t.is(renderErrorText(new MgBackupError('io', 'cannot write "/x": read-only filesystem')),
    'mgbackup: error: cannot write "/x": read-only filesystem\nhint: check permissions, free space and the filesystem of the path named above\n');
  t.is(renderErrorText(new MgBackupError('usage', 'unknown argument "--x"')), 'mgbackup: error: unknown argument "--x"\n');
  t.deepEqual(JSON.parse(renderErrorJson(new MgBackupError('busy', 'locked'))).hints, ['wait until the other holder is done, then run the command again']);
});
