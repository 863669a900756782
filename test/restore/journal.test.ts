// Issue 9 item 12: the restore journal is a deletion and rename target, so every path in it must be
// mgbackup's own folder for that restore inside the data directory. A journal naming anything else
// (the live snapshots/, a path outside) is refused with 17 and nothing is deleted or moved.
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOf } from '../../src/errors/codes.js';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { fingerprint, fixtureDir, tempDir, writeBackup, writeOldDataDir } from './helpers.js';

const skip = fixtureDir() === undefined || fixtureDir('v35/test_all') === undefined;
if (skip) console.log(`restore journal tests skipped: ${NO_FIXTURES_REASON}`);
const ID = '20260101T120000Z-abcdef01';

const hostile: [string, Record<string, unknown>][] = [
  ['a staging folder named snapshots', { phase: 'staging', stagingDir: 'snapshots', asideDir: '.mgbackup-pre-restore-20261120T000000Z' }],
  ['an aside folder outside the data directory', { phase: 'swapping', stagingDir: '.mgbackup-restore-staging-20261120T000000Z', asideDir: '../elsewhere' }],
  ['a restore id with a path in it', { phase: 'staging', restoreId: '../../x', stagingDir: '.mgbackup-restore-staging-../../x', asideDir: '.mgbackup-pre-restore-../../x' }],
];

for (const [what, fields] of hostile) {
  (skip ? test.skip : test)(`a journal with ${what} is refused with 17 and nothing is deleted`, async (t) => {
    const work = await tempDir();
    const target = path.join(work, 'data');
    await writeOldDataDir(target);
    const journal: Record<string, unknown> = {
      format: 'mgbackup-restore-journal', restoreId: '20261120T000000Z', backupId: 'old', storageRoot: '', owner: null, ...fields,
    };
    const journalFile = path.join(target, '.mgbackup-restore.json');
    await fsp.writeFile(journalFile, JSON.stringify(journal));
    const { dir } = await writeBackup(work, { id: ID, withWal: true });
    const before = await fingerprint(work, { dirMtimes: false });
    const r = await runCli(['restore', dir, '--data-dir', target, '--target-version', '3.12.0']);
    t.is(r.code, exitCodeOf('refused'), r.stderr);
    t.is(r.stderr, `mgbackup: error: restore journal "${journalFile}" names paths outside mgbackup's own folders (staging "${String(journal.stagingDir)}", aside "${String(journal.asideDir)}"); nothing was changed\n`
      + `hint: mgbackup only uses .mgbackup-restore-staging-<id> and .mgbackup-pre-restore-<id> next to the journal; check the data directory by hand, then move "${journalFile}" away and run restore again\n`);
    t.is(await fingerprint(work, { dirMtimes: false }), before, 'nothing deleted or moved anywhere');
  });
}
