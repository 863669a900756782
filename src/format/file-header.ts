// Magic + version: the first 12 bytes of every durability file.
import { CorruptFileError } from '../errors/errors.js';
import type { ByteSource } from './byte-source.js';
import { SNAPSHOT_MAGIC, WAL_MAGIC } from './markers.js';
import { checkVersion } from './versions.js';

export interface FileHeader {
  kind: 'snapshot' | 'wal';
  version: number;
}

/** Identifies a file by magic, never by name; throws integrity / unsupportedVersion errors. */
export function readFileHeader(input: ByteSource | Uint8Array): FileHeader {
  const bytes = input instanceof Uint8Array ? input.subarray(0, 12) : input.read(0, Math.min(12, input.size));
  if (bytes.length < 12) throw new CorruptFileError('file too short for a durability header', bytes.length);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  const kind = magic === SNAPSHOT_MAGIC ? 'snapshot' : magic === WAL_MAGIC ? 'wal' : undefined;
  if (kind === undefined) {
    throw new CorruptFileError(`not a memgraph snapshot or wal file (magic ${JSON.stringify(magic)})`, 0);
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset, 12).getBigUint64(4, true);
  return { kind, version: checkVersion(version, kind === 'wal' ? 'wal' : 'snapshot') };
}
