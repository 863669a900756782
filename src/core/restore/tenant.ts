// Finds a tenant's storage root offline. Memgraph keeps tenants in a RocksDB registry under
// databases/.durability/ with key "database:<name>" and JSON value {"rel_dir":"databases/<uuid>",
// "uuid":"<uuid>"} (dbms_handler.cpp:46-119), and deletes every unregistered folder under databases/ at
// startup (dbms_handler.cpp:335-356). Restoring into an unregistered folder would therefore be wiped.
// Without a RocksDB reader, the registry files are scanned for the key followed by its value; a match
// counts only when the folder databases/<uuid>/ also exists.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MgBackupError, q } from '../../errors/errors.js';
import { errnoOf } from '../../datadir/fs-errors.js';

export const DEFAULT_DATABASE = 'memgraph';
/** How far after the key the value may start in a RocksDB record (varint lengths, sequence, type). */
const VALUE_WINDOW = 160;

/** LEB128 varint over all of `bytes`, or undefined when they are not exactly one varint. */
function varintOf(bytes: Buffer): number | undefined {
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
    if ((bytes[i]! & 0x80) === 0) return i === bytes.length - 1 ? value : undefined;
  }
  return undefined;
}

/** UUIDs registered under exactly the key `database:<name>` in the raw bytes of the registry files.
 *  Memgraph keeps its tenant registry in RocksDB (dbms_handler.cpp): key `database:<name>`, value
 *  `{"rel_dir":"databases/<uuid>","uuid":"<uuid>"}`. A key is exact when what lies between it and the
 *  value is the record framing: in a write-ahead log record the value's length as a varint, in a table
 *  file the 8-byte internal-key trailer. A longer name ("sales2" when looking for "sales") leaves its
 *  extra characters in that gap and is rejected. */
export function registryCandidates(files: Buffer[], name: string): string[] {
  const key = Buffer.from(`database:${name}`, 'utf8');
  const found = new Set<string>();
  for (const buf of files) {
    for (let at = buf.indexOf(key); at !== -1; at = buf.indexOf(key, at + 1)) {
      const keyEnd = at + key.length;
      const brace = buf.indexOf(0x7b /* { */, keyEnd);
      if (brace === -1 || brace - keyEnd > 10) continue;
      const close = buf.indexOf(0x7d /* } */, brace);
      if (close === -1 || close - brace > VALUE_WINDOW) continue;
      const gap = buf.subarray(keyEnd, brace);
      const framed = gap.length === 8 || (gap.length > 0 && varintOf(gap) === close - brace + 1);
      if (!framed) continue;
      const value = buf.toString('latin1', brace, close + 1);
      const m = /"uuid"\s*:\s*"([0-9a-f-]{36})"/.exec(value) ?? /databases\/([0-9a-f-]{36})/.exec(value);
      if (m) found.add(m[1]!);
    }
  }
  return [...found];
}

async function readRegistry(dataDir: string): Promise<Buffer[]> {
  const dir = path.join(dataDir, 'databases', '.durability');
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
  const out: Buffer[] = [];
  for (const n of names) {
    try {
      const st = await fsp.stat(path.join(dir, n));
      if (st.isFile() && st.size < 64 << 20) out.push(await fsp.readFile(path.join(dir, n)));
    } catch {
      // A file RocksDB removed meanwhile.
    }
  }
  return out;
}

/** '' for the default database; databases/<uuid> for a registered tenant; refuses otherwise. */
export async function resolveStorageRoot(dataDir: string, database: string | undefined): Promise<string> {
  if (database === undefined || database === DEFAULT_DATABASE) return '';
  const candidates = registryCandidates(await readRegistry(dataDir), database);
  const present: string[] = [];
  for (const uuid of candidates) {
    try {
      if ((await fsp.stat(path.join(dataDir, 'databases', uuid))).isDirectory()) present.push(uuid);
    } catch {
      // Registered earlier, folder gone: dropped tenant.
    }
  }
  if (present.length === 1) return `databases/${present[0]}`;
  if (present.length > 1) {
    throw new MgBackupError('refused', `tenant ${q(database)} matches several folders: ${present.map((u) => `databases/${u}`).join(', ')}`, {
      hints: ['the tenant was dropped and created again; start Memgraph, restore with --online --force --database instead'],
    });
  }
  throw new MgBackupError('notFound', `tenant ${q(database)} is not registered in ${q(dataDir)}`, {
    hints: [
      'Memgraph deletes unregistered folders under databases/ at startup, so restore will not create one',
      `start Memgraph, run CREATE DATABASE ${database}; stop it, then run restore again (or restore online with --online --force)`,
    ],
  });
}
