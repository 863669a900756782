// The stand-in's wire behaviour where the driver cannot reach: handshake ranges, Bolt 1.0, malformed
// or out-of-order messages, ROUTE, DISCARD, GOODBYE, and the PackStream codec itself.
import test from 'ava';
import net from 'node:net';
import { once } from 'node:events';
import { StandIn } from './standin.js';
import { FakeEngine } from './protocol-fake-engine.js';
import { bolt, negotiate, supportedVersions, ALL_VERSIONS } from './bolt-handshake.js';
import { Dechunker, PackWriter, Struct, unpack, type PackValue } from './packstream.js';
import { MSG } from './bolt-messages.js';

const slot = (major: number, minor: number, range = 0): number[] => [0, range, minor, major];
const handshake = (...slots: number[][]): Buffer =>
  Buffer.from([0x60, 0x60, 0xb0, 0x17, ...[...slots, [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]].slice(0, 4).flat()]);

test('negotiate follows handshake.hpp: manifest slot skipped, ranges walked down, exact slots, zero ends', (t) => {
  const driver6 = handshake(slot(255, 1), slot(5, 8, 8), slot(4, 4, 2), slot(3, 0));
  t.is(negotiate(driver6, ALL_VERSIONS), bolt(5, 2));
  t.is(negotiate(driver6, supportedVersions('2.8.0')), bolt(4, 3));
  t.is(negotiate(driver6, supportedVersions('3.5.0')), bolt(5, 2));
  t.is(negotiate(driver6, supportedVersions('3.12.0', '4.4')), bolt(4, 4));
  t.is(negotiate(driver6, supportedVersions('2.0.0')), undefined);
  t.is(negotiate(handshake(slot(4, 4, 1)), supportedVersions('2.8.0')), bolt(4, 3), '4.4 with range 1 reaches 4.3');
  t.is(negotiate(handshake(slot(4, 4)), supportedVersions('2.8.0')), undefined, 'no range, no 4.3');
  t.is(negotiate(handshake(slot(0, 0), slot(5, 2)), ALL_VERSIONS), undefined, 'an empty slot ends the scan');
  t.is(negotiate(handshake(slot(1, 0)), ALL_VERSIONS), bolt(1, 0));
  t.deepEqual(supportedVersions('3.5.0'), [bolt(1, 0), bolt(4, 0), bolt(4, 1), bolt(4, 3), bolt(5, 2)]);
});

test('packstream: every int width, sizes past 16/256/65536, structs and nested values survive a round trip', (t) => {
  const values: PackValue[] = [
    null, true, false, 0n, -16n, -17n, 127n, 128n, -128n, -129n, 32767n, -32769n, 2147483648n, -(2n ** 63n), 2n ** 63n - 1n,
    0, -0.5, 1e300, '', 'x'.repeat(15), 'y'.repeat(16), 'z'.repeat(300), 'w'.repeat(70_000),
    Array.from({ length: 20 }, (_, i) => BigInt(i)), new Map([['k', [1n, 'a', null]]]),
    new Map(Array.from({ length: 300 }, (_, i) => [`k${i}`, BigInt(i)] as [string, PackValue])),
    new Struct(0x58, [7203n, 1.5, 2.5]),
  ];
  for (const v of values) {
    const w = new PackWriter();
    w.value(v);
    t.deepEqual(unpack(w.take()), v);
  }
  t.throws(() => new PackWriter().value(2n ** 63n), { instanceOf: RangeError });
  t.throws(() => unpack(Buffer.from([0xd0, 5, 0x61])), { message: /truncated/ });
});

test('chunking: a message over 64 KiB is split and reassembled; NOOP chunks are skipped', (t) => {
  const w = new PackWriter();
  const big = new Struct(MSG.RECORD, [['q'.repeat(200_000)]]);
  w.message(big);
  const bytes = w.take();
  const d = new Dechunker();
  const got: Buffer[] = [];
  got.push(...d.push(Buffer.from([0, 0]))); // NOOP
  for (let i = 0; i < bytes.length; i += 1000) got.push(...d.push(bytes.subarray(i, i + 1000)));
  t.is(got.length, 1);
  t.deepEqual(unpack(got[0]!), big);
});

/** A minimal raw Bolt client for the cases the driver never produces. */
class RawClient {
  private readonly dechunker = new Dechunker();
  private readonly inbox: Struct[] = [];
  private waiting: (() => void) | undefined;
  closed = false;
  versionBytes: Buffer | undefined;
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      if (!this.versionBytes) {
        this.pending = Buffer.concat([this.pending, d]);
        if (this.pending.length < 4) return;
        this.versionBytes = this.pending.subarray(0, 4);
        d = this.pending.subarray(4);
      }
      for (const m of this.dechunker.push(d)) this.inbox.push(unpack(m) as Struct);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async connect(port: number, hs: Buffer): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const c = new RawClient(socket);
    socket.write(hs);
    return c;
  }

  send(sig: number, ...fields: PackValue[]): void {
    const w = new PackWriter();
    w.message(new Struct(sig, fields));
    this.socket.write(w.take());
  }

  /** Next server message, or undefined once the server has closed the connection. */
  async next(): Promise<Struct | undefined> {
    while (this.inbox.length === 0 && !this.closed) await new Promise<void>((r) => (this.waiting = r));
    return this.inbox.shift();
  }
}

async function server(t: import('ava').ExecutionContext, opts: { maxBolt?: string; users?: { user: string; password: string }[] } = {}) {
  const engine = new FakeEngine(opts.users ?? []);
  const s = await StandIn.start({ dataDir: '/unused', engine, ...(opts.maxBolt ? { maxBolt: opts.maxBolt } : {}) });
  t.teardown(() => s.stop());
  return { s, engine };
}

const meta = (entries: Record<string, PackValue>): Map<string, PackValue> => new Map(Object.entries(entries));

test('Bolt 1.0: INIT with auth, RUN/PULL_ALL, failure then ACK_FAILURE', async (t) => {
  const { s } = await server(t);
  const c = await RawClient.connect(s.port, handshake(slot(1, 0)));
  t.teardown(() => c.socket.destroy());
  c.send(MSG.HELLO, 'raw/1.0', meta({ scheme: 'basic', principal: 'u', credentials: 'p' }));
  const init = await c.next();
  t.deepEqual(c.versionBytes, Buffer.from([0, 0, 0, 1]));
  t.is(init?.signature, MSG.SUCCESS);
  c.send(MSG.RUN, 'RETURN $x AS x', meta({ x: 5n }));
  c.send(MSG.PULL);
  t.deepEqual((await c.next())?.fields[0], meta({ fields: ['x'] }));
  t.deepEqual(await c.next(), new Struct(MSG.RECORD, [[5n]]));
  t.is((await c.next())?.signature, MSG.SUCCESS);
  c.send(MSG.RUN, 'NONSENSE', meta({}));
  c.send(MSG.PULL);
  t.is((await c.next())?.signature, MSG.FAILURE);
  t.is((await c.next())?.signature, MSG.IGNORED);
  c.send(MSG.ACK_FAILURE);
  t.is((await c.next())?.signature, MSG.SUCCESS);
  c.send(MSG.RUN, 'RETURN $x AS x', meta({ x: 6n }));
  c.send(MSG.DISCARD);
  t.is((await c.next())?.signature, MSG.SUCCESS);
  t.is((await c.next())?.signature, MSG.SUCCESS, 'DISCARD_ALL sends no records');
});

async function bolt5(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port, handshake(slot(5, 2)));
  c.send(MSG.HELLO, meta({ user_agent: 'raw/5' }));
  c.send(MSG.LOGON, meta({ scheme: 'basic', principal: 'u', credentials: 'p' }));
  await c.next();
  await c.next();
  return c;
}

test('Bolt 5: DISCARD n keeps has_more, ROUTE fails with code 66, GOODBYE closes', async (t) => {
  const { s } = await server(t);
  const c = await bolt5(s.port);
  t.teardown(() => c.socket.destroy());
  c.send(MSG.RUN, 'UNWIND range(1, $n) AS i RETURN i', meta({ n: 5n }), meta({}));
  c.send(MSG.DISCARD, meta({ n: 2n }));
  await c.next();
  const first = (await c.next())!.fields[0] as Map<string, PackValue>;
  t.is(first.get('has_more'), true);
  c.send(MSG.PULL, meta({ n: -1n }));
  t.deepEqual(await c.next(), new Struct(MSG.RECORD, [[3n]]));
  await c.next();
  await c.next();
  const done = (await c.next())!.fields[0] as Map<string, PackValue>;
  t.is(done.get('has_more'), false);
  t.is(done.get('type'), 'rw');
  t.is(done.get('db'), 'memgraph');
  c.send(MSG.ROUTE, meta({}), [], meta({}));
  t.deepEqual((await c.next())?.fields[0], meta({ code: '66', message: 'Route message is not supported in Memgraph!' }));
  c.send(MSG.RESET);
  t.is((await c.next())?.signature, MSG.SUCCESS);
  c.send(MSG.GOODBYE);
  t.is(await c.next(), undefined);
  t.true(c.closed);
});

test('a PULL with no open result gets the invalid-data FAILURE and the connection closes', async (t) => {
  const { s } = await server(t);
  const c = await bolt5(s.port);
  t.teardown(() => c.socket.destroy());
  c.send(MSG.PULL, meta({ n: 10n }));
  t.deepEqual((await c.next())?.fields[0], meta({
    code: 'Memgraph.ExecutionException',
    message: 'Something went wrong while executing the query! Check the server logs for more details.',
  }));
  t.is(await c.next(), undefined);
});

test('LOGOFF returns to the authentication step; a bad LOGON then closes the connection', async (t) => {
  const { s } = await server(t, { users: [{ user: 'u', password: 'p' }] });
  const c = await bolt5(s.port);
  t.teardown(() => c.socket.destroy());
  c.send(MSG.LOGOFF);
  t.is((await c.next())?.signature, MSG.SUCCESS);
  c.send(MSG.LOGON, meta({ scheme: 'basic', principal: 'u', credentials: 'bad' }));
  const f = await c.next();
  t.is((f?.fields[0] as Map<string, PackValue>).get('code'), 'Memgraph.ClientError.Security.Unauthenticated');
  t.is(await c.next(), undefined);
});

test('a client with no common version gets no version bytes back, only a FAILURE and a closed socket', async (t) => {
  const { s } = await server(t, { maxBolt: '4.1' });
  const c = await RawClient.connect(s.port, handshake(slot(5, 8, 8)));
  t.teardown(() => c.socket.destroy());
  if (!c.closed) await once(c.socket, 'close');
  // session.hpp:89-92: the reply is a chunked FAILURE where the version would be (00 len B1 7F ...).
  t.deepEqual(c.versionBytes?.subarray(2, 4), Buffer.from([0xb1, MSG.FAILURE]));
  t.is(s.log.of('out', 'VERSION').length, 0);
});
