// The AWS SDK's retries as the operator sees them, through the built CLI: an endpoint that is down
// (a closed port) gives exit 10 after the SDK's bounded attempts, each retry told on stderr with
// --verbose and none without; a connection reset once by the fault proxy (a real TCP reset through
// test/helpers/tcp-proxy.ts) is retried by the SDK, told, and the command succeeds. No secret shows.
import test from 'ava';
import net from 'node:net';
import { runCli } from '../helpers/run-cli.js';
import { cliEnv, freshBucket, s3TestServer, type S3TestServer } from '../helpers/s3-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/** The CLI's environment for the test server: AWS_* only (never the caller's real credentials). */
function s3Env(s: S3TestServer, endpoint: string): NodeJS.ProcessEnv {
  return cliEnv(s, { AWS_ENDPOINT_URL: endpoint });
}

/** A port that was just free: nothing listens there. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** stderr lines without the ISO timestamp --verbose puts in front when stderr is not a terminal. */
const lines = (stderr: string) => stderr.trimEnd().split('\n').map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''));

test('endpoint down: exit 10 after the SDK\'s 3 attempts, each retry on stderr with --verbose, none without', async (t) => {
  const s = await s3TestServer();
  const port = await closedPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['list', '--repo', 's3://mgb-down-bucket/repo'];
  const verbose = await runCli([...args, '--verbose'], { env: s3Env(s, endpoint) });
  t.is(verbose.code, 10, verbose.stderr);
  t.is(verbose.stdout, '');
  const retry = (n: number) => new RegExp(`^retrying S3 HeadBucket on bucket "mgb-down-bucket" at "http://127\\.0\\.0\\.1:${port}" \\(ECONNREFUSED\\): attempt ${n} of 3 after \\d+\\.\\d s$`);
  const got = lines(verbose.stderr);
  t.is(got.length, 4, verbose.stderr);
  t.regex(got[0]!, retry(2));
  t.regex(got[1]!, retry(3));
  t.is(got[2], `mgbackup: error: cannot reach the S3 endpoint "${endpoint}" (ECONNREFUSED) to open bucket "mgb-down-bucket"`);
  t.is(got[3], 'hint: check --s3-endpoint or AWS_ENDPOINT_URL, and that the server is running and reachable');
  t.false(verbose.stderr.includes(s.secretAccessKey));

  const quiet = await runCli(args, { env: s3Env(s, endpoint) });
  t.is(quiet.code, 10, quiet.stderr);
  t.false(quiet.stderr.includes('retrying'), quiet.stderr);
  t.true(quiet.stderr.startsWith(`mgbackup: error: cannot reach the S3 endpoint "${endpoint}" (ECONNREFUSED)`), quiet.stderr);
});

test('a connection reset by the fault proxy: the SDK retries (told with --verbose) and the command succeeds', async (t) => {
  const b = await freshBucket();
  t.teardown(() => b.cleanup());
  const url = new URL(b.server.endpoint);
  // The first request (HeadBucket, the bucket check) is reset before the server sees it.
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) }, { pattern: Buffer.from('HEAD /'), when: 'before' });
  t.teardown(() => proxy.close());
  const endpoint = `http://127.0.0.1:${proxy.port}`;
  const r = await runCli(['list', '--repo', `s3://${b.bucket}/repo`, '--verbose'], { env: s3Env(b.server, endpoint) });
  t.true(proxy.cut, 'the proxy reset a connection');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'no backups\n');
  const got = lines(r.stderr);
  t.is(got.filter((l) => l.startsWith('retrying')).length, 1, r.stderr);
  t.regex(got.find((l) => l.startsWith('retrying'))!,
    new RegExp(`^retrying S3 HeadBucket on bucket "${b.bucket}" at "http://127\\.0\\.0\\.1:${proxy.port}" \\((ECONNRESET|EPIPE)\\): attempt 2 of 3 after \\d+\\.\\d s$`));
  t.false(r.stderr.includes(b.server.secretAccessKey));
});
