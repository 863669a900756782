// Benchmark (not a test): RemoteBackupStore.scan (list, resolve, every command that names a backup) on a
// repository whose WAL archive holds many objects, on the real server (Swift's s3api). The delimiter
// listing of the top-level folders (S3Backend.listDirs) against the walk of every key that scan did
// before (still the fallback for backends without listDirs), in the same run: requests sent and time,
// best of the rounds.
//
// Run:  npx tsc -p tsconfig.json && node dist/scripts/bench/s3-scan.js [--archive 5000] [--backups 10] [--rounds 3]
//       (server folder: $MGBACKUP_S3_SERVER_DIR or $TMPDIR/mgbackup-s3-server; creating 5,000 objects
//       takes about a minute here, and as long again to delete them)
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { S3Backend } from '../../src/repo/s3-backend.js';
import { benchBucket } from './s3-bench-server.js';
import { BackupStore } from '../../src/store/backup-store.js';
import { serializeManifest, type Manifest } from '../../src/store/manifest.js';
import { arg } from './bench-args.js';


async function inBatches<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function manifest(id: string): Manifest {
  const sha = crypto.createHash('sha256').update(id).digest('hex');
  return {
    format: 'mgbackup-backup', formatVersion: 2, id, createdAt: '2026-12-03T00:00:00.000Z', mgbackupVersion: '0.2.0',
    memgraph: { version: '3.13.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' }, database: { name: 'memgraph', uuid: null },
    counts: { vertices: 1, edges: 0 }, snapshotOnly: true, source: 'bench',
    files: [{ path: 'snapshots/s', kind: 'snapshot', size: id.length, sha256: sha, durabilityVersion: 36, uuid: 'u', durableTs: '7', pinnedBy: 'copy' }],
    timings: { totalMs: 1, snapshotMs: 1, lockWindowMs: 1, copyMs: 1 }, labels: {}, tags: [], warnings: [],
  } as unknown as Manifest;
}

async function main(): Promise<void> {
  const archive = Number(arg('archive', '5000'));
  const backups = Number(arg('backups', '10'));
  const rounds = Number(arg('rounds', '3'));
  const { env, creds, bucket, admin } = await benchBucket('mgbackup-s3-server');
  const backend = new S3Backend({ bucket, prefix: 'repo', endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, env: {}, credentials: creds });
  let requests = 0;
  backend.client.middlewareStack.add((next) => async (args) => { requests += 1; return next(args); }, { step: 'initialize', name: 'countRequests' });
  try {
    const started = performance.now();
    const ids = Array.from({ length: backups }, (_, i) => `20261203T${String(i).padStart(6, '0')}Z-bench${String(i).padStart(3, '0')}`);
    await inBatches(ids, 8, async (id) => {
      await backend.put(`${id}/snapshots/s`, Buffer.from(id));
      await backend.put(`${id}/manifest.json`, Buffer.from(serializeManifest(manifest(id))));
    });
    const keys = Array.from({ length: archive }, (_, i) => `archive/11111111-1111-4111-8111-111111111111/${String(i).padStart(20, '0')}.wal`);
    await inBatches(keys, 16, (k) => backend.put(k, Buffer.from('w')));
    console.log(`server ${env.AWS_ENDPOINT_URL} (Swift s3api): ${backups} backups and ${archive} archive objects written in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const store = await BackupStore.open(backend, { create: false });
    const walk = new S3Backend({ bucket, prefix: 'repo', endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, env: {}, credentials: creds });
    Object.defineProperty(walk, 'listDirs', { value: undefined });
    let walkRequests = 0;
    walk.client.middlewareStack.add((next) => async (args) => { walkRequests += 1; return next(args); }, { step: 'initialize', name: 'countRequests' });
    const walkStore = await BackupStore.open(walk, { create: false });
    const best = { dirs: Infinity, walk: Infinity, dirsReq: 0, walkReq: 0 };
    for (let r = 0; r < rounds; r++) {
      requests = 0;
      let t0 = performance.now();
      const a = await store.scan();
      best.dirs = Math.min(best.dirs, performance.now() - t0);
      best.dirsReq = requests;
      walkRequests = 0;
      t0 = performance.now();
      const b = await walkStore.scan();
      best.walk = Math.min(best.walk, performance.now() - t0);
      best.walkReq = walkRequests;
      if (a.backups.length !== backups || JSON.stringify(a) !== JSON.stringify(b)) throw new Error('the two scans disagree');
    }
    console.log(`scan with a delimiter listing: ${best.dirsReq} requests, ${best.dirs.toFixed(0)} ms; ` +
      `walking every key: ${best.walkReq} requests, ${best.walk.toFixed(0)} ms (${(best.walk / best.dirs).toFixed(1)}x the time)`);
    await store.close();
    await walkStore.close();
    walk.destroy();
  } finally {
    backend.destroy();
    const all: string[] = [];
    let token: string | undefined;
    do {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const c of page.Contents ?? []) all.push(c.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    await inBatches(all, 16, (k) => admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: k })).catch(() => {}));
    await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    admin.destroy();
  }
}

await main();
