// Test support only. The stand-in's Bolt listener: accepts connections on 127.0.0.1 and gives each a
// BoltConnection (the protocol state machine) bound to the shared engine, faults and message log.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Engine } from './engine-api.js';
import { BoltConnection } from './bolt-connection.js';
import { supportedVersions, type BoltVersion } from './bolt-handshake.js';
import { Faults } from './faults.js';
import { MessageLog } from './bolt-messages.js';

export interface BoltServerOptions {
  engine: Engine;
  /** 0 or absent = a free port chosen by the OS. */
  port?: number;
  host?: string;
  /** Memgraph release to imitate for Bolt version support (e.g. "2.8.0" accepts at most 4.3). */
  version?: string;
  /** Cap on the Bolt version offered, e.g. "4.4", to emulate an older server. */
  maxBolt?: string;
  /** Shown after the "Neo4j/v5.11.0 compatible graph database server - " prefix. */
  name?: string;
  faults?: Faults;
}

export class BoltServer {
  readonly faults: Faults;
  readonly log = new MessageLog();
  readonly versions: readonly BoltVersion[];
  private readonly connections = new Set<BoltConnection>();
  private nextId = 1;

  private constructor(private readonly server: net.Server, readonly port: number, versions: BoltVersion[], faults: Faults) {
    this.versions = versions;
    this.faults = faults;
  }

  static async listen(opts: BoltServerOptions): Promise<BoltServer> {
    const faults = opts.faults ?? new Faults();
    const versions = supportedVersions(opts.version, opts.maxBolt);
    // run_time_configurable.cpp:59: Memgraph's agent string, with the stand-in's own name at the end.
    const serverAgent = `Neo4j/v5.11.0 compatible graph database server - ${opts.name ?? 'mgbackup stand-in'}`;
    const runId = randomUUID();
    let self: BoltServer | undefined;
    const server = net.createServer((socket) => {
      if (!self) return socket.destroy();
      const s = self;
      const conn = new BoltConnection(s.nextId++, socket, {
        engine: opts.engine,
        faults,
        versions,
        serverAgent,
        runId,
        log: (e) => s.log.push(e),
      });
      s.connections.add(conn);
      socket.on('close', () => s.connections.delete(conn));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    self = new BoltServer(server, port, versions, faults);
    return self;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Cuts every open connection, as a server restart does. */
  closeAllConnections(): void {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeAllConnections();
    await closed;
  }
}
