// --compress-level: dump (-o and stdout) and create --archive take a level; a bad one is a usage error
// that quotes what was typed, and a level for output that is not compressed is refused.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { main } from '../../src/cli/main.js';
import { writeArchive } from '../../src/store/archive.js';
import type { Manifest } from '../../src/store/manifest.js';
import { FakeClient, fakeIo, syntheticDump } from '../dump/fake-client.js';
import { runCli } from '../helpers/run-cli.js';

const lines = syntheticDump(3000, 200);
const expected = lines.map((l) => l + '\n').join('');

function scratch(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-level-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('dump -o x.zst --compress-level 19 is smaller than level 1, and both hold the same dump', async (t) => {
  const dir = scratch(t);
  const sizes: Record<string, number> = {};
  for (const level of ['1', '19']) {
    const io = fakeIo({ cwd: dir });
    const code = await main(['dump', '-o', `l${level}.cypherl.zst`, '--compress-level', level], io, { connect: async () => new FakeClient({ dumpLines: lines }) });
    t.is(code, 0, io.stderrText());
    const bytes = fs.readFileSync(path.join(dir, `l${level}.cypherl.zst`));
    t.is(zstdDecompressSync(bytes).toString('utf8'), expected);
    sizes[level] = bytes.length;
  }
  t.true(sizes['19']! < sizes['1']!, JSON.stringify(sizes));
});

test('dump --compress gzip --compress-level 9 to stdout is gzip at that level', async (t) => {
  const run = async (level: string) => {
    const io = fakeIo();
    t.is(await main(['dump', '--compress', 'gzip', '--compress-level', level], io, { connect: async () => new FakeClient({ dumpLines: lines }) }), 0, io.stderrText());
    return io.stdoutBytes();
  };
  const [l1, l9] = [await run('1'), await run('9')];
  t.true(l9.length < l1.length);
  t.is(l9[0], 0x1f);
});

test('create --archive: writeArchive honours the level (zstd 19 smaller than 1), both unpack to the same files', async (t) => {
  const dir = scratch(t);
  const backup = path.join(dir, '20260101T000000Z-abc');
  fs.mkdirSync(path.join(backup, 'snapshots'), { recursive: true });
  // Varied records (numbers that do not repeat): level 19's search wins clearly on them (18% here), while
  // on the very repetitive dump lines level 1 does as well.
  const content = Array.from({ length: 20000 }, (_, i) => JSON.stringify({ id: i, name: `node${(i * 7919) % 1000}`, v: Math.sin(i) })).join('\n');
  fs.writeFileSync(path.join(backup, 'snapshots', 's'), content);
  const manifest = {
    id: path.basename(backup), formatVersion: 2, createdAt: '2026-01-01T00:00:00.000Z',
    files: [{ path: 'snapshots/s', kind: 'snapshot', size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex'), durabilityVersion: 37, uuid: 'u', pinnedBy: 'copy' }],
  } as unknown as Manifest;
  await writeArchive(backup, manifest, path.join(dir, 'l1.tar.zst'), 'zstd', undefined, 1);
  await writeArchive(backup, manifest, path.join(dir, 'l19.tar.zst'), 'zstd', undefined, 19);
  const [a, b] = ['l1', 'l19'].map((n) => fs.readFileSync(path.join(dir, `${n}.tar.zst`)));
  t.true(b!.length < a!.length, `${b!.length} vs ${a!.length}`);
  t.true(zstdDecompressSync(a!).equals(zstdDecompressSync(b!)));
});

test('bad levels and levels without compression are usage errors (exit 2) that quote the value', async (t) => {
  const cases: [string[], string][] = [
    [['dump', '-o', 'x.zst', '--compress-level', 'abc'],
      'mgbackup: error: compression level "abc" is not valid for zstd\nhint: zstd takes a whole number from 1 to 19 (default 3)\n'],
    [['dump', '-o', 'x.gz', '--compress-level', '10'],
      'mgbackup: error: compression level "10" is not valid for gzip\nhint: gzip takes a whole number from 1 to 9 (default 6)\n'],
    [['dump', '--compress-level', '5'],
      'mgbackup: error: --compress-level "5" needs compressed output: stdout is not compressed\nhint: name the output .zst or .gz, or give --compress zstd|gzip, or drop --compress-level\n'],
    [['create', '--repo', '/nonexistent', '--data-dir', '/nonexistent', '--archive', 'a.tar.gz', '--compress-level', '0'],
      'mgbackup: error: compression level "0" is not valid for gzip\nhint: gzip takes a whole number from 1 to 9 (default 1)\n'],
    [['create', '--repo', '/nonexistent', '--data-dir', '/nonexistent', '--compress-level', '3'],
      'mgbackup: error: --compress-level "3" needs compressed output: it applies to --archive, and none was given\nhint: write the archive as .tar.zst or .tar.gz, or drop --compress-level\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await runCli(args, { cwd: os.tmpdir() });
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr, stderr, args.join(' '));
    t.is(r.stdout, '');
  }
});
