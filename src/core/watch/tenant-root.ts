// Where a tenant database's files are: databases/<uuid>/ for the uuid the server reports (Memgraph names
// the folder after the database uuid when it creates it: dbms_handler.cpp GenVal rel_dir). A folder
// named otherwise (a registry entry that says so) is found by the storage uuid in its files' headers.
import type { DataDir } from '../../datadir/data-dir.js';
import { readDurabilityHeader, type ReadAt } from '../../datadir/durability-header.js';
import { SNAPSHOTS_DIR, WAL_DIR, joinRel, storageRoot } from '../../datadir/layout.js';
import { MgBackupError, q } from '../../errors/errors.js';

export async function tenantRoot(dataDir: DataDir, database: string, uuid: string): Promise<string> {
  const named = storageRoot(uuid);
  if ((await dataDir.stat(named))?.type === 'dir') return named;
  for (const e of await dataDir.list('databases')) {
    if (e.type !== 'dir' || e.name.startsWith('.') || e.name === 'memgraph') continue;
    const root = joinRel('databases', e.name);
    for (const dir of [WAL_DIR, SNAPSHOTS_DIR]) {
      const file = (await dataDir.list(joinRel(root, dir))).find((f) => f.type === 'file');
      if (file === undefined) continue;
      const header = await readDurabilityHeader(readAtOf(dataDir, file.path), file.path).catch(() => undefined);
      if (header?.uuid === uuid) return root;
    }
  }
  throw new MgBackupError('notFound', `${dataDir.description} has no storage folder for database ${q(database)} (uuid ${uuid})`, {
    hints: ['point --data-dir at the server\'s own data directory; a tenant that never wrote a file has none yet'],
  });
}

function readAtOf(dataDir: DataDir, rel: string): ReadAt {
  return async (start, length) => {
    const chunks: Buffer[] = [];
    for await (const c of await dataDir.read(rel, { start, end: start + length })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
}
