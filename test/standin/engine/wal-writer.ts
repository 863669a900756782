// The open WAL file of one storage. Created lazily by the first commit that has deltas, appended per
// commit, finalized (renamed through the retainer) past the size threshold (storage.cpp:3750-3767), on
// clean shutdown (storage.cpp:564-567) and on the switch to analytical mode.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DurabilityCodec, WalTransaction } from './codec.js';
import { currentWalName, finalizedWalName, type PrefixSource } from './durability-names.js';
import type { FileRetainer } from './file-retainer.js';

export interface WalWriterOptions {
  dir: string;
  codec: DurabilityCodec;
  retainer: FileRetainer;
  prefixes: PrefixSource;
  fileSizeBytes: number;
}

interface OpenWal {
  prefix: string;
  file: string;
  fd: number;
  size: number;
  fromTs: bigint;
  toTs: bigint;
}

export class WalWriter {
  private open: OpenWal | undefined;

  constructor(
    private readonly opts: WalWriterOptions,
    private readonly ids: { uuid: string; epochId: string },
    /** Sequence number of the next file; continues after recovered WALs. */
    public nextSeq: bigint,
  ) {}

  get currentPath(): string | undefined {
    return this.open?.file;
  }

  append(tx: WalTransaction): void {
    if (!this.open) {
      const prefix = this.opts.prefixes.next();
      const file = path.join(this.opts.dir, currentWalName(prefix));
      fs.mkdirSync(this.opts.dir, { recursive: true });
      const fd = fs.openSync(file, 'wx');
      const head = this.opts.codec.encodeWalHeader({ ...this.ids, seqNum: this.nextSeq });
      fs.writeSync(fd, head);
      this.open = { prefix, file, fd, size: head.length, fromTs: tx.commitTs, toTs: tx.commitTs };
    }
    const bytes = this.opts.codec.encodeWalTransaction(tx);
    fs.writeSync(this.open.fd, bytes);
    this.open.size += bytes.length;
    this.open.toTs = tx.commitTs;
    if (this.open.size >= this.opts.fileSizeBytes) this.finalize();
  }

  /** wal.cpp:2360-2370: rename `_current` to `_from_<a>_to_<b>` through the retainer (copy while locked). */
  finalize(): void {
    const w = this.open;
    if (!w) return;
    fs.closeSync(w.fd);
    this.open = undefined;
    this.nextSeq += 1n;
    const dest = path.join(this.opts.dir, finalizedWalName(w.prefix, w.fromTs, w.toTs));
    this.opts.retainer.renameFile(w.file, dest);
  }

  /** A crash: the file stays `_current` on disk, exactly as written so far. */
  abandon(): void {
    if (!this.open) return;
    fs.closeSync(this.open.fd);
    this.open = undefined;
  }
}
