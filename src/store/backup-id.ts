// Backup names sort by time and stay unique across machines: UTC second plus a short random id.
import { randomBytes } from 'node:crypto';

export const BACKUP_ID_RE = /^(\d{8})T(\d{6})Z-([0-9a-f]{8})$/;

export function makeBackupId(now: Date, random: () => string = () => randomBytes(4).toString('hex')): string {
  const iso = now.toISOString(); // 2024-05-06T07:08:09.123Z
  const stamp = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return `${stamp}-${random()}`;
}

export function isBackupId(name: string): boolean {
  return BACKUP_ID_RE.test(name);
}
