// Online restore: a running Memgraph (>= 2.22) loads a snapshot through `RECOVER SNAPSHOT "<path>" FORCE`
// (memgraph-semantics §1.6). The path is read by the server, so the verified snapshot is first copied
// into a dot folder of the server's data directory (reached through --data-dir, as `create` reaches it)
// and named by its server path. The query runs in auto-commit; FORCE clears the current data, which is
// why the CLI demands --force. WAL files cannot be replayed this way: the snapshot's state is restored.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import { fsError } from '../../datadir/fs-errors.js';
import { readStorageInfo, readVersion, versionAtLeast } from '../../bolt/server-facts.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import type { Value } from '../../graph/value.js';
import { copyAndHash } from '../../store/checksum.js';
import { openSource } from './source.js';
import { selectFiles, restoreStamp } from './plan.js';
import { verifyBackup } from './verify.js';
import { guardVersions } from './version-guard.js';
import { chooseOwner, ownerOf, parseOwner } from './owner.js';
import { keepServerFiles } from './keep-aside.js';
import { resolveStorageRoot } from './tenant.js';
import { assertTargetIsDirectory, type RestoreDeps, type RestoreOptions } from './restore.js';

export const RECOVER_MIN_VERSION: [number, number, number] = [2, 22, 0];

export interface OnlineOptions extends RestoreOptions {
  connection: ConnectionOptions;
  /** The server's own data directory path (what --data-dir is, seen from the server). */
  serverDataDir: string;
}

export interface Counts {
  vertices: number | undefined;
  edges: number | undefined;
}

export interface OnlineResult {
  backupId: string;
  source: string;
  uri: string;
  database: string;
  serverVersion: string;
  snapshot: string;
  serverPath: string;
  /** Where the server's previous snapshots/ and wal/ were kept (relative to --data-dir). */
  keptAside: string | undefined;
  dryRun: boolean;
  before: Counts;
  after: Counts;
  warnings: string[];
}

function num(v: Value | undefined): number | undefined {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Exported so the grammar-oracle test parses the real text (test/grammar). */
export function recoverSnapshotQuery(serverPath: string): string {
  return `RECOVER SNAPSHOT ${cypherString(serverPath)} FORCE`;
}

/** A Cypher string literal in double quotes (Memgraph's lexer: backslash escapes). */
export function cypherString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function runOnlineRestore(opts: OnlineOptions, deps: RestoreDeps): Promise<OnlineResult> {
  if (opts.dataDir === '') {
    throw new MgBackupError('refused', '--online needs --data-dir: RECOVER SNAPSHOT ... FORCE replaces the server\'s files, and mgbackup keeps them first through the data directory', {
      hints: ['pass --data-dir with the server data directory as this machine sees it; the snapshot is placed there too (--server-data-dir if the server calls it otherwise)'],
    });
  }
  await assertTargetIsDirectory(path.resolve(opts.dataDir));
  if (!deps.connect) throw new MgBackupError('internal', 'online restore without a connection factory');
  const warnings: string[] = [];
  const source = await openSource(opts.source, { stdin: deps.stdin, signal: deps.signal, tmpDir: deps.tmpDir });
  let client;
  try {
    const manifest = source.manifest;
    const [snap] = selectFiles(manifest, { snapshotOnly: true, ...(opts.snapshot === undefined ? {} : { snapshot: opts.snapshot }) });
    if (manifest.files.some((f) => f.kind === 'wal')) {
      warnings.push(`the backup's wal files are not applied online; the server gets the state of snapshot ${q(snap!.path)}`);
    }
    await verifyBackup(source.dir, manifest.files, [snap!], { signal: deps.signal });
    client = await deps.connect(opts.connection);
    const serverVersion = await readVersion(client);
    if (!versionAtLeast(serverVersion, RECOVER_MIN_VERSION)) {
      throw new MgBackupError('unsupportedVersion', `memgraph ${serverVersion} cannot restore online: RECOVER SNAPSHOT needs 2.22 or newer`, {
        hints: ['stop the server and restore offline with --data-dir, or upgrade it'],
      });
    }
    guardVersions([{ path: snap!.path, durabilityVersion: snap!.durabilityVersion }], { release: serverVersion, from: 'server' });
    const countsOf = async (): Promise<Counts> => {
      const info = await readStorageInfo(client!);
      return { vertices: num(info.get('vertex_count')), edges: num(info.get('edge_count')) };
    };
    const before = await countsOf();
    const name = snap!.path.slice(snap!.path.lastIndexOf('/') + 1);
    const folder = `.mgbackup-recover-${restoreStamp(deps.clock.now())}`;
    const serverPath = `${opts.serverDataDir.replace(/\/+$/, '')}/${folder}/${name}`;
    const result: OnlineResult = {
      backupId: manifest.id, source: source.description, uri: opts.connection.uri, database: opts.database ?? 'memgraph',
      serverVersion, snapshot: name, serverPath, keptAside: undefined, dryRun: opts.dryRun, before, after: before, warnings,
    };
    if (opts.dryRun) return result;
    throwIfAborted(deps.signal);

    // RECOVER wipes snapshots/.old and wal/.old: keep the current files first (the README's promise).
    const storageRoot = await resolveStorageRoot(path.resolve(opts.dataDir), opts.database);
    result.keptAside = (await keepServerFiles(path.resolve(opts.dataDir), storageRoot, deps.clock.now())).folder;
    const localDir = path.join(path.resolve(opts.dataDir), folder);
    const explicit = opts.owner === undefined ? undefined : parseOwner(opts.owner, deps.passwd);
    const owner = chooseOwner({ explicit, container: false, dataDirOwner: await ownerOf(opts.dataDir), euid: deps.euid });
    try {
      await fsp.mkdir(localDir, { mode: 0o755 });
      const dest = path.join(localDir, name);
      const h = await copyAndHash(fs.createReadStream(path.join(source.dir, snap!.path)), dest, { mode: 0o644, signal: deps.signal });
      if (h.sha256 !== snap!.sha256) throw new MgBackupError('integrity', `backup file ${q(snap!.path)} changed while it was copied`);
      await fsp.chmod(dest, 0o644);
      if (owner) {
        await fsp.chown(localDir, owner.uid, owner.gid);
        await fsp.chown(dest, owner.uid, owner.gid);
      }
    } catch (err) {
      await fsp.rm(localDir, { recursive: true, force: true });
      // RECOVER was not sent: the kept links are not needed (removing a link never removes the server's file).
      await fsp.rm(path.join(path.resolve(opts.dataDir), result.keptAside), { recursive: true, force: true });
      throw fsError(err, 'place the snapshot in', localDir);
    }
    try {
      // RECOVER SNAPSHOT copies the file into snapshots/ under a fresh name; our copy is then spare.
      await client.run(recoverSnapshotQuery(serverPath));
    } finally {
      await fsp.rm(localDir, { recursive: true, force: true });
    }
    result.after = await countsOf();
    return result;
  } finally {
    await client?.close();
    await source.close();
  }
}
