// Makes the AWS SDK's own retries visible (--verbose): a middleware placed right after the SDK's retry
// middleware sees every attempt of a request. The retry middleware numbers each attempt in the
// `amz-sdk-request: attempt=N; max=M` header (@smithy/core, retry/index.js: REQUEST_HEADER), so an
// attempt above 1 is a retry, and the failure of the attempt before it (seen here too) is its reason.
// Only the operation, the bucket key, the endpoint and the error's code go into the line: never
// headers or signatures.
import type { S3Client } from '@aws-sdk/client-s3';
import { q } from '../errors/errors.js';
import { httpStatusOf, netCodeOf, sdkNameOf } from './s3-errors.js';

interface Attempt {
  input?: { Bucket?: string; Key?: string };
  request?: { headers?: Record<string, string> };
}

export function addRetryLog(client: S3Client, endpoint: string, log: (message: string) => void): void {
  // Typed by hand (the SDK's middleware types live in @smithy/types, not a dependency of ours).
  const middleware = (next: (args: Attempt) => Promise<unknown>, context: { commandName?: string }) => {
    // One closure per request: the reason and time of its last failed attempt.
    let last: { reason: string; at: number } | undefined;
    return async (args: Attempt) => {
      const headers = args.request?.headers;
      const m = /attempt=(\d+); max=(\d+)/.exec(headers?.['amz-sdk-request'] ?? '');
      if (m !== null && Number(m[1]) > 1 && last !== undefined) {
        const op = (context.commandName ?? 'request').replace(/Command$/, '');
        const what = args.input?.Key !== undefined ? ` of ${q(args.input.Key)}` : args.input?.Bucket !== undefined ? ` on bucket ${q(args.input.Bucket)}` : '';
        const waited = ((Date.now() - last.at) / 1000).toFixed(1);
        log(`retrying S3 ${op}${what} at ${q(endpoint)} (${last.reason}): attempt ${m[1]} of ${m[2]} after ${waited} s`);
      }
      try {
        return await next(args);
      } catch (err) {
        const status = httpStatusOf(err);
        last = { reason: netCodeOf(err) ?? sdkNameOf(err) ?? (status === undefined ? 'error' : `HTTP ${status}`), at: Date.now() };
        throw err;
      }
    };
  };
  client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'mgbackupRetryLog', override: true });
}
