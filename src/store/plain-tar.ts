// The tar stream of a backup for `create --archive`: `<id>/` with Memgraph's own bytes and a manifest
// that lists them as stored plain. A compressed repository keeps its files zstd-compressed under their
// own names; packing those as they are gave an archive whose snapshot files Memgraph cannot read after a
// plain `tar -x` (and a .tar.zst compressed them twice). Each file is decompressed while it is packed
// and checked against its plain size and sha256, so a damaged backup never becomes an archive.
import fs from 'node:fs';
import path from 'node:path';
import type { HeaderData } from 'tar';
import { MANIFEST_NAME, manifestVersionFor, serializeManifest, type Manifest } from './manifest.js';
import { damaged, hashingTap, plainStream } from './stored-file.js';

const BLOCK = 512;

/** A header block (with a pax extended header before it when a name does not fit ustar's fields). */
async function header(data: HeaderData): Promise<Buffer> {
  const { Header, Pax } = await import('tar'); // loaded only when an archive is written
  const block = Buffer.alloc(BLOCK);
  const needPax = new Header(data).encode(block, 0);
  return needPax ? Buffer.concat([new Pax(data).encode(), block]) : block;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/**
 * The archive's bytes: a folder entry per folder, each manifest file's plain content (read from `dir`,
 * following symlinks: a self-contained view links archived WAL), the manifest last, then the end blocks.
 * Modes are 0700/0600 and owners 0, whoever packs it; times are the backup's creation time.
 */
export async function* plainTar(dir: string, manifest: Manifest): AsyncGenerator<Buffer> {
  const mtime = new Date(manifest.createdAt);
  const root = manifest.id;
  const owner = { uid: 0, gid: 0, mtime };
  const folders = new Set<string>();
  const folderEntries = async function* (rel: string): AsyncGenerator<Buffer> {
    const parts = rel.split('/').slice(0, -1);
    for (let i = 0; i <= parts.length; i++) {
      const f = [root, ...parts.slice(0, i)].join('/') + '/';
      if (folders.has(f)) continue;
      folders.add(f);
      yield await header({ path: f, type: 'Directory', mode: 0o700, size: 0, ...owner });
    }
  };
  for (const f of manifest.files) {
    yield* folderEntries(f.path);
    yield await header({ path: `${root}/${f.path}`, type: 'File', mode: 0o600, size: f.size, ...owner });
    const src = fs.createReadStream(path.join(dir, ...f.path.split('/')), { highWaterMark: 1 << 20 });
    const { tap, result } = hashingTap();
    const plain = plainStream(src, f.stored, f.path).pipe(tap);
    src.on('error', (err) => tap.destroy(err));
    let n = 0;
    try {
      for await (const chunk of plain as AsyncIterable<Buffer>) {
        n += chunk.length;
        // More bytes than the header announced would shift every later entry: stop at once.
        if (n > f.size) throw damaged(f.path, `has more than the ${f.size} bytes the manifest lists`);
        yield chunk;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(f.path, 'listed in the manifest is missing');
      throw err;
    } finally {
      plain.destroy();
    }
    const got = result();
    if (got.size !== f.size || got.sha256 !== f.sha256) {
      throw damaged(f.path, `reads as ${got.size} bytes with sha256 ${got.sha256}, the manifest says ${f.size} bytes with sha256 ${f.sha256}`);
    }
    yield padding(f.size);
  }
  const files = manifest.files.map(({ stored: _s, ...plain }) => plain);
  // Nothing compressed any more: the version an older mgbackup reads, unless the backup was older still.
  const formatVersion = Math.min(manifest.formatVersion, manifestVersionFor({ files, archived: manifest.archived ?? [] }));
  const text = Buffer.from(serializeManifest({ ...manifest, formatVersion, files }));
  yield* folderEntries(MANIFEST_NAME);
  yield await header({ path: `${root}/${MANIFEST_NAME}`, type: 'File', mode: 0o600, size: text.length, ...owner });
  yield text;
  yield padding(text.length);
  yield Buffer.alloc(2 * BLOCK);
}
