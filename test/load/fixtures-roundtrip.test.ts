// Issue 5 item 3: every expected_*.cypher Memgraph wrote, loaded into an empty stand-in with
// `mgbackup load` (fast path), dumped with `mgbackup dump`, equals the original in canonical form.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { fixtureSets, NO_FIXTURES_REASON } from '../helpers/fixtures.js';
import { cli, standIn } from './standin-helper.js';

const files = fixtureSets().flatMap((set) =>
  ['expected_snapshot.cypher', 'expected_wal.cypher']
    .map((f) => path.join(set.dir, f))
    .filter((f) => fs.existsSync(f))
    .map((file) => ({ name: `${set.name}/${path.basename(file)}`, file })));

if (files.length === 0) {
  console.log(`# skipping fixture round trips: ${NO_FIXTURES_REASON}`);
  test.skip('round trip of every expected dump (fixtures absent)', () => {});
}

for (const { name, file } of files) {
  test.serial(`round trip: ${name}`, async (t) => {
    // v37 dumps may hold what only 3.13 parses and durability v37 stores (global indices): imitate that release.
    const s = await standIn(t, name.startsWith('v37') ? { version: '3.13.0' } : undefined);
    const loaded = await cli(['load', file, '--uri', s.uri]);
    t.is(loaded.code, 0, loaded.io.stderrText());
    const dumped = await cli(['dump', '--uri', s.uri]);
    t.is(dumped.code, 0, dumped.io.stderrText());
    t.deepEqual(canonicalDump(dumped.io.stdoutText().split('\n')), canonicalDump(fs.readFileSync(file, 'utf8').split('\n')));
  });
}
