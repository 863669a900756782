import test from 'ava';
import { splitStatements, type SplitStatement } from '../../src/cypher/statement-splitter.js';
import { UsageError } from '../../src/errors/errors.js';

async function split(chunks: Iterable<string>): Promise<SplitStatement[]> {
  const out: SplitStatement[] = [];
  for await (const s of splitStatements(chunks)) out.push(s);
  return out;
}

const TRICKY = [
  '// header comment; not a statement',
  '/* block; comment',
  '   still comment */ CREATE (:`a;b``c` {`x`: "semi;colon \\" still; string", `y`: \'it\\\'s; fine\'});',
  'MATCH (n)',
  '  // a comment inside; with semicolon',
  '  WHERE n.x = "a//b" /* inline; */',
  '  RETURN n;;',
  '',
  'CREATE (:`multi',
  'line;name`);',
  'RETURN 1/2;',
  'RETURN "no terminator"',
].join('\n');

const EXPECTED: SplitStatement[] = [
  { line: 3, text: 'CREATE (:`a;b``c` {`x`: "semi;colon \\" still; string", `y`: \'it\\\'s; fine\'});' },
  { line: 4, text: 'MATCH (n)\n  // a comment inside; with semicolon\n  WHERE n.x = "a//b" /* inline; */\n  RETURN n;' },
  { line: 9, text: 'CREATE (:`multi\nline;name`);' },
  { line: 11, text: 'RETURN 1/2;' },
  { line: 12, text: 'RETURN "no terminator"' },
];

test('splits on top-level semicolons only, with start lines', async (t) => {
  t.deepEqual(await split([TRICKY]), EXPECTED);
});

test('any chunking gives the same statements (every split point, and one char at a time)', async (t) => {
  for (let cut = 0; cut <= TRICKY.length; cut++) {
    t.deepEqual(await split([TRICKY.slice(0, cut), TRICKY.slice(cut)]), EXPECTED, `cut at ${cut}`);
  }
  t.deepEqual(await split([...TRICKY]), EXPECTED);
});

test('async chunk sources work and DUMP rows split one per line', async (t) => {
  async function* gen(): AsyncGenerator<string> {
    yield 'CREATE (:__mg_vertex__ {__mg_id__: 0, `s`: "a;b"});\nCREATE INDEX ON :__mg_vertex__(__mg_id__);\n';
    yield 'MATCH (u) REMOVE u:__mg_vertex__, u.__mg_id__;\n';
  }
  const got: SplitStatement[] = [];
  for await (const s of splitStatements(gen())) got.push(s);
  t.deepEqual(got.map((s) => s.line), [1, 2, 3]);
  t.is(got[0]?.text, 'CREATE (:__mg_vertex__ {__mg_id__: 0, `s`: "a;b"});');
});

test('a trailing slash and an empty input', async (t) => {
  t.deepEqual(await split(['RETURN 4', '/']), [{ line: 1, text: 'RETURN 4/' }]);
  t.deepEqual(await split(['', '  \n ; ;']), []);
  t.deepEqual(await split(['/* only a comment']), []);
});

test('an unterminated string is a usage error naming its line', async (t) => {
  const err = await t.throwsAsync(split(['RETURN 1;\nRETURN "open;\n']), { instanceOf: UsageError });
  t.regex(err?.message ?? '', /unterminated string starting on line 2/);
});
