// Tenant directories: databases/<uuid>/ per registered database, a registry that keeps the UUIDs across
// restarts (records shaped like Memgraph's RocksDB ones), and the databases/memgraph/ compatibility symlinks.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_DATABASE = 'memgraph';

/** Memgraph's registry is a RocksDB store in databases/.durability/ (dbms_handler.cpp:217) holding
 *  key `database:<name>` -> nlohmann JSON {"rel_dir":"databases/<uuid>","uuid":"<uuid>"} (GenKey/GenVal,
 *  dbms_handler.cpp:46, 112-119; keys sorted as json.dump() writes them). The stand-in keeps the same
 *  records in one file shaped like a RocksDB write-ahead log record (WriteBatch: 8-byte sequence, 4-byte
 *  count, then per entry type 0x01, varint key length, key, varint value length, value), which is what
 *  mgbackup's offline scan (src/core/restore/tenant.ts) meets in a real 000NNN.log. Not imitated: the
 *  log block header's CRC32C, MANIFEST/CURRENT/OPTIONS files and flushed .sst tables, so RocksDB itself
 *  could not open it. Unregistered directories under databases/ are removed at start
 *  (dbms_handler.cpp:335-356); databases/memgraph/ holds relative symlinks to the root's directories
 *  (dbms_handler.hpp:995-1050). */
export const REGISTRY_FILE = '000003.log';

const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};

export function encodeRegistry(reg: Record<string, string>): Buffer {
  const names = Object.keys(reg).sort();
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(1n, 0);
  head.writeUInt32LE(names.length, 8);
  const parts: Buffer[] = [head];
  for (const n of names) {
    const key = Buffer.from(`database:${n}`, 'utf8');
    const val = Buffer.from(JSON.stringify({ rel_dir: `databases/${reg[n]}`, uuid: reg[n] }), 'utf8');
    parts.push(Buffer.from([0x01]), varint(key.length), key, varint(val.length), val);
  }
  return Buffer.concat(parts);
}

export function decodeRegistry(buf: Buffer): Record<string, string> {
  const reg: Record<string, string> = {};
  let at = 12;
  const readVarint = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[at++]!;
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return n;
    }
  };
  while (at < buf.length && buf[at] === 0x01) {
    at += 1;
    const klen = readVarint();
    const key = buf.toString('utf8', at, at + klen);
    at += klen;
    const vlen = readVarint();
    const val = JSON.parse(buf.toString('utf8', at, at + vlen)) as { uuid: string };
    at += vlen;
    reg[key.slice('database:'.length)] = val.uuid;
  }
  return reg;
}

export function registerTenants(root: string, names: string[], log: (l: string) => void): Map<string, string> {
  const dbDir = path.join(root, 'databases');
  const regFile = path.join(dbDir, '.durability', REGISTRY_FILE);
  let reg: Record<string, string> = {};
  try {
    reg = decodeRegistry(fs.readFileSync(regFile));
  } catch {
    reg = {};
  }
  for (const n of names) reg[n] ??= randomUUID();
  for (const n of Object.keys(reg)) if (!names.includes(n)) delete reg[n];
  fs.mkdirSync(path.dirname(regFile), { recursive: true });
  fs.writeFileSync(regFile, encodeRegistry(reg));
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
