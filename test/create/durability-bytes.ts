// Test support: minimal but well-formed snapshot and WAL headers in Memgraph's v36 layout
// (memgraph-semantics §3.2), so create/verify can be exercised without fixtures or a server.
const int = (v: bigint) => {
  const b = Buffer.alloc(9);
  b[0] = 0x12;
  b.writeBigUInt64LE(v, 1);
  return b;
};
const str = (s: string) => {
  const b = Buffer.alloc(9);
  b[0] = 0x14;
  b.writeBigUInt64LE(BigInt(Buffer.byteLength(s)), 1);
  return Buffer.concat([b, Buffer.from(s)]);
};
const head = (magic: string, version: number) => {
  const b = Buffer.alloc(12);
  b.write(magic, 0, 'latin1');
  b.writeBigUInt64LE(BigInt(version), 4);
  return b;
};

export function snapshotBytes(opts: { uuid: string; durableTs: bigint; version?: number; body?: Buffer; vertices?: bigint; edges?: bigint }): Buffer {
  const version = opts.version ?? 36;
  const body = opts.body ?? Buffer.from('snapshot-body');
  const offsetsLen = 1 + 13 * 9;
  const metaOffset = 12 + offsetsLen + body.length;
  const offsets = [0x42, ...Array.from({ length: 13 }, () => 0)];
  const table = Buffer.concat([Buffer.from([0x42]), ...Array.from({ length: 13 }, (_, i) => int(i === 8 ? BigInt(metaOffset) : 1n))]);
  void offsets;
  const meta = Buffer.concat([
    Buffer.from([0x23]), str(opts.uuid), str('epoch-1'), int(opts.durableTs), int(opts.durableTs),
    int(opts.edges ?? 0n), int(opts.vertices ?? 0n), int(0n),
  ]);
  return Buffer.concat([head('MGsn', version), table, body, meta]);
}

export function walBytes(opts: { uuid: string; seq: bigint; version?: number; body?: Buffer }): Buffer {
  const version = opts.version ?? 36;
  const table = Buffer.concat([Buffer.from([0x42]), int(31n), int(200n)]);
  const meta = Buffer.concat([Buffer.from([0x23]), str(opts.uuid), str('epoch-1'), int(opts.seq)]);
  return Buffer.concat([head('MGwl', version), table, meta, opts.body ?? Buffer.from('wal-deltas;')]);
}
