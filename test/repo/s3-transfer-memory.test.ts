// Memory of an S3 transfer is bounded by --s3-part-size x --s3-concurrency, not by the object's size:
// a child process (s3-transfer-child.ts, the CLI's settings plumbing) uploads and then downloads a
// 320 MiB object against the real server at two settings, and its peak RSS above its own baseline
// stays under a bound tied to the setting (uploads: (concurrency + 1) parts, the one being filled
// included; downloads: concurrency ranges), and grows with the setting. The constant allows for the
// garbage of the response chunks that the collector frees late (measured: 40-70 MiB at any size).
// Memory, not time: nothing here depends on how fast the machine is.
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliEnv, freshBucket } from '../helpers/s3-server.js';

const CHILD = new URL('./s3-transfer-child.js', import.meta.url).pathname;
const MiB = 1024 * 1024;
const OBJECT_MIB = 320;
const SLACK = 128 * MiB;

interface Peak { baseKiB: number; peakKiB: number }

test('peak RSS of an upload and a download grows with part size x concurrency, and stays far below the object\'s size', async (t) => {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-s3-mem-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ...cliEnv(b.server) };
  const run = async (opts: Record<string, unknown>): Promise<number> => {
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD, JSON.stringify({ repo: `s3://${b.bucket}/repo`, ...opts })], { env, timeout: 600_000 });
    const p = JSON.parse(stdout) as Peak;
    return (p.peakKiB - p.baseKiB) * 1024;
  };
  const settings = [
    { partSize: '5MiB', concurrency: '1', bytes: 5 * MiB, n: 1 },
    { partSize: '32MiB', concurrency: '4', bytes: 32 * MiB, n: 4 },
  ];
  const grew: { up: number; down: number }[] = [];
  for (const s of settings) {
    const key = `big-${s.partSize}`;
    const up = await run({ mode: 'put', key, partSize: s.partSize, concurrency: s.concurrency, mib: OBJECT_MIB });
    const dest = path.join(dir, key);
    const down = await run({ mode: 'get', key, partSize: s.partSize, concurrency: s.concurrency, dest });
    t.is(fs.statSync(dest).size, OBJECT_MIB * MiB);
    fs.rmSync(dest);
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    t.log(`${s.partSize} x ${s.concurrency}: upload +${mib(up)}, download +${mib(down)}`);
    t.true(up <= (s.n + 1) * s.bytes + SLACK, `upload at ${s.partSize} x ${s.concurrency} grew by ${mib(up)}`);
    t.true(down <= s.n * s.bytes + SLACK, `download at ${s.partSize} x ${s.concurrency} grew by ${mib(down)}`);
    grew.push({ up, down });
  }
  const [small, large] = grew as [{ up: number; down: number }, { up: number; down: number }];
  // Memory does not follow the object's size: the small setting holds less than half of it.
  t.true(small.up < OBJECT_MIB * MiB / 2 && small.down < OBJECT_MIB * MiB / 2);
  // It follows the setting: the larger one holds at least half of the extra parts it allows.
  t.true(large.up - small.up >= (5 * 32 - 2 * 5) * MiB / 2, `upload: ${small.up} -> ${large.up} bytes`);
  t.true(large.down - small.down >= (4 * 32 - 5) * MiB / 2, `download: ${small.down} -> ${large.down} bytes`);
});
