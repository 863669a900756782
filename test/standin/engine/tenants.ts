// Tenant directories: databases/<uuid>/ per registered database, a registry that keeps the UUIDs across
// restarts, and the databases/memgraph/ compatibility symlinks.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_DATABASE = 'memgraph';

/** Tenants keep their directory across restarts through a registry, as Memgraph's databases/.durability
 *  does (dbms_handler.cpp:217); unregistered directories under databases/ are removed at start
 *  (dbms_handler.cpp:335-356); databases/memgraph/ holds relative symlinks to the root's directories
 *  (dbms_handler.hpp:995-1050). */
export function registerTenants(root: string, names: string[], log: (l: string) => void): Map<string, string> {
  const dbDir = path.join(root, 'databases');
  const regFile = path.join(dbDir, '.durability', 'standin-registry.json');
  let reg: Record<string, string> = {};
  try {
    reg = JSON.parse(fs.readFileSync(regFile, 'utf8')) as Record<string, string>;
  } catch {
    reg = {};
  }
  for (const n of names) reg[n] ??= randomUUID();
  for (const n of Object.keys(reg)) if (!names.includes(n)) delete reg[n];
  fs.mkdirSync(path.dirname(regFile), { recursive: true });
  fs.writeFileSync(regFile, JSON.stringify(reg));
  const keep = new Set([DEFAULT_DATABASE, ...Object.values(reg)]);
  for (const entry of fs.readdirSync(dbDir)) {
    if (entry.startsWith('.') || keep.has(entry)) continue;
    log(`Removing unregistered database directory ${path.join(dbDir, entry)}`);
    fs.rmSync(path.join(dbDir, entry), { recursive: true, force: true });
  }
  const main = path.join(dbDir, DEFAULT_DATABASE);
  fs.mkdirSync(main, { recursive: true });
  for (const d of ['snapshots', 'wal']) {
    const link = path.join(main, d);
    fs.mkdirSync(path.join(root, d), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(path.join('..', '..', d), link, 'dir');
  }
  const out = new Map<string, string>();
  for (const n of names) out.set(n, path.join(dbDir, reg[n]!));
  return out;
}
