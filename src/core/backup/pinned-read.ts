// Random access into a pinned file through its range streams (headers are read outside the lock).
import type { PinnedFile } from '../../datadir/data-dir.js';
import type { ReadAt } from '../../datadir/durability-header.js';

export function pinnedReadAt(f: PinnedFile): ReadAt {
  return async (start, length) => {
    if (start >= f.size) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const c of await f.open({ start, end: Math.min(start + length, f.size) })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
}
