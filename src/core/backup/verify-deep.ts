// verify --deep: beyond hashes and headers, decode every file of the backup and replay the snapshot
// with its WAL files by Memgraph's recovery rules, so a backup that would recover to nothing (or to
// something else) is caught before anyone needs it. The snapshot is checked in one streaming pass and
// only the records the WAL files touch are held, so memory follows the WAL, not the graph.
import { closeSync, openSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { FdSource, replay } from '../../format/index.js';
import { chainOfFiles } from '../../format/recovery-chain.js';
import { CorruptFileError, MgBackupError, q } from '../../errors/errors.js';
import type { Manifest } from '../../store/manifest.js';

export interface DeepCheck {
  /** What replaying the backup yields. */
  decoded: { vertices: number; edges: number; walTransactions: number };
  /** The server's counts when the backup started (from the manifest). */
  recorded: { vertices: number | null; edges: number | null };
  /** Non-fatal observations, e.g. counts that moved because writes ran during the backup. */
  notes: string[];
}

export function deepCheckBackup(dir: string, manifest: Manifest): DeepCheck {
  const fds: number[] = [];
  const open = (rel: string) => {
    const fd = openSync(path.join(dir, rel), 'r');
    fds.push(fd);
    return new FdSource(fd, fstatSync(fd).size);
  };
  try {
    const snapshotFile = manifest.files.find((f) => f.kind === 'snapshot')!;
    // Only the chain recovery would replay (the rule shared with restore planning). Choosing it reads
    // WAL files: a file that does not decode is reported like any decode error below; a chain Memgraph
    // would refuse keeps its own message.
    let walFiles;
    try {
      walFiles = chainOfFiles(dir, snapshotFile, manifest.files.filter((f) => f.kind === 'wal'));
    } catch (err) {
      throw err instanceof CorruptFileError ? doesNotDecode(manifest.id, err) : err;
    }
    let result;
    try {
      result = replay(open(snapshotFile.path), walFiles.map((f) => open(f.path)), { workingSet: true, walNames: walFiles.map((f) => f.path) });
    } catch (err) {
      if (err instanceof MgBackupError) throw doesNotDecode(manifest.id, err);
      throw err;
    }
    const decoded = {
      vertices: result.counts.vertices,
      edges: result.counts.edges,
      walTransactions: result.wals.reduce((n, w) => n + w.applied, 0),
    };
    const snap = result.snapshot!;
    // Without WAL replay the decoded graph must match what the snapshot says it holds.
    if (decoded.walTransactions === 0 && BigInt(decoded.vertices) !== snap.vertexCount) {
      throw new MgBackupError('integrity', `snapshot ${q(snapshotFile.path)} holds ${decoded.vertices} vertices, its header says ${snap.vertexCount}`, {
        hints: ['the snapshot is damaged; do not restore from this backup'],
      });
    }
    const notes: string[] = [];
    if (result.ignored.length > 0) {
      notes.push(`${result.ignored.length} wal file(s) belong to another storage uuid and would be ignored by recovery`);
    }
    const recorded = manifest.counts;
    if ((recorded.vertices !== null && recorded.vertices !== decoded.vertices) || (recorded.edges !== null && recorded.edges !== decoded.edges)) {
      notes.push(`recovery yields ${decoded.vertices} vertices and ${decoded.edges} edges; the server reported `
        + `${recorded.vertices ?? '?'} and ${recorded.edges ?? '?'} when the backup started (writes during the backup change this)`);
    }
    return { decoded, recorded, notes };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

function doesNotDecode(id: string, err: MgBackupError): MgBackupError {
  return new MgBackupError(err.kind === 'interrupted' ? 'interrupted' : 'integrity', `backup ${id} does not decode: ${err.message}`, {
    hints: [...err.hints, 'do not restore from this backup; take a new one or use an older backup that verifies'],
    cause: err,
  });
}
