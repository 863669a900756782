// LOCK DATA DIRECTORY as Memgraph implements it: one flag per storage (not reference-counted, not tied
// to a session), which only defers deletes and renames of durability files.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class FileRetainer {
  private locked = false;
  /** Absolute paths queued for deletion; a set, so re-queueing is a no-op (file_locker.cpp:33-46). */
  private readonly queue = new Set<string>();

  constructor(private readonly log: (line: string) => void) {}

  /** LockerEntry::LockPath inserts into a set: a second insert reports "already" (file_locker.cpp:118-127). */
  lock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  /** UnlockPath erases the path then runs CleanQueue, only when it was locked (storage.cpp:4802-4815). */
  unlock(): boolean {
    if (!this.locked) return false;
    this.locked = false;
    this.cleanQueue();
    return true;
  }

  isLocked(): boolean {
    return this.locked;
  }

  queued(): string[] {
    return [...this.queue];
  }

  /** FileRetainer::DeleteFile: queue while locked, else unlink (file_locker.cpp:33-46, 98-101). */
  deleteFile(file: string): void {
    const abs = path.resolve(file);
    if (!fs.existsSync(abs)) {
      this.log(`File ${abs} doesn't exist.`);
      return;
    }
    if (this.locked) this.queue.add(abs);
    else this.unlink(abs);
  }

  /** FileRetainer::RenameFile: while locked, copy and queue the original (file_locker.cpp:48-74). */
  renameFile(orig: string, dest: string): void {
    const absOrig = path.resolve(orig);
    const absDest = path.resolve(dest);
    if (!fs.existsSync(absOrig)) {
      this.log(`Origin file ${absOrig} doesn't exist.`);
      return;
    }
    if (fs.existsSync(absDest)) {
      this.log(`Destination file ${absDest} exist.`);
      return;
    }
    if (this.locked) {
      fs.copyFileSync(absOrig, absDest);
      this.queue.add(absOrig);
    } else {
      fs.renameSync(absOrig, absDest);
    }
  }

  /** A restart forgets the lock (it is not persisted, research §1.3); queued files stay on disk. */
  reset(): void {
    this.locked = false;
    this.queue.clear();
  }

  private cleanQueue(): void {
    for (const file of this.queue) this.unlink(file);
    this.queue.clear();
  }

  private unlink(file: string): void {
    try {
      fs.unlinkSync(file);
    } catch {
      this.log(`Couldn't delete file ${file}!`);
    }
  }
}
