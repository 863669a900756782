// Benchmark (not a test): streaming through the encrypting RepoBackend decorator (src/repo/encrypted-backend.ts)
// against the raw LocalBackend it wraps, on the same bytes in the same run: a put of a file streamed from
// disk, a whole get, and ranged gets of 1 MiB at random offsets (which seek by 64 KiB chunk). Rounds
// alternate the two sides so a change in the machine's load hits both; the best round of each is compared.
// The decrypted bytes are checked against the input once.
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/encrypted-backend.js [--size MiB=256] [--rounds 3]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { EncryptedBackend } from '../../src/repo/encrypted-backend.js';
import { LocalBackend } from '../../src/repo/local-backend.js';
import type { RepoBackend } from '../../src/repo/repo-backend.js';
import { numArg as arg } from './bench-args.js';

const sizeMiB = arg('size', 256);
const rounds = arg('rounds', 3);
const RANGES = 64;

async function drain(s: NodeJS.ReadableStream, hash?: crypto.Hash): Promise<number> {
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    hash?.update(c as Buffer);
  }
  return n;
}

async function round(b: RepoBackend, input: string, offsets: number[]): Promise<{ put: number; get: number; ranged: number; sha: string }> {
  let t0 = performance.now();
  await b.put('bench/obj', fs.createReadStream(input, { highWaterMark: 256 * 1024 }));
  const put = performance.now() - t0;
  t0 = performance.now();
  const h = crypto.createHash('sha256');
  await drain(await b.get('bench/obj'), h);
  const get = performance.now() - t0;
  t0 = performance.now();
  for (const o of offsets) await drain(await b.get('bench/obj', { start: o, end: o + (1 << 20) }));
  const ranged = performance.now() - t0;
  await b.delete('bench/obj');
  return { put, get, ranged, sha: h.digest('hex') };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mgb-bench-enc-'));
try {
  const input = path.join(dir, 'input.bin');
  const size = sizeMiB << 20;
  const fd = fs.openSync(input, 'w');
  for (let w = 0; w < size; w += 1 << 20) fs.writeSync(fd, crypto.randomBytes(1 << 20));
  fs.closeSync(fd);
  const want = crypto.createHash('sha256').update(fs.readFileSync(input)).digest('hex');
  const identity = await generateX25519Identity();
  const raw = new LocalBackend(path.join(dir, 'raw'));
  const enc = new EncryptedBackend(new LocalBackend(path.join(dir, 'enc')), {
    recipients: [await identityToRecipient(identity)], recipientCount: 1, identities: [identity],
  });
  const offsets = Array.from({ length: RANGES }, () => Math.floor(Math.random() * (size - (1 << 20))));
  const best = { raw: { put: Infinity, get: Infinity, ranged: Infinity }, enc: { put: Infinity, get: Infinity, ranged: Infinity } };
  for (let r = 0; r < rounds; r++) {
    for (const [name, b] of [['raw', raw], ['enc', enc]] as const) {
      const res = await round(b, input, offsets);
      if (res.sha !== want) throw new Error(`${name}: the bytes read back differ from the input`);
      for (const k of ['put', 'get', 'ranged'] as const) best[name][k] = Math.min(best[name][k], res[k]);
    }
  }
  const mibs = (ms: number, mib: number) => (mib / (ms / 1000)).toFixed(0);
  console.log(`${sizeMiB} MiB, best of ${rounds} rounds; ranged: ${RANGES} gets of 1 MiB`);
  for (const k of ['put', 'get', 'ranged'] as const) {
    const mib = k === 'ranged' ? RANGES : sizeMiB;
    console.log(`${k.padEnd(6)} raw ${mibs(best.raw[k], mib).padStart(5)} MiB/s  encrypted ${mibs(best.enc[k], mib).padStart(5)} MiB/s  ratio ${(best.raw[k] / best.enc[k]).toFixed(2)}x`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
