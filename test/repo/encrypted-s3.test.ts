// The encrypting decorator over the real S3 server (test/helpers/s3-server.ts): the storage contract,
// including ranged gets that seek by chunk over HTTP Range requests.
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { EncryptedBackend } from '../../src/repo/encrypted-backend.js';
import { freshBucket } from '../helpers/s3-server.js';
import { backendContract } from './backend.contract.js';

const identity = await generateX25519Identity();
const keys = { recipients: [await identityToRecipient(identity)], recipientCount: 1, identities: [identity] };

backendContract(test, 'encrypted over s3', async () => {
  const b = await freshBucket();
  return { backend: new EncryptedBackend(b.backend, keys), cleanup: b.cleanup };
});

test('encrypted over s3: ranged gets across 64 KiB chunks of a multi-chunk object', async (t) => {
  const b = await freshBucket();
  t.teardown(b.cleanup);
  const enc = new EncryptedBackend(b.backend, keys);
  const data = randomBytes(400_000);
  await enc.put('big/obj', data);
  t.is((await enc.stat('big/obj'))?.size, data.length);
  for (const [start, end] of [[65_530, 65_540], [100_000, 300_000], [393_215, 400_000]] as const) {
    const chunks: Buffer[] = [];
    for await (const c of await enc.get('big/obj', { start, end })) chunks.push(c as Buffer);
    t.true(Buffer.concat(chunks).equals(data.subarray(start, end)), `${start}-${end}`);
  }
});
