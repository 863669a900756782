// `mgbackup load` and `dump` against the stand-in over real Bolt: round trips, failures with and without
// --continue-on-error, interruption and resume, refusal of a non-empty database, tricky hand-written input.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { canonicalDump } from '../../src/cypher/canonical.js';
import { syntheticDump } from '../dump/fake-client.js';
import { canonicalOf, cli, count, rawDump, standIn, tempDir } from './standin-helper.js';

const dumpLines = syntheticDump(400, 700);
const dumpText = dumpLines.map((l) => l + '\n').join('');

test('dump -> load (fast path) -> dump gives the same graph; stdout of dump is byte-exact DUMP output', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const b = await standIn(t);
  fs.writeFileSync(path.join(dir, 'seed.cypherl'), dumpText);
  t.is((await cli(['load', 'seed.cypherl', '--uri', a.uri, '--no-fast-path'], { cwd: dir })).code, 0);

  const dumped = await cli(['dump', '--uri', a.uri]);
  t.is(dumped.code, 0, dumped.io.stderrText());
  t.is(dumped.io.stderrText(), '');
  t.is(dumped.io.stdoutText(), (await rawDump(a)).map((l) => l + '\n').join(''));

  fs.writeFileSync(path.join(dir, 'db.cypherl'), dumped.io.stdoutText());
  const loaded = await cli(['load', 'db.cypherl', '--uri', b.uri, '--batch-size', '128'], { cwd: dir });
  t.is(loaded.code, 0, loaded.io.stderrText());
  t.is(loaded.io.stdoutText(), '');
  t.deepEqual(await canonicalOf(b), canonicalDump(dumped.io.stdoutText().split('\n')));
  t.is(await count(b, 'vertices'), 400);
  t.is(await count(b, 'edges'), 700);
});

test('load reads gzip from stdin and zstd from a file (sniffed, not by name)', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const viaStdin = await cli(['load', '-', '--uri', a.uri], { stdin: gzipSync(dumpText) });
  t.is(viaStdin.code, 0, viaStdin.io.stderrText());
  t.is(await count(a, 'vertices'), 400);

  const b = await standIn(t);
  const out = await cli(['dump', '--uri', a.uri, '-o', path.join(dir, 'x.cypherl.zst')]);
  t.is(out.code, 0, out.io.stderrText());
  fs.renameSync(path.join(dir, 'x.cypherl.zst'), path.join(dir, 'renamed.txt'));
  const loaded = await cli(['load', 'renamed.txt', '--uri', b.uri], { cwd: dir });
  t.is(loaded.code, 0, loaded.io.stderrText());
  t.deepEqual(await canonicalOf(b), await canonicalOf(a));
});

test('a second load into the same database is refused with a hint', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), dumpText);
  t.is((await cli(['load', 'db.cypherl', '--uri', a.uri], { cwd: dir })).code, 0);
  const again = await cli(['load', 'db.cypherl', '--uri', a.uri], { cwd: dir });
  t.is(again.code, 17);
  t.is(again.io.stderrText(),
    'mgbackup: error: the target database is not empty (400 vertices, 700 edges)\n' +
    'hint: load into an empty database, or pass --allow-non-empty to add to what is there\n' +
    'hint: to continue an interrupted load, pass --resume-from LINE from its error message\n');
  t.is(await count(a, 'vertices'), 400);
});

/** The synthetic dump with one statement the server rejects, replacing the vertex on line `at`. */
function withBadLine(at: number): { text: string; bad: string } {
  const lines = [...dumpLines];
  const bad = 'CREATE (:__mg_vertex__:`Person` {__mg_id__: 99999, `name`: "x"}) BOGUS;';
  lines.splice(at - 1, 0, bad);
  return { text: lines.map((l) => l + '\n').join(''), bad };
}

test('a wrong statement stops the load at its line; --resume-from that line after fixing completes it exactly', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const { text, bad } = withBadLine(250);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), text);
  const r = await cli(['load', 'db.cypherl', '--uri', a.uri, '--batch-size', '64'], { cwd: dir });
  t.is(r.code, 18);
  const err = r.io.stderrText();
  t.true(err.startsWith(`mgbackup: error: line 250: server rejected ${JSON.stringify(bad)}: Error on line 1`), err);
  t.regex(err, /hint: fix the statement, then continue with --resume-from 250 \(everything before line 250 is committed\)/);
  t.is(await count(a, 'vertices'), 249, 'exactly the statements before the bad line are committed');

  // Fix the line in place and resume from it.
  fs.writeFileSync(path.join(dir, 'db.cypherl'), text.replace(bad, 'CREATE (:__mg_vertex__:`Person` {__mg_id__: 99999, `name`: "x"});'));
  const resumed = await cli(['load', 'db.cypherl', '--uri', a.uri, '--resume-from', '250'], { cwd: dir });
  t.is(resumed.code, 0, resumed.io.stderrText());
  t.is(await count(a, 'vertices'), 401);
  t.is(await count(a, 'edges'), 700);
});

test('--continue-on-error records the wrong statement with its line and exits partial', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const { text, bad } = withBadLine(250);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), text);
  const r = await cli(['load', 'db.cypherl', '--uri', a.uri, '--continue-on-error', '--batch-size', '64'], { cwd: dir });
  t.is(r.code, 3);
  t.regex(r.io.stderrText(), /1 statement failed; they are recorded in .*db\.cypherl\.failures\.cypherl/);
  const failures = fs.readFileSync(path.join(dir, 'db.cypherl.failures.cypherl'), 'utf8').split('\n');
  t.regex(failures[0]!, /^\/\/ line 250: .+/);
  t.is(failures[1], bad);
  t.is(await count(a, 'vertices'), 400);
  t.is(await count(a, 'edges'), 700);
  t.deepEqual(await canonicalOf(a), canonicalDump(dumpLines));
});

test('a load cut by a dropped connection resumes from the printed line with no duplicates and no gaps', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), dumpText);
  // Connection setup, the emptiness check and a few batches get through; then the server vanishes.
  a.faults.dropConnectionAfterMessages(40);
  const r = await cli(['load', 'db.cypherl', '--uri', a.uri, '--batch-size', '20'], { cwd: dir });
  t.is(r.code, 10, r.io.stderrText());
  const m = /continue with --resume-from (\d+) \(if that batch is absent\)/.exec(r.io.stderrText());
  t.truthy(m, r.io.stderrText());
  const from = Number(m![1]);
  const before = await count(a, 'vertices');
  t.true(before > 0 && before < 400, `partly loaded: ${before}`);
  // The batch that was cut was not committed (the connection dropped before COMMIT was answered).
  t.is(before, from - 1);
  const resumed = await cli(['load', 'db.cypherl', '--uri', a.uri, '--resume-from', String(from)], { cwd: dir });
  t.is(resumed.code, 0, resumed.io.stderrText());
  t.deepEqual(await canonicalOf(a), canonicalDump(dumpLines));
});

test('SIGINT stops the load between batches with the resume line; resuming completes it exactly', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const big = syntheticDump(3000, 3000);
  fs.writeFileSync(path.join(dir, 'db.cypherl'), big.map((l) => l + '\n').join(''));
  const { fakeIo } = await import('../dump/fake-client.js');
  const { main } = await import('../../src/cli/main.js');
  const io = fakeIo({ cwd: dir });
  // SIGINT arrives as the server receives the 4th data statement (an event, not a moment on the clock):
  // batches run one after another, so the first three are committed by then.
  let dataRuns = 0;
  const failureFor = a.faults.failureFor.bind(a.faults);
  a.faults.failureFor = (query) => {
    if (query.includes('__mg_vertex__') && ++dataRuns === 4) io.raise('SIGINT');
    return failureFor(query);
  };
  t.is(await main(['load', 'db.cypherl', '--uri', a.uri, '--batch-size', '100'], io), 130);
  const m = /continue with --resume-from (\d+)/.exec(io.stderrText());
  t.truthy(m, io.stderrText());
  const from = Number(m![1]);
  const loadedBefore = (await count(a, 'vertices')) + (await count(a, 'edges'));
  t.true(from > 300 && from < big.length, `stopped after the third batch and before the end (resume from ${from})`);
  // Every statement before the resume line is in: vertices are lines 1..3000, the helper index 3001.
  t.is(loadedBefore, from <= 3000 ? from - 1 : from - 2);
  const resumed = await cli(['load', 'db.cypherl', '--uri', a.uri, '--resume-from', String(from)], { cwd: dir });
  t.is(resumed.code, 0, resumed.io.stderrText());
  t.deepEqual(await canonicalOf(a), canonicalDump(big));
});

test('hand-written input: semicolons in strings, escaped quotes, backticked names, comments, multi-line statements', async (t) => {
  const dir = tempDir(t);
  const a = await standIn(t);
  const script = [
    '// a comment line; with a semicolon',
    'CREATE (:__mg_vertex__:`We;ird``Label` {__mg_id__: 0, `na;me`: "semi; colon", `q`: "say \\"hi\\"; \'ok\'"});',
    '/* block comment; spanning',
    '   two lines */ CREATE (:__mg_vertex__:`Plain` {__mg_id__: 1,',
    '   `multi`: "line',
    'two"});',
    'CREATE INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u:__mg_vertex__), (v:__mg_vertex__) WHERE u.__mg_id__ = 0 AND v.__mg_id__ = 1 CREATE (u)-[:`T;` {`s`: "-[;]->"}]->(v);',
    'DROP INDEX ON :__mg_vertex__(__mg_id__);',
    'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;',
  ].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'hand.cypherl'), script);
  const r = await cli(['load', 'hand.cypherl', '--uri', a.uri], { cwd: dir });
  t.is(r.code, 0, r.io.stderrText());
  const dump = await rawDump(a);
  t.true(dump.includes('CREATE (:__mg_vertex__:`We;ird``Label` {__mg_id__: 0, `na;me`: "semi; colon", `q`: "say \\"hi\\"; \\\'ok\\\'"});'), dump.join('\n'));
  t.true(dump.includes('CREATE (:__mg_vertex__:`Plain` {__mg_id__: 1, `multi`: "line\\ntwo"});'), dump.join('\n'));
  t.true(dump.some((l) => l.endsWith('CREATE (u)-[:`T;` {`s`: "-[;]->"}]->(v);')), dump.join('\n'));
});
