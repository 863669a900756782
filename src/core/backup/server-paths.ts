// Where the server's files are, inferred from the path CREATE SNAPSHOT returns instead of assumed:
// Memgraph writes `<data-directory>/snapshots/<name>`, and a tenant's under
// `<data-directory>/databases/<uuid>/snapshots/<name>` (memgraph-semantics §1.4, §4). So the part from
// `snapshots/` (or `databases/<uuid>/`) on is the path relative to the data directory, whatever the
// server calls its --data-directory; --data-dir then only has to be that directory as seen from here.
// --server-data-dir remains for real translations, where the relative part would not be enough.
import { checkRel } from '../../datadir/data-dir.js';
import { MgBackupError, q } from '../../errors/errors.js';

export function snapshotRelPath(serverPath: string): string {
  const norm = serverPath.replace(/\/+/g, '/');
  const m = /^(.*?)\/?((?:databases\/[^/]+\/)?snapshots\/[^/]+)$/.exec(norm);
  if (!m) {
    throw new MgBackupError('server', `CREATE SNAPSHOT returned ${q(serverPath)}, which is not a path under a snapshots/ folder`, {
      hints: ['pass --server-data-dir with the server\'s --data-directory to translate its paths'],
    });
  }
  return checkRel(m[2]!);
}
