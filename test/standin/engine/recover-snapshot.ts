// RECOVER SNAPSHOT "<path>" [FORCE] as Memgraph 3.8+ runs it for a local path (handler
// src/query/interpreter.cpp:6774-6878, storage side src/storage/v2/inmemory/storage.cpp:4471-4720;
// research/memgraph-semantics.md:166-202). Every failure is a utils::BasicException, which the client
// sees as a TransientError. http(s)/ftp/s3 sources are not served by the stand-in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSnapshotInfo } from '../../../src/format/index.js';
import { snapshotName } from './durability-names.js';
import { errorText } from './durability-files.js';
import { transientError } from './memgraph-errors.js';
import type { Storage } from './storage.js';

/** kOldDurabilityDir: where superseded snapshots and WALs are archived (research §2, memgraph-semantics.md:262). */
export const OLD_DIR = '.old';

/** IsVersionSupported's lower bound (kOldestSupportedVersion). */
const OLDEST_SNAPSHOT_VERSION = 14n;

export interface RecoverRequest {
  uri: string;
  force: boolean;
  role: 'main' | 'replica';
  /** --storage-backup-dir-enabled (default true, src/flags/general.cpp:206): archive instead of delete. */
  backupDirEnabled: boolean;
}

const fail = (message: string) => transientError(message);

export function recoverSnapshot(storage: Storage, req: RecoverRequest): void {
  const log = storage.opts.log;
  // storage.cpp:4475-4477: checked before anything is read.
  if (req.role === 'replica') throw fail('Failed to recover a snapshot. Replica instances are not allowed to create them.');
  const localPath = path.join(path.resolve(storage.snapshotDir), path.basename(req.uri));
  // std::filesystem::path equality is lexical (storage.cpp:4480-4481).
  const inLocalDir = path.normalize(req.uri) === localPath;
  const retainer = storage.retainer;
  // handler_error: a copy made here goes again, through the retainer (storage.cpp:4483-4486).
  const dropCopy = (): void => {
    if (!inLocalDir) retainer.deleteFile(localPath);
  };

  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(req.uri);
  } catch {
    stat = undefined;
  }
  if (!stat || stat.isDirectory()) throw fail('Failed to find the defined snapshot file.');
  if (!inLocalDir) {
    try {
      fs.copyFileSync(req.uri, localPath); // copy_options::overwrite_existing (storage.cpp:4532-4540)
    } catch (e) {
      log(`Failed to copy snapshot into local snapshots directory. Err: ${errorText(e)}`);
      throw fail('Failed to copy snapshot over to local snapshots directory.');
    }
  }

  // FORCE clears first, so a snapshot that then fails to load leaves an empty database
  // (storage.cpp:4546-4554); without it, any commit ever (ldt != initial) refuses.
  if (req.force) storage.clear();
  else if (storage.lastCommitTs !== 0n) {
    dropCopy();
    throw fail('Failed to recover a snapshot. Storage is not clean. Try using FORCE.');
  }

  let decoded: ReturnType<Storage['opts']['codec']['decodeSnapshot']>;
  try {
    const bytes = fs.readFileSync(localPath);
    checkHeader(bytes, storage.opts.codec.durabilityVersion);
    decoded = storage.opts.codec.decodeSnapshot(bytes);
  } catch (e) {
    dropCopy();
    // storage.cpp:4715-4718 around LoadSnapshot.
    throw fail(`Couldn't recover from the snapshot because of: ${errorText(e)}`);
  }
  storage.installRecovered(decoded.graph, decoded.meta.epochId, decoded.meta.durableTs);

  archiveOldFiles(storage, localPath, inLocalDir, req.backupDirEnabled);

  // The file gets this storage's UUID so that a restart recovers it with the WALs written from now on
  // (OverwriteSnapshotUUID, snapshot.cpp:739-752: the metadata section's UUID string rewritten in place).
  if (decoded.meta.uuid !== storage.uuid) overwriteUuid(localPath, decoded.meta.uuid, storage.uuid);

  // A fresh `<prefix>_timestamp_<durable ts>` name (storage.cpp:4706-4709). The temporary locker on
  // localPath turns this rename into copy + queued delete, cleaned when the locker ends unless LOCK
  // DATA DIRECTORY also covers it (file_locker.cpp:48-74, 164-167).
  const dest = path.join(path.dirname(localPath), snapshotName(storage.opts.prefixes.next(), decoded.meta.durableTs));
  if (fs.existsSync(dest)) log(`Destination file ${dest} exist.`);
  else {
    fs.copyFileSync(localPath, dest);
    retainer.deleteFile(localPath);
  }
}

/** Decoder::Initialize then IsVersionSupported, as LoadSnapshot opens (snapshot.cpp:13521-13524). The
 *  research notes (memgraph-semantics.md:202, 434) quote "Invalid snapshot version!", which is the text
 *  of ReadSnapshotInfo at startup; LoadSnapshot, the one RECOVER calls, has said
 *  "Invalid snapshot version <N>" in every release from 2.22 to 3.12 and at HEAD. */
function checkHeader(bytes: Uint8Array, newest: number | undefined): void {
  if (newest === undefined) return; // a codec that does not write Memgraph's format
  const magic = bytes.length >= 12 ? String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) : '';
  if (magic !== 'MGsn') throw new Error("Couldn't read snapshot magic and/or version!");
  const version = Buffer.from(bytes.buffer, bytes.byteOffset, 12).readBigUInt64LE(4);
  if (version < OLDEST_SNAPSHOT_VERSION || version > BigInt(newest)) {
    throw new Error(`Invalid snapshot version ${version}`);
  }
}

/** storage.cpp:4616-4700: `.old` wiped and recreated (plain remove_all, which LOCK does not stop), every
 *  other entry of snapshots/ and wal/ renamed into it through the retainer (so a LOCK makes them copies);
 *  a snapshot recovered in place is copied there too. Empty `.old` directories are removed again. With
 *  the backup dir disabled the files are deleted through the retainer instead. */
function archiveOldFiles(storage: Storage, localPath: string, inLocalDir: boolean, useOld: boolean): void {
  const retainer = storage.retainer;
  const snapDir = path.resolve(storage.snapshotDir);
  const walDir = path.resolve(storage.walDir);
  if (useOld) {
    for (const dir of [snapDir, walDir]) {
      fs.rmSync(path.join(dir, OLD_DIR), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, OLD_DIR));
    }
  }
  // GetFilesFromDir: every entry but `.old` (utils/file.cpp:112-122).
  const entries = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n !== OLD_DIR).map((n) => path.join(dir, n));
  for (const file of entries(snapDir)) {
    if (!useOld) {
      // Memgraph queues the recovered file for deletion here too, but its locker holds it until the
      // final rename has copied it: the same as skipping it.
      if (file !== localPath) retainer.deleteFile(file);
      continue;
    }
    const dest = path.join(snapDir, OLD_DIR, path.basename(file));
    if (file !== localPath) retainer.renameFile(file, dest);
    else if (inLocalDir) fs.copyFileSync(file, dest);
  }
  for (const file of entries(walDir)) {
    if (useOld) retainer.renameFile(file, path.join(walDir, OLD_DIR, path.basename(file)));
    else retainer.deleteFile(file);
  }
  for (const dir of [snapDir, walDir]) {
    try {
      fs.rmdirSync(path.join(dir, OLD_DIR)); // std::filesystem::remove: only when empty
    } catch {
      // not empty, or absent
    }
  }
}

function overwriteUuid(file: string, from: string, to: string): void {
  const bytes = fs.readFileSync(file);
  const meta = storageMetaOffset(bytes, from);
  if (meta < 0 || from.length !== to.length) {
    throw fail(
      'The snapshot was recovered, but overwriting it with the new storage UUID failed; the on-disk snapshot may ' +
        'not be picked up on restart. Re-run RECOVER SNAPSHOT ... FORCE.',
    );
  }
  Buffer.from(to, 'latin1').copy(bytes, meta);
  fs.writeFileSync(file, bytes);
}

/** Where the UUID string of the metadata section starts: right after the section marker the offsets
 *  table points at (SetPosition(offset_metadata); WriteMarker; WriteString). */
function storageMetaOffset(bytes: Buffer, uuid: string): number {
  let at: number;
  try {
    at = decodeSnapshotInfo(bytes).offsets.metadata ?? -1;
  } catch {
    return -1;
  }
  return at < 0 ? -1 : bytes.indexOf(Buffer.from(uuid, 'latin1'), at);
}
