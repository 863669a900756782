// Test support: an age key pair made by the real `age-keygen` (installed by scripts/ensure-tools.sh), so
// the keys our code reads are the ones operators make, not ones our own code produced.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface AgeKey {
  /** The identity file (AGE-SECRET-KEY-1…), mode 0600. */
  file: string;
  /** The identity line itself. */
  identity: string;
  /** Its public key, age1…. */
  recipient: string;
}

export function ageKeygen(dir: string, name = 'key.txt'): AgeKey {
  const file = path.join(dir, name);
  const r = spawnSync('age-keygen', ['-o', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  const text = fs.readFileSync(file, 'utf8');
  const identity = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  const recipient = /public key: (age1\S+)/.exec(text)![1]!;
  return { file, identity, recipient };
}

/** `age -d -i identityFile file`: the plaintext, or undefined when age refuses (wrong key, damage). */
export function ageDecrypt(identityFile: string, file: string): Buffer | undefined {
  const r = spawnSync('age', ['-d', '-i', identityFile, file], { maxBuffer: 1 << 30 });
  return r.status === 0 ? r.stdout : undefined;
}
