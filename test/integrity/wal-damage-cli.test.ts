// Issue 9 item 8 through the built CLI: a WAL damaged in the middle is exit 14 naming the file and the
// offset in inspect, convert and verify --deep (it used to print "checksum: verified" and drop 26 of 73
// transactions with exit 0); a cut-off unfinished file still gives its complete transactions, and the
// same cut under a finalized name is damage.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { NO_FIXTURES_REASON, fixturesRoot } from '../helpers/fixtures.js';
import { decodeWal } from '../../src/format/index.js';
import { StandIn } from '../standin/standin.js';
import { connectNeo4j } from '../../src/bolt/neo4j-graph-client.js';
import { tempDir } from '../load/standin-helper.js';
import { prng } from '../format/prng.js';

const root = fixturesRoot();
if (root === undefined) console.log(`skipping the wal damage CLI tests: ${NO_FIXTURES_REASON}`);
const fx = root === undefined ? test.skip : test;
const v36 = () => fs.readFileSync(path.join(root!, 'v36/test_all/wal.bin'));

const DAMAGE_HINT = 'hint: the file was damaged after Memgraph wrote it (only a cut-off end of an unfinished file is expected); use another copy or backup of it\n';

fx('byte 9388 of v36 test_all flipped: inspect and convert --wal-only exit 14 naming file and offset, no output file', async (t) => {
  const dir = tempDir(t);
  const bytes = v36();
  bytes[9388] ^= 1;
  const wal = path.join(dir, 'wal.bin');
  fs.writeFileSync(wal, bytes);
  const want = `mgbackup: error: "wal.bin": property count 65548 exceeds the remaining file size at offset 9386\n${DAMAGE_HINT}`;

  const i = await runCli(['inspect', 'wal.bin'], { cwd: dir });
  t.is(i.code, 14);
  t.is(i.stdout, '');
  t.is(i.stderr, want);

  const c = await runCli(['convert', '--wal-only', 'wal.bin'], { cwd: dir });
  t.is(c.code, 14);
  t.is(c.stdout, '');
  t.true(c.stderr.endsWith(want), c.stderr);

  const o = await runCli(['convert', '--wal-only', 'wal.bin', '-o', 'out.cypherl'], { cwd: dir });
  t.is(o.code, 14);
  t.deepEqual(fs.readdirSync(dir), ['wal.bin']);
});

fx('a cut-off unfinished wal gives its complete transactions; the same cut under a finalized name is exit 14', async (t) => {
  const dir = tempDir(t);
  const bytes = v36();
  const full = decodeWal(bytes);
  const last = full.transactions.at(-1)!;
  const cut = bytes.subarray(0, last.offset + 7);
  const current = '20260101120000000000_current';
  const finalized = '20260101120000000000_from_1_to_90';
  fs.writeFileSync(path.join(dir, current), cut);
  fs.writeFileSync(path.join(dir, finalized), cut);

  const i = await runCli(['inspect', current, '--json'], { cwd: dir });
  t.is(i.code, 0, i.stderr);
  const report = JSON.parse(i.stdout);
  t.is(report.counts.transactions, full.transactions.length - 1);
  t.is(report.tornTailAt, last.offset);

  // The same as a file that ends exactly after the complete transactions.
  fs.writeFileSync(path.join(dir, 'whole-prefix'), bytes.subarray(0, last.offset));
  const c = await runCli(['convert', '--wal-only', current], { cwd: dir });
  t.is(c.code, 0, c.stderr);
  const p = await runCli(['convert', '--wal-only', 'whole-prefix'], { cwd: dir });
  t.is(p.code, 0, p.stderr);
  t.is(c.stdout, p.stdout);
  t.true(c.stdout.length > 1000);

  const f = await runCli(['inspect', finalized], { cwd: dir });
  t.is(f.code, 14);
  t.is(f.stderr, `mgbackup: error: "${finalized}": unexpected end of file reading delta timestamp at offset ${last.offset + 2}\n${DAMAGE_HINT}`);
});

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('verify --deep: a wal that hashes right but is damaged in the middle is exit 14 naming it and the offset', async (t) => {
  const rootDir = tempDir(t);
  const data = path.join(rootDir, 'data');
  fs.mkdirSync(data);
  const s = await StandIn.start({ dataDir: data });
  t.teardown(() => s.stop());
  const client = await connectNeo4j({ uri: s.uri });
  for (let i = 0; i < 6; i++) await client.run(`CREATE (:P {n: ${i}, name: "vertex number ${i}"});`);
  await client.close();
  const repo = path.join(rootDir, 'repo');
  // Stored as they are: the test edits a WAL file in place and gives the manifest its new sha256.
  const c = await runCli(['create', '--uri', s.uri, '--repo', repo, '--data-dir', data, '--server-data-dir', data, '--json', '--repo-compression', 'none']);
  t.is(c.code, 0, c.stderr);
  const id = JSON.parse(c.stdout).id as string;
  const manifestPath = path.join(repo, id, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  // The WAL with the most transactions; flip a byte inside its second transaction of several.
  const wals = manifest.files.filter((f: { kind: string }) => f.kind === 'wal') as { path: string; sha256: string }[];
  const decoded = wals.map((w) => ({ w, txs: decodeWal(fs.readFileSync(path.join(repo, id, w.path)), { lenientEnums: true }).transactions }));
  const target = decoded.sort((a, b) => b.txs.length - a.txs.length)[0];
  if (target === undefined || target.txs.length < 3) return t.fail(`the stand-in wrote no wal with 3 transactions: ${JSON.stringify(decoded.map((d) => d.txs.length))}`);
  const abs = path.join(repo, id, target.w.path);
  const bytes = fs.readFileSync(abs);
  const tx = target.txs[1]!;
  const at = tx.offset + 12;
  bytes[at] ^= 0x40;
  fs.chmodSync(abs, 0o600);
  fs.writeFileSync(abs, bytes);
  target.w.sha256 = sha256(abs);
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

  const plain = await runCli(['verify', '--repo', repo, id]);
  t.is(plain.code, 0, plain.stderr);
  const deep = await runCli(['verify', '--repo', repo, id, '--deep']);
  t.is(deep.code, 14);
  // The byte after TRANSACTION_START's bool marker: the commit flag (0xff), now 0xbf.
  t.is(deep.stderr, `mgbackup: error: backup ${id} does not decode: "${target.w.path}": invalid transaction commit flag byte 0xbf at offset ${at}\n`
    + DAMAGE_HINT + 'hint: do not restore from this backup; take a new one or use an older backup that verifies\n');
});

fx('seeded flips through convert --wal-only: exit 14 naming the file and an offset, or the unchanged output (no CRC before v36)', async (t) => {
  const dir = tempDir(t);
  const rnd = prng(0x5eed);
  for (const [name, version] of [['v36/test_edges/wal.bin', 36], ['v20/test_all/wal.bin', 20]] as const) {
    const orig = fs.readFileSync(path.join(root!, name));
    fs.writeFileSync(path.join(dir, 'orig.bin'), orig);
    const want = await runCli(['convert', '--wal-only', 'orig.bin'], { cwd: dir });
    t.is(want.code, 0, want.stderr);
    const { deltasOffset } = decodeWal(orig, { lenientEnums: true }).info;
    for (let i = 0; i < 8; i++) {
      const at = deltasOffset + Math.floor(rnd() * (orig.length - deltasOffset));
      const bytes = Buffer.from(orig);
      bytes[at] = bytes[at]! ^ (1 + Math.floor(rnd() * 255));
      fs.writeFileSync(path.join(dir, 'flipped.bin'), bytes);
      const r = await runCli(['convert', '--wal-only', 'flipped.bin'], { cwd: dir });
      if (r.code === 0) {
        t.true(version < 36, `v${version} flip at ${at} decoded`);
        // Without a CRC a changed value can pass, but never fewer statements (no dropped transactions).
        t.is(r.stdout.split('\n').length, want.stdout.split('\n').length, `flip at ${at}`);
        continue;
      }
      t.is(r.code, 14, `flip at ${at}: ${r.stderr}`);
      t.regex(r.stderr, /^mgbackup: error: "flipped\.bin": .* at offset \d+\nhint: /, `flip at ${at}`);
      t.is(r.stdout, '');
    }
  }
});
