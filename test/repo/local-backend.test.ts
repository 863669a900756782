import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../../src/repo/local-backend.js';
import { backendContract } from './backend.contract.js';

const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-repo-'));

backendContract(test, 'local', async () => {
  const root = fresh();
  return { backend: new LocalBackend(root), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

test('local: objects are private files (0600 in 0700 folders) and puts leave no temp files', async (t) => {
  const root = fresh();
  try {
    const b = new LocalBackend(root);
    await b.put('archive/u/wal/1', Buffer.from('data'));
    t.true(await b.putIfAbsent('locks/x.json', Buffer.from('{}')));
    for (const f of ['archive/u/wal/1', 'locks/x.json']) {
      t.is(fs.statSync(path.join(root, f)).mode & 0o777, 0o600, f);
    }
    for (const d of ['archive', 'archive/u', 'archive/u/wal', 'locks']) {
      t.is(fs.statSync(path.join(root, d)).mode & 0o777, 0o700, d);
    }
    t.deepEqual(fs.readdirSync(path.join(root, '.tmp')), []);
    t.is(b.localPath('locks/x.json'), path.join(root, 'locks', 'x.json'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
