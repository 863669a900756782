// The TCP connection between mgbackup (the built CLI) and the stand-in (its own process) cut by a
// loopback proxy during each query of create: "before" drops the query on the way (the server never
// runs it), "after" lets the server run it and loses the answer. The lost answer to LOCK is issue 9's
// item 1: the server is locked and mgbackup does not know it; it must find out and unlock.
import test from 'ava';
import { boltString, TcpProxy } from '../helpers/tcp-proxy.js';
import { caseDirs, checkAfterFault, createArgs, limiter, seed, startCli, startStandIn } from './harness.js';

const one = limiter(2);

interface Cut {
  query: string;
  nth: number;
  /** Exit code of the cut run: a cut before the lock fails the run; the lock's own queries are retried. */
  code: { before: number; after: number };
}

const CUTS: Cut[] = [
  { query: 'SHOW STORAGE INFO ON CURRENT DATABASE', nth: 1, code: { before: 10, after: 10 } },
  // The status check under the lease is read again on a fresh connection.
  { query: 'DATA DIRECTORY LOCK STATUS', nth: 2, code: { before: 0, after: 0 } },
  { query: 'CREATE SNAPSHOT', nth: 1, code: { before: 10, after: 10 } },
  { query: 'LOCK DATA DIRECTORY', nth: 1, code: { before: 10, after: 10 } },
  // UNLOCK is retried on a fresh connection (the answer "already unlocked" is fine too).
  { query: 'UNLOCK DATA DIRECTORY', nth: 1, code: { before: 0, after: 0 } },
];

for (const cut of CUTS) {
  for (const when of ['before', 'after'] as const) {
    test(`connection cut ${when} the server runs ${cut.query}${cut.nth > 1 ? ` (#${cut.nth})` : ''}`, (t) => one(async () => {
      const dirs = caseDirs(t);
      const s = await startStandIn(t, dirs);
      await seed(s.uri);
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: s.port }, { pattern: boltString(cut.query), nth: cut.nth, when });
      t.teardown(() => proxy.close());
      const r = await startCli(createArgs(proxy.uri, dirs)).result;
      t.true(proxy.cut, 'the proxy cut the connection');
      t.is(r.code, cut.code[when], r.stderr);
      if (cut.code[when] === 10) {
        t.regex(r.stderr, new RegExp(`^mgbackup: error: connection lost while running "${cut.query}"`, 'm'));
      }
      // The run is over and could clean up: unlocked, no lease, no staging, no pins.
      await checkAfterFault(t, s.uri, dirs);
    }));
  }
}
