// Test support for restore: backup folders built from real Memgraph durability files (the shared
// fixtures, never copied into the repo), a tree fingerprint to prove "byte-for-byte unchanged", and a
// child process holding a real fcntl lock the way Memgraph holds <data-dir>/.lock.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readDurabilityHeader, bufferReadAt } from '../../src/datadir/durability-header.js';
import { serializeManifest, type Manifest, type ManifestFile } from '../../src/store/manifest.js';
import { fixturesRoot } from '../helpers/fixtures.js';

export const FIXTURE_SET = 'v36/test_all';

export function fixtureDir(set = FIXTURE_SET): string | undefined {
  const root = fixturesRoot();
  return root && fs.existsSync(path.join(root, set)) ? path.join(root, set) : undefined;
}

export async function tempDir(prefix = 'mgb-restore-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface BackupSpec {
  id: string;
  /** Fixture set, e.g. "v36/test_all". */
  set?: string;
  withWal?: boolean;
  /** Prefix of the snapshot file name (20 digits); decides which snapshot "wins" by name. */
  prefix?: string;
  memgraphVersion?: string;
}

/** Writes <parent>/<id>/ with manifest.json, snapshots/ and (optionally) wal/ like `create` does. */
export async function writeBackup(parent: string, spec: BackupSpec): Promise<{ dir: string; manifest: Manifest }> {
  const src = fixtureDir(spec.set)!;
  const dir = path.join(parent, spec.id);
  const files: ManifestFile[] = [];
  const add = async (bin: string, kind: 'snapshot' | 'wal') => {
    const data = await fsp.readFile(path.join(src, bin));
    const h = await readDurabilityHeader(bufferReadAt(data), bin);
    const prefix = spec.prefix ?? '20260101120000000000';
    const name = kind === 'snapshot' ? `${prefix}_timestamp_${h.durableTs}` : `${prefix}_current`;
    const rel = `${kind === 'snapshot' ? 'snapshots' : 'wal'}/${name}`;
    await fsp.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), data);
    files.push({
      path: rel, kind, size: data.length, sha256: createHash('sha256').update(data).digest('hex'),
      durabilityVersion: h.version, uuid: h.uuid, pinnedBy: 'copy',
      ...(h.seqNum !== undefined ? { seqNum: String(h.seqNum) } : {}),
      ...(h.durableTs !== undefined ? { durableTs: String(h.durableTs) } : {}),
    });
  };
  await add('snapshot.bin', 'snapshot');
  if (spec.withWal) await add('wal.bin', 'wal');
  const manifest: Manifest = {
    format: 'mgbackup-backup', formatVersion: 1, id: spec.id, createdAt: '2026-01-01T12:00:00.000Z', mgbackupVersion: '0.1.0',
    memgraph: { version: spec.memgraphVersion ?? '3.12.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' },
    database: { name: 'memgraph', uuid: null }, counts: { vertices: 32, edges: 12 }, snapshotOnly: !spec.withWal,
    source: 'test', files, timings: { totalMs: 0, snapshotMs: 0, lockWindowMs: 0, copyMs: 0 }, labels: {}, tags: [], warnings: [],
  };
  await fsp.writeFile(path.join(dir, 'manifest.json'), serializeManifest(manifest));
  return { dir, manifest };
}

/** A backup folder from given durability files (e.g. made by the test encoder), manifest from their headers. */
export async function writeFilesBackup(parent: string, id: string, files: { rel: string; bytes: Uint8Array }[]): Promise<{ dir: string; manifest: Manifest }> {
  const dir = path.join(parent, id);
  const entries: ManifestFile[] = [];
  for (const { rel, bytes } of files) {
    const data = Buffer.from(bytes);
    const h = await readDurabilityHeader(bufferReadAt(data), rel);
    await fsp.mkdir(path.join(dir, path.dirname(rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), data);
    entries.push({
      path: rel, kind: h.kind, size: data.length, sha256: createHash('sha256').update(data).digest('hex'),
      durabilityVersion: h.version, uuid: h.uuid, pinnedBy: 'copy',
      ...(h.seqNum !== undefined ? { seqNum: String(h.seqNum) } : {}),
      ...(h.durableTs !== undefined ? { durableTs: String(h.durableTs) } : {}),
    });
  }
  const manifest: Manifest = {
    format: 'mgbackup-backup', formatVersion: 1, id, createdAt: '2026-01-01T12:00:00.000Z', mgbackupVersion: '0.1.0',
    memgraph: { version: '3.12.0', role: 'main', storageMode: 'IN_MEMORY_TRANSACTIONAL' },
    database: { name: 'memgraph', uuid: null }, counts: { vertices: null, edges: null }, snapshotOnly: !entries.some((e) => e.kind === 'wal'),
    source: 'test', files: entries, timings: { totalMs: 0, snapshotMs: 0, lockWindowMs: 0, copyMs: 0 }, labels: {}, tags: [], warnings: [],
  };
  await fsp.writeFile(path.join(dir, 'manifest.json'), serializeManifest(manifest));
  return { dir, manifest };
}

/** Rewrites manifest.json after a test changed files: sizes and hashes of every listed file. */
export async function rehash(dir: string, patch: (m: Manifest) => void = () => {}): Promise<void> {
  const m = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  for (const f of m.files) {
    const data = await fsp.readFile(path.join(dir, f.path));
    f.size = data.length;
    f.sha256 = createHash('sha256').update(data).digest('hex');
  }
  patch(m);
  await fsp.writeFile(path.join(dir, 'manifest.json'), serializeManifest(m));
}

/**
 * Every entry under root: path, type, mode, owner, mtime and content hash. Equal strings = unchanged
 * tree. `dirMtimes: false` ignores directory mtimes (a folder that had an entry added and removed).
 */
export async function fingerprint(root: string, opts: { dirMtimes?: boolean } = {}): Promise<string> {
  const lines: string[] = [];
  const walk = async (rel: string) => {
    const abs = path.join(root, rel);
    const st = await fsp.lstat(abs);
    let content = '';
    if (st.isFile()) content = createHash('sha256').update(await fsp.readFile(abs)).digest('hex');
    lines.push(`${rel || '.'} ${st.isDirectory() ? 'd' : st.isFile() ? 'f' : 'o'} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.isDirectory() && opts.dirMtimes === false ? '-' : st.mtimeMs} ${content}`);
    if (st.isDirectory()) for (const n of (await fsp.readdir(abs)).sort()) await walk(rel ? `${rel}/${n}` : n);
  };
  await walk('');
  return lines.join('\n');
}

/** A data directory as a stopped Memgraph leaves it: .lock, one snapshot and one WAL of another set. */
export async function writeOldDataDir(dir: string, set = 'v35/test_all'): Promise<void> {
  const src = fixtureDir(set)!;
  await fsp.mkdir(path.join(dir, 'snapshots'), { recursive: true });
  await fsp.mkdir(path.join(dir, 'wal'), { recursive: true });
  await fsp.writeFile(path.join(dir, '.lock'), '');
  await fsp.copyFile(path.join(src, 'snapshot.bin'), path.join(dir, 'snapshots', '20250101000000000000_timestamp_147'));
  await fsp.copyFile(path.join(src, 'wal.bin'), path.join(dir, 'wal', '20250101000000000001_current'));
}

/** A child process holding a POSIX fcntl write lock on `file`, as Memgraph holds `.lock`. */
export async function holdFcntlLock(file: string): Promise<{ pid: number; release(): Promise<void> }> {
  const script = 'import fcntl,sys\nf=open(sys.argv[1],"a+")\nfcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nprint("locked",flush=True)\nsys.stdin.read()\n';
  const child: ChildProcess = spawn('python3', ['-c', script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
  return {
    pid: child.pid!,
    release: () => new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.stdin!.end();
    }),
  };
}

export function python3Missing(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import fcntl']);
  return r.status === 0 ? undefined : 'python3 with fcntl is not available to take a real fcntl lock';
}
