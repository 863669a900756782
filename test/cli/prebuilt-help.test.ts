// `--help` answered from texts rendered at build time (src/cli/prebuilt-help.ts, scripts/gen-help.ts):
// the texts must be exactly what yargs renders, and served only where yargs would render the same.
// help-snapshot.test.ts checks the built CLI's output byte for byte whichever path answers.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHelpTexts } from '../../src/cli/help-render.js';
import { PREBUILT_WIDTHS, helpWidth, looksLikePlainHelp, prebuiltHelp, yargsLocaleIsEnglish, type HelpTexts } from '../../src/cli/prebuilt-help.js';
import { compileCacheDir } from '../../src/cli/compile-cache.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/memgraph-image.js';
import { skipIf } from '../helpers/skip.js';

const SNAPSHOTS = path.join(REPO_ROOT, 'test/cli/help-snapshots');
const BUILT = path.join(REPO_ROOT, 'dist/src/cli/help-texts.js');

test('the texts rendered for a stdout that is not a terminal are the help snapshots', async (t) => {
  const texts = await renderHelpTexts();
  t.deepEqual(PREBUILT_WIDTHS, [100, 110]);
  const byCommand = texts['100']!;
  for (const [command, text] of Object.entries(byCommand)) {
    t.is(text, readFileSync(path.join(SNAPSHOTS, `${command || 'top'}.txt`), 'utf8'), command || '(top)');
  }
  t.deepEqual(Object.keys(texts['110']!), Object.keys(byCommand));
  // 110 columns lays the same words out wider: the longest line is longer, none is over 110.
  const longest = (s: string) => Math.max(...s.split('\n').map((l) => l.length));
  t.true(longest(texts['110']!['create']!) > longest(byCommand['create']!));
  t.true(longest(texts['110']!['create']!) <= 110);
});

test('gen-help writes the rendered texts as a module', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mgbackup-gen-help-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'help-texts.js');
  // A locale yargs has a translation for: the build renders English all the same.
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist/scripts/gen-help.js'), '--out', out], { env: { ...process.env, LC_ALL: 'de_DE.UTF-8' }, stdio: 'pipe' });
  const { HELP_TEXTS } = (await import(`${path.join(dir, 'help-texts.js')}?${Date.now()}`)) as { HELP_TEXTS: HelpTexts };
  t.deepEqual(HELP_TEXTS, await renderHelpTexts());
});

test('only the plain help forms are looked up', (t) => {
  const texts: HelpTexts = { 100: { '': 'top\n', load: 'load\n' }, 110: { '': 'top wide\n' } };
  const en = { LANG: 'C.UTF-8' };
  t.is(prebuiltHelp(['--help'], en, undefined, texts), 'top\n');
  t.is(prebuiltHelp(['-h'], en, undefined, texts), 'top\n');
  t.is(prebuiltHelp(['load', '--help'], en, undefined, texts), 'load\n');
  t.is(prebuiltHelp(['load', '-h'], en, 100, texts), 'load\n');
  t.is(prebuiltHelp(['--help'], en, 200, texts), 'top wide\n');
  t.is(prebuiltHelp(['load', '--help'], en, 200, texts), undefined, 'no text at that width');
  t.is(prebuiltHelp(['--help'], en, 80, texts), undefined, 'a narrow terminal');
  t.is(prebuiltHelp(['loadd', '--help'], en, undefined, texts), undefined, 'an unknown command is an error');
  t.is(prebuiltHelp(['', '--help'], en, undefined, texts), undefined);
  t.is(prebuiltHelp(['toString', '--help'], en, undefined, texts), undefined);
  t.is(prebuiltHelp(['--json', '--help'], en, undefined, texts), undefined);
  t.is(prebuiltHelp(['load', 'x', '--help'], en, undefined, texts), undefined);
  t.is(prebuiltHelp(['--help', 'load'], en, undefined, texts), undefined);
  t.is(prebuiltHelp(['--help'], { LC_ALL: 'de_DE.UTF-8', LANG: 'C' }, undefined, texts), undefined, 'yargs would answer in German');
  t.is(prebuiltHelp(['--help'], en, undefined, undefined), undefined, 'a build without gen-help');
  t.false(looksLikePlainHelp([]));
  t.false(looksLikePlainHelp(['--version']));
  t.is(helpWidth(undefined), 100);
  t.is(helpWidth(90), 90);
  t.is(helpWidth(300), 110);
});

test('the locale rule follows yargs: the first non-empty of LC_ALL, LC_MESSAGES, LANG, LANGUAGE', (t) => {
  t.true(yargsLocaleIsEnglish({}));
  for (const l of ['C', 'C.UTF-8', 'POSIX', 'en', 'en_US.UTF-8', 'en_GB', 'en-AU']) t.true(yargsLocaleIsEnglish({ LANG: l }), l);
  for (const l of ['de_DE.UTF-8', 'pirate', 'fr', 'pt_BR', '.UTF-8', 'english']) t.false(yargsLocaleIsEnglish({ LANG: l }), l);
  t.false(yargsLocaleIsEnglish({ LC_ALL: '', LC_MESSAGES: 'fr_FR', LANG: 'C' }));
  t.true(yargsLocaleIsEnglish({ LC_ALL: 'C', LANG: 'fr_FR' }));
  t.false(yargsLocaleIsEnglish({ LANGUAGE: 'ja' }));
});

test('a German locale still gets yargs\' German help, not the prebuilt English text', async (t) => {
  const r = await runCli(['inspect', '--help'], { env: { LC_ALL: 'de_DE.UTF-8' } });
  t.is(r.code, 0);
  t.regex(r.stdout, /\[erforderlich\]/);
});

/**
 * The modules behind the loaded files: a chunk of the bundle (dist/src/bundle, scripts/bundle.ts) stands
 * for the sources its source map names, any other file for itself.
 */
function originals(urls: readonly string[]): string[] {
  return urls.flatMap((u) => {
    const file = fileURLToPath(u);
    if (!file.includes(`${path.sep}bundle${path.sep}`) || !existsSync(`${file}.map`)) return [file];
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    return map.sources.map((s) => path.resolve(path.dirname(file), s));
  });
}

const built = readFileSync(BUILT, 'utf8');
const filled = /JSON\.parse/.test(built);
skipIf(test, filled ? undefined : 'dist/src/cli/help-texts.js is the empty module tsc writes; `npm run build` runs scripts/gen-help.js')(
  'the built CLI answers --help from the prebuilt texts, which are current, without loading yargs or a command', async (t) => {
    const { HELP_TEXTS } = (await import(`${BUILT}?${Date.now()}`)) as { HELP_TEXTS: HelpTexts };
    t.deepEqual(HELP_TEXTS, await renderHelpTexts());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mgbackup-help-modules-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // A preload that records every module file loaded after it.
    const hook = path.join(dir, 'hook.mjs');
    const log = path.join(dir, 'modules.txt');
    writeFileSync(hook, `import { registerHooks } from 'node:module'; import { writeFileSync } from 'node:fs';
const seen = []; registerHooks({ load(url, ctx, next) { seen.push(url); return next(url, ctx); } });
process.on('exit', () => writeFileSync(${JSON.stringify(log)}, seen.join('\\n')));\n`);
    for (const command of ['', 'create']) {
      const out = execFileSync(process.execPath, ['--import', hook, BIN, ...(command ? [command] : []), '--help'], { env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '' } }).toString();
      t.is(out, readFileSync(path.join(SNAPSHOTS, `${command || 'top'}.txt`), 'utf8'));
      const loaded = originals(readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')));
      t.deepEqual(loaded.filter((f) => /node_modules|\/commands\/|\/parser\.[jt]s$/.test(f)), [], command || '(top)');
      t.true(loaded.some((f) => /\/help-texts\.[jt]s$/.test(f)));
    }
  },
);

test('the compile cache lives in a folder of this user only', (t) => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mgbackup-cache-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const dir = compileCacheDir({ HOME: home });
  t.is(dir, path.join(home, '.cache', 'mgbackup', 'compile-cache'));
  t.is(statSync(dir!).mode & 0o777, 0o700);
  t.is(compileCacheDir({ XDG_CACHE_HOME: path.join(home, 'xdg'), HOME: home }), path.join(home, 'xdg', 'mgbackup', 'compile-cache'));
  t.is(compileCacheDir({}), undefined, 'no home: no cache');
  t.is(compileCacheDir({ HOME: 'relative' }), undefined);
  // A folder others may write to is not used.
  const open = path.join(home, 'open');
  execFileSync('mkdir', ['-p', '-m', '0777', path.join(open, 'mgbackup', 'compile-cache')]);
  execFileSync('chmod', ['0777', path.join(open, 'mgbackup', 'compile-cache')]);
  t.is(compileCacheDir({ XDG_CACHE_HOME: open }), undefined);
});
