// Issue 9 item 6: io hints name the flag that chose the failing path, and no flag when none did
// (they used to say "choose another --repo" for an archive or a restore target).
import test from 'ava';
import { fsError } from '../../src/datadir/fs-errors.js';
import { fsError as outputError } from '../../src/io/atomic-output.js';
import { hintsOf } from '../../src/errors/render.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

test('ENOSPC, EACCES, EROFS and EIO hints: the given flag, or none', (t) => {
  for (const code of ['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO']) {
    const plain = hintsOf(fsError(errno(code), 'write', '/target/x')).join(' ');
    t.false(/--[a-z]/.test(plain), `${code} without a flag: ${plain}`);
    for (const flag of ['--repo', '--archive', '--failures-file']) {
      const e = fsError(errno(code), 'write', '/target/x', flag);
      t.is(e.exitCode, 16, code);
      const hints = hintsOf(e).join(' ');
      const others = ['--repo', '--archive', '--failures-file', '--data-dir'].filter((f) => f !== flag);
      t.false(others.some((f) => hints.includes(f)), `${code} ${flag}: ${hints}`);
      if (code !== 'EIO') t.true(hints.includes(flag), `${code} ${flag}: ${hints}`);
    }
  }
});

test('output files: the hints name -o/--output by default and the flag given otherwise', (t) => {
  for (const code of ['ENOSPC', 'EACCES', 'EIO', 'EPIPE']) {
    const e = outputError(errno(code), 'write', '/x/out.cypherl');
    t.is(e.exitCode, 16, code);
    t.true(hintsOf(e).join(' ').includes('-o/--output'), code);
    t.false(hintsOf(e).join(' ').includes('--repo'), code);
    t.true(hintsOf(outputError(errno(code), 'write', '/x/f', '--failures-file')).join(' ').includes('--failures-file'), code);
  }
});
