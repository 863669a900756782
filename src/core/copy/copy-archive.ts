// WAL archive records from the source repository into the target, by the archive's own rules
// (docs/repository-format.md, "WAL archive"; src/repo/wal-archive.ts): data first, the record after
// it, so the target never holds a record whose bytes are missing. A finalized file already recorded
// in the target with the same sha256 is left alone; a committed prefix is copied only when it is
// longer than the target's and the target has not got the finalized file yet.
import { MgBackupError, q } from '../../errors/errors.js';
import { parseWalRecord, partRecordKey, type WalRecord } from '../../repo/wal-archive.js';
import { storedOf } from '../../store/stored-file.js';
import type { ObjectCopier, Refusal, Tally } from './object-copier.js';

/** The key of a record's JSON: `<stem>.wal.json` for a whole file, `<stem>.part.json` for a prefix. */
export function recordKeyOf(r: WalRecord): string {
  if (r.dataKey.endsWith('.wal')) return `${r.dataKey}.json`;
  const cut = r.dataKey.lastIndexOf('.part-');
  return partRecordKey(r.dataKey.slice(0, cut));
}

const stemOf = (recordKey: string): string => recordKey.replace(/\.(wal|part)\.json$/, '');

export class ArchiveCopier {
  /** Record keys handled in this run (a WAL file several backups need is looked at once). */
  private readonly done = new Set<string>();

  constructor(private readonly objects: ObjectCopier) {}

  /**
   * Copies one record and its data. `refuse` names the damage when the source's bytes are not what its
   * record says; `expected` (a manifest's `archived` entry) must agree with the record too.
   */
  async copyRecord(recordKey: string, tally: Tally, refuse: Refusal, expected?: { sha256: string; size: number }): Promise<void> {
    if (this.done.has(recordKey)) return;
    const bytes = await this.objects.sourceBytes(recordKey);
    const record = bytes && parseWalRecord(bytes);
    if (record === undefined) throw refuse(recordKey, bytes === undefined ? 'it is missing' : 'it is not a valid WAL record');
    if (recordKeyOf(record) !== recordKey) throw refuse(recordKey, `its dataKey ${q(record.dataKey)} belongs to another record`);
    if (expected !== undefined && (expected.sha256 !== record.sha256 || expected.size !== record.size)) {
      throw refuse(recordKey, `it gives sha256 ${record.sha256} (${record.size} bytes), the manifest ${expected.sha256} (${expected.size} bytes)`);
    }
    const stem = stemOf(recordKey);
    const to = this.objects.to;
    if (record.dataKey.endsWith('.wal')) {
      const there = await this.targetRecord(`${stem}.wal.json`);
      if (there !== undefined) {
        if (there !== 'present' && (there.sha256 !== record.sha256 || there.size !== record.size)) {
          throw new MgBackupError('integrity',
            `archived WAL ${q(record.dataKey)} differs between ${q(this.objects.from.location)} (sha256 ${record.sha256}) and ${q(to.location)} (sha256 ${there.sha256})`, {
              hints: ['two different files claim the same storage uuid, first commit and sequence number; verify both repositories'],
            });
        }
        tally.skipped++;
      } else {
        await this.objects.copy(record.dataKey, storedOf(record), tally, refuse);
        await to.put(recordKey, bytes!);
        // A prefix of this file the target got earlier is superseded: record first, then its bytes.
        const part = await this.targetRecord(partRecordKey(stem));
        if (part !== undefined) {
          await to.delete(partRecordKey(stem));
          // An unreadable record's data is left for prune, which removes superseded prefixes.
          if (part !== 'present') await to.delete(part.dataKey);
        }
      }
    } else {
      const final = await this.targetRecord(`${stem}.wal.json`);
      const part = await this.targetRecord(recordKey);
      // An unreadable part record is the same prefix when the target has this prefix's data object.
      const samePart = part === 'present' && await this.objects.targetHas(record.dataKey, storedOf(record));
      if (final !== undefined || samePart || (part !== undefined && part !== 'present' && BigInt(part.toTs) >= BigInt(record.toTs) && part.size >= record.size)) {
        tally.skipped++;
      } else {
        await this.objects.copy(record.dataKey, storedOf(record), tally, refuse);
        await to.put(recordKey, bytes!);
        if (part !== undefined && part !== 'present' && part.dataKey !== record.dataKey) await to.delete(part.dataKey);
      }
    }
    this.done.add(recordKey);
  }

  /** 'present': the record is there, but the target (encrypted, opened with recipients only) cannot be read. */
  private async targetRecord(key: string): Promise<WalRecord | 'present' | undefined> {
    const bytes = await this.objects.targetBytes(key);
    if (bytes === undefined || bytes === 'unreadable') return bytes === undefined ? undefined : 'present';
    const r = parseWalRecord(bytes);
    if (r === undefined) {
      throw new MgBackupError('integrity', `WAL archive record ${q(key)} in ${q(this.objects.to.location)} is not a valid record`, {
        hints: ['it was changed by hand or damaged; remove it (and its data object) and run copy again'],
      });
    }
    return r;
  }
}
