// Test support: a loopback TCP proxy that forwards bytes both ways and can cut the connection at an
// exact point of the client's byte stream: when a pattern (e.g. a Bolt string holding a query) shows
// up for the Nth time, either before forwarding it (the server never sees the query) or after (the
// server runs it, the answer is lost). Every connection of that moment is cut, as a broken network
// would; connections opened afterwards are forwarded normally (the rule fires once).
import net from 'node:net';

export interface CutRule {
  pattern: Buffer;
  /** Which occurrence, counted over all connections (1 = the first). */
  nth?: number;
  /** before: drop the bytes and cut; after: forward them, then cut both sides. */
  when: 'before' | 'after';
}

/** Holds the server's answers on the connection that sent the Nth occurrence of a pattern. */
export interface HoldRule {
  pattern: Buffer;
  nth: number;
  ms: number;
}

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private seen = 0;
  private rule: CutRule | undefined;
  private holds: (HoldRule & { seen: number })[] = [];
  private readonly releasers = new Set<() => void>();
  /** Set once the rule has fired. */
  cut = false;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(target: { host: string; port: number }, rule?: CutRule): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer((client) => proxy.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    proxy.rule = rule;
    return proxy;
  }

  /** Adds a hold: answers on that connection are delayed by `ms` (Infinity: until release()). */
  hold(rule: HoldRule): this {
    this.holds.push({ ...rule, seen: 0 });
    return this;
  }

  get uri(): string {
    return `bolt://127.0.0.1:${this.port}`;
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    const upstream = net.connect(target.port, target.host);
    this.sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // Patterns may straddle TCP segments: keep a tail as long as the pattern to search across them.
    let tail = Buffer.alloc(0);
    let doomed = false;
    let heldUntil = 0;
    let pending: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      for (const h of this.holds) {
        if (chunk.includes(h.pattern) && ++h.seen === h.nth) heldUntil = Date.now() + h.ms;
      }
      const rule = this.rule;
      if (rule && !this.cut) {
        const hay = Buffer.concat([tail, chunk]);
        let from = 0;
        for (;;) {
          const at = hay.indexOf(rule.pattern, from);
          if (at < 0 || at + rule.pattern.length <= tail.length) {
            if (at < 0) break;
            from = at + 1;
            continue;
          }
          this.seen += 1;
          if (this.seen === (rule.nth ?? 1)) {
            this.cut = true;
            doomed = true;
            if (rule.when === 'after') upstream.write(chunk, () => setTimeout(() => this.cutAll(), 50));
            else this.cutAll();
            return;
          }
          from = at + 1;
        }
        tail = hay.subarray(Math.max(0, hay.length - rule.pattern.length + 1));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // After the cut point the answer is lost: nothing more reaches the client on this connection.
      if (doomed) return;
      const wait = heldUntil - Date.now();
      if (wait > 0 || pending.length > 0) {
        pending.push(chunk);
        if (pending.length === 1) {
          const flush = () => {
            this.releasers.delete(flush);
            for (const c of pending) if (!client.destroyed) client.write(c);
            pending = [];
            heldUntil = 0;
          };
          this.releasers.add(flush);
          // An infinite hold waits for release(); a finite one ends by itself.
          if (Number.isFinite(wait)) setTimeout(flush, Math.max(wait, 0));
        }
        return;
      }
      client.write(chunk);
    });
  }

  /** Ends every hold now (answers held so far are delivered in order). */
  release(): void {
    for (const r of [...this.releasers]) r();
  }

  /** Cuts every open connection now (RST, like a dead network path). */
  cutAll(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A Bolt string as it appears on the wire inside a RUN message (packstream string marker + bytes). */
export function boltString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const n = bytes.length;
  const head = n < 16 ? Buffer.from([0x80 | n]) : n < 256 ? Buffer.from([0xd0, n]) : Buffer.from([0xd1, n >> 8, n & 0xff]);
  return Buffer.concat([head, bytes]);
}
