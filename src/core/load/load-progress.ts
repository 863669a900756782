// Where a load stands, kept outside the process so that a load killed without warning (SIGKILL, OOM,
// a lost machine) still tells the next run where to resume. The loader reports two events per
// transaction: "lines A..B are being sent" before, and "everything before line N is done" after the
// server acknowledged the commit. A record with a batch in flight means its outcome is unknown.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LoadPosition {
  /** Every statement starting before this line is committed (or recorded as failed). */
  resumeFrom: number;
  /** A transaction covering these lines was sent and not acknowledged. */
  inFlight?: { first: number; last: number };
}

/** What the loader tells; the file-backed implementation and tests' in-memory one implement it. */
export interface ProgressSink {
  sending(first: number, last: number): void;
  done(resumeFrom: number): void;
}

export interface ProgressRecord extends LoadPosition {
  format: 'mgbackup-load-progress';
  /** The input as given and the identity it had, so a changed or different file is not trusted. */
  input: string;
  size: number;
  mtimeMs: number;
  updatedAt: string;
}

/** Beside the input, like the failures file: `db.cypherl(.gz)` -> `db.cypherl.load-progress`. */
export function progressFileFor(inputPath: string): string {
  return `${inputPath.replace(/\.(gz|zst|zstd)$/i, '')}.load-progress`;
}

/**
 * Keeps the record in `file`, replaced atomically (temp file + rename) at every event, mode 0600.
 * A process kill cannot leave it half-written; a machine crash can at worst leave an older record,
 * which the hint states as a batch whose outcome is unknown.
 */
export class ProgressFile implements ProgressSink {
  private position: LoadPosition = { resumeFrom: 1 };

  constructor(
    readonly file: string,
    private readonly identity: { input: string; size: number; mtimeMs: number },
    private readonly now: () => Date,
  ) {}

  sending(first: number, last: number): void {
    this.write({ resumeFrom: this.position.resumeFrom, inFlight: { first, last } });
  }

  done(resumeFrom: number): void {
    this.write({ resumeFrom });
  }

  private write(position: LoadPosition): void {
    this.position = position;
    const record: ProgressRecord = { format: 'mgbackup-load-progress', ...this.identity, ...position, updatedAt: this.now().toISOString() };
    const tmp = `${this.file}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(record) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** The record left by an earlier load of the same, unchanged input; undefined if none or not usable. */
export function readProgress(file: string, identity: { size: number; mtimeMs: number }): ProgressRecord | undefined {
  let record: Partial<ProgressRecord>;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProgressRecord>;
  } catch {
    return undefined;
  }
  if (record.format !== 'mgbackup-load-progress' || typeof record.resumeFrom !== 'number') return undefined;
  if (record.size !== identity.size || record.mtimeMs !== identity.mtimeMs) return undefined;
  return record as ProgressRecord;
}

/** The hint for the next run, naming the --resume-from value(s). */
export function resumeHint(record: ProgressRecord, file: string): string {
  const where = `(recorded in ${path.basename(file)})`;
  if (!record.inFlight) {
    return `an earlier load of this file stopped with everything before line ${record.resumeFrom} committed: continue with --resume-from ${record.resumeFrom} ${where}`;
  }
  const { first, last } = record.inFlight;
  return `an earlier load of this file stopped while lines ${first}-${last} were in one transaction that may or may not have committed: ` +
    `check the database, then continue with --resume-from ${first} (if that batch is absent) or --resume-from ${last + 1} ${where}`;
}
