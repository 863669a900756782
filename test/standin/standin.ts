// Test support only, never shipped: the assembled stand-in server that mgbackup's tests talk to
// instead of a real graph database. It owns the Bolt protocol half (bolt-server.ts and friends), the
// fault switches, and wiring to the query engine (engine/, created through engine/engine.js).
import type { Engine } from './engine-api.js';
import { BoltServer } from './bolt-server.js';
import { Faults } from './faults.js';
import type { MessageLog } from './bolt-messages.js';
import { boltName } from './bolt-handshake.js';
import { createEngine } from './engine/engine.js';
import { logQueries } from './query-log.js';

/** What the stand-in needs from the engine beyond the Engine seam. */
export interface EngineControls {
  /** Recover from the data directory again; clears the data-directory lock as a real restart does. */
  restart(opts?: { crash?: boolean }): void | Promise<void>;
  /** Make CREATE SNAPSHOT meet "Another snapshot creation is already in progress"; returns the file path. */
  beginPeriodicSnapshot(database?: string): string;
  endPeriodicSnapshot(database?: string): string | undefined;
  /** The release the engine imitates (engine/server-version.ts). */
  readonly version?: { readonly text: string };
}

export interface StandInOptions {
  dataDir: string;
  /** Basic-auth users; none = every credential is accepted. */
  users?: { user: string; password: string }[];
  /** The release to imitate (engine behaviour and Bolt versions), e.g. "2.8.0". */
  version?: string;
  /** Cap the offered Bolt version, e.g. "4.4". */
  maxBolt?: string;
  port?: number;
  name?: string;
  /** Further options handed to createEngine unchanged (retention, databases, ...). */
  engineOptions?: Record<string, unknown>;
  /** Append every query received to this file as JSON lines (query-log.ts). */
  queryLog?: string;
  /** Use this engine instead of creating one (protocol tests use a small fake). */
  engine?: Engine & Partial<EngineControls>;
}

export class StandIn {
  private stopped = false;

  private constructor(
    private readonly server: BoltServer,
    readonly engine: Engine & Partial<EngineControls>,
    private readonly closeLog: (() => void) | undefined,
  ) {}

  static async start(opts: StandInOptions): Promise<StandIn> {
    const engine = opts.engine ?? await createEngine({
      ...opts.engineOptions,
      dataDir: opts.dataDir,
      users: opts.users ?? [],
      ...(opts.version === undefined ? {} : { version: opts.version }),
    });
    const closeLog = opts.queryLog === undefined ? undefined : logQueries(engine, opts.queryLog);
    // Bolt versions follow the imitated release; the engine knows its default one.
    const version = opts.version ?? engine.version?.text;
    const server = await BoltServer.listen({
      engine,
      port: opts.port ?? 0,
      faults: new Faults(),
      ...(version === undefined ? {} : { version }),
      ...(opts.maxBolt === undefined ? {} : { maxBolt: opts.maxBolt }),
      ...(opts.name === undefined ? {} : { name: opts.name }),
    });
    return new StandIn(server, engine, closeLog);
  }

  get port(): number {
    return this.server.port;
  }

  get uri(): string {
    return `bolt://127.0.0.1:${this.server.port}`;
  }

  get faults(): Faults {
    return this.server.faults;
  }

  /** Messages seen on the wire (bounded); tests read it to check PULL sizes and the like. */
  get log(): MessageLog {
    return this.server.log;
  }

  /** Bolt versions this instance accepts, e.g. ["1.0", "4.0", "4.1", "4.3"]. */
  get boltVersions(): string[] {
    return this.server.versions.map(boltName);
  }

  get connectionCount(): number {
    return this.server.connectionCount;
  }

  /** Like a server restart: every connection is cut, then the engine recovers and forgets its lock
   *  (`crash`: without the clean-shutdown steps). */
  async restart(opts: { crash?: boolean } = {}): Promise<void> {
    this.server.closeAllConnections();
    await this.control('restart')(opts);
  }

  /** A periodic snapshot starts running concurrently (until endPeriodicSnapshot); returns its file. */
  beginPeriodicSnapshot(database?: string): string {
    return this.control('beginPeriodicSnapshot')(database);
  }

  endPeriodicSnapshot(database?: string): string | undefined {
    return this.control('endPeriodicSnapshot')(database);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.server.close();
    this.closeLog?.();
    const close = (this.engine as { close?: () => unknown }).close;
    if (typeof close === 'function') await close.call(this.engine);
  }

  private control<K extends 'restart' | 'beginPeriodicSnapshot' | 'endPeriodicSnapshot'>(name: K): EngineControls[K] {
    const fn = this.engine[name];
    if (typeof fn !== 'function') throw new Error(`the stand-in engine has no ${name}()`);
    return fn.bind(this.engine) as EngineControls[K];
  }
}
