// Test support only: runs the stand-in in the foreground for manual tries and for tools that need
// a server process (`npm run standin -- --port P --data-dir D [--user U --password W] [--version X.Y.Z] [--query-log FILE] [--wal-file-size-kib N] [--tenant NAME]...`).
// --version 3.13.0 or later writes durability v37 (global indices); --query-log appends every query
// received as one JSON line {"query":…,"parameters":…} (query-log.ts).
import { parseArgs } from 'node:util';
import { StandIn } from './standin.js';
import { holdDirLock } from './dir-lock-holder.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7687' },
      'data-dir': { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      version: { type: 'string' },
      'max-bolt': { type: 'string' },
      'query-log': { type: 'string' },
      'wal-file-size-kib': { type: 'string' },
      tenant: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${JSON.stringify(values.port)} is not a port number`);
  if ((values.user === undefined) !== (values.password === undefined)) throw new Error('--user and --password go together');
  const standin = await StandIn.start({
    dataDir,
    port,
    ...(values.user === undefined ? {} : { users: [{ user: values.user, password: values.password! }] }),
    ...(values.version === undefined ? {} : { version: values.version }),
    ...(values['max-bolt'] === undefined ? {} : { maxBolt: values['max-bolt'] }),
    ...(values['query-log'] === undefined ? {} : { queryLog: values['query-log'] }),
    // --storage-wal-file-size-kib: small values make the stand-in finalize WAL files often (watch tests).
    engineOptions: {
      ...(values['wal-file-size-kib'] === undefined ? {} : { walFileSizeKib: Number(values['wal-file-size-kib']) }),
      // Tenant databases besides `memgraph`, each under databases/<uuid>/ (multi-tenant Enterprise).
      ...(values.tenant === undefined ? {} : { databases: values.tenant }),
    },
  });
  // As Memgraph: an fcntl write lock on <data-dir>/.lock while the process runs.
  const dirLock = await holdDirLock(dataDir).catch(async (err: unknown) => {
    await standin.stop();
    throw err;
  });
  process.stderr.write(`stand-in listening on ${standin.uri}\n`);
  const stop = (): void => {
    standin.stop().then(() => dirLock.release()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`stand-in: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
