// `mgbackup info`: the connection check operators run first. Prints what the server is and whether
// its data directory is locked. The pattern every command follows: flags -> InfoOptions -> runInfo.
import { defineCommand, connectionFrom, globalOptionsFrom } from '../command.js';
import type { CommandContext } from '../context.js';
import type { ConnectionOptions } from '../../bolt/graph-client.js';
import { readServerFacts, type ServerFacts } from '../../bolt/server-facts.js';

export interface InfoOptions {
  connection: ConnectionOptions;
  json: boolean;
}

export function renderInfoText(uri: string, f: ServerFacts): string {
  const show = (v: unknown) => (v === undefined ? 'unknown' : String(v));
  const rows: [string, string][] = [
    ['server', uri],
    ['version', f.version],
    ['role', f.role],
    ['storage mode', show(f.storageMode)],
    ['database', show(f.databaseName)],
    ['database uuid', show(f.databaseUuid)],
    ['vertices', show(f.vertexCount)],
    ['edges', show(f.edgeCount)],
    ['data directory lock', f.lockStatus],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}

/** docs/json.md "info": counts are `vertices`/`edges` as in every other object; unknown is null. */
export function infoJson(uri: string, f: ServerFacts): Record<string, unknown> {
  return {
    type: 'info', uri, version: f.version, role: f.role, storageMode: f.storageMode ?? null,
    database: f.databaseName ?? null, databaseUuid: f.databaseUuid ?? null,
    vertices: f.vertexCount ?? null, edges: f.edgeCount ?? null, lockStatus: f.lockStatus,
  };
}

export async function runInfo(opts: InfoOptions, ctx: CommandContext): Promise<void> {
  const client = await ctx.connect(opts.connection);
  try {
    const facts = await readServerFacts(client);
    ctx.stdout.write(opts.json ? JSON.stringify(infoJson(opts.connection.uri, facts)) + '\n' : renderInfoText(opts.connection.uri, facts));
  } finally {
    await client.close();
  }
}

export const infoCommand = defineCommand<InfoOptions>({
  command: 'info',
  describe: 'show the server version, role, storage mode, counts and data-directory lock status',
  groups: ['connection'],
  examples: [
    ['mgbackup info', 'check the server at bolt://localhost:7687'],
    ['MEMGRAPH_PASSWORD=... mgbackup info --uri bolt+s://db:7687 --user admin', 'a TLS server with a login'],
    ['mgbackup info --json', 'the same as one JSON object'],
  ],
  toOptions: (args, env) => ({ connection: connectionFrom(args, env), json: globalOptionsFrom(args).json }),
  run: runInfo,
});
