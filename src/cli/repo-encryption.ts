// Encrypted repositories on the command line (docs/repository-format.md, "Encryption"): the repository
// group's --encrypt, --recipient, --recipients-file, --passphrase-file and --identity flags turned into an
// EncryptedBackend around the opened backend. Secrets come from files, the environment (MGBACKUP_PASSPHRASE)
// or a prompt on a terminal, never from argv, and are never printed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptBytes, encryptBytes, parseIdentityFile, parseRecipients, parseRecipientsFile } from '../crypto/age-crypto.js';
import { MgBackupError, UsageError, q } from '../errors/errors.js';
import { EncryptedBackend, KEY_FILE_PREFIX, noKey } from '../repo/encrypted-backend.js';
import type { RepoBackend } from '../repo/repo-backend.js';
import { MARKER_KEY, REPO_FORMAT, REPO_FORMAT_VERSION, readRepoFormat, type RepoMarker } from '../repo/repository.js';
import { readPassword } from '../ui/prompt.js';
import type { Args } from './command.js';
import type { CommandContext } from './context.js';
import { mgbackupVersion } from './version.js';

/** The marker's `encryption` field: fingerprints only, never a key. */
export interface EncryptionMarker {
  scheme: 'age';
  /** sha256 (hex) of each recipient string (age1…) every object is encrypted to. */
  recipients: string[];
  /** Passphrase repositories: the clear object holding the repository identity, age-encrypted with the passphrase. */
  keyFile?: string;
}

/** The flags as given: files are read when the repository is opened (openEncryption), with the command's context. */
export interface EncryptionOptions {
  /** --encrypt: create the repository encrypted (and refuse a plain one). */
  encrypt: boolean;
  recipients: string[];
  recipientsFiles: string[];
  identityFiles: string[];
  passphraseFile?: string;
  /** From the environment (MGBACKUP_PASSPHRASE). */
  passphrase?: string;
}

/** What the files held. */
interface Keys {
  encrypt: boolean;
  recipients: string[];
  identities: string[];
  /** The passphrase when one was given without asking (env, file); undefined: prompt on a terminal if needed. */
  passphrase?: string;
}

export const PASSPHRASE_ENV = 'MGBACKUP_PASSPHRASE';
/** scrypt work factor for the key file: age's default. */
const SCRYPT_LOG_N = 18;

export const fingerprint = (recipient: string) => createHash('sha256').update(recipient).digest('hex');

const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter((s) => s !== '');

function readKeyFile(flag: string, file: string, cwd: string, warn: (m: string) => void): string {
  const at = path.resolve(cwd, file);
  try {
    const mode = statSync(at).mode;
    if ((mode & 0o077) !== 0 && flag !== '--recipients-file') {
      warn(`${flag} ${q(file)} can be read by other users or its group (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 ${file}`);
    }
    return readFileSync(at, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new MgBackupError(code === 'ENOENT' ? 'notFound' : 'io', `cannot read ${flag} ${q(file)}: ${code}`, { cause: e });
  }
}

export function encryptionOptionsFrom(args: Args, env: NodeJS.ProcessEnv): EncryptionOptions {
  const pass = env[PASSPHRASE_ENV];
  return {
    encrypt: args.encrypt === true,
    recipients: parseRecipients(list(args.recipient)),
    recipientsFiles: list(args.recipientsFile),
    identityFiles: list(args.identity),
    passphraseFile: list(args.passphraseFile)[0],
    passphrase: pass !== undefined && pass !== '' ? pass : undefined,
  };
}

function readKeys(opts: EncryptionOptions, ctx: CommandContext): Keys {
  const warn = (m: string) => ctx.reporter.warn(m);
  const recipients = [...opts.recipients];
  for (const f of opts.recipientsFiles) recipients.push(...parseRecipientsFile(readKeyFile('--recipients-file', f, ctx.cwd, warn), f));
  const identities: string[] = [];
  for (const f of opts.identityFiles) identities.push(...parseIdentityFile(readKeyFile('--identity', f, ctx.cwd, warn), f));
  let passphrase = opts.passphrase;
  if (opts.passphraseFile !== undefined) {
    passphrase = readKeyFile('--passphrase-file', opts.passphraseFile, ctx.cwd, warn).split(/\r?\n/, 1)[0]!;
    if (passphrase === '') throw new UsageError(`--passphrase-file ${q(opts.passphraseFile)} is empty`, { hints: ['write the passphrase on its first line'] });
  }
  return { encrypt: opts.encrypt, recipients, identities, passphrase };
}

/** The one entry point for repo-access.ts: the backend as is, or wrapped when the repository is (to be) encrypted. */
export async function encryptionFor(args: Args, env: NodeJS.ProcessEnv, backend: RepoBackend, ctx: CommandContext): Promise<RepoBackend> {
  return openEncryption(encryptionOptionsFrom(args, env), backend, ctx);
}

export async function openEncryption(options: EncryptionOptions, backend: RepoBackend, ctx: CommandContext): Promise<RepoBackend> {
  const nothing = !options.encrypt && options.recipients.length + options.recipientsFiles.length + options.identityFiles.length === 0;
  const found = await readRepoFormat(backend);
  const enc = found.version === REPO_FORMAT_VERSION ? (found.marker as RepoMarker & { encryption?: EncryptionMarker }).encryption : undefined;
  if (enc === undefined && nothing) return backend;
  return openKeys(readKeys(options, ctx), backend, ctx);
}

async function openKeys(opts: Keys, backend: RepoBackend, ctx: CommandContext): Promise<RepoBackend> {
  const found = await readRepoFormat(backend);
  const enc = found.version === REPO_FORMAT_VERSION ? (found.marker as RepoMarker & { encryption?: EncryptionMarker }).encryption : undefined;
  if (enc !== undefined) return openEncrypted(opts, backend, enc, ctx);
  if (!opts.encrypt) {
    if (opts.recipients.length > 0) {
      throw new UsageError(`repository ${q(backend.location)} is not encrypted and --recipient was given without --encrypt`, {
        hints: ['add --encrypt to create a new repository encrypted; an existing plain repository stays plain'],
      });
    }
    return backend;
  }
  if (found.version === REPO_FORMAT_VERSION || !found.empty) {
    throw new MgBackupError('refused', `repository ${q(backend.location)} already holds unencrypted data; --encrypt would mix encrypted and plain objects`, {
      hints: ['use a new, empty repository for encrypted backups, or drop --encrypt'],
    });
  }
  return createEncrypted(opts, backend, ctx);
}

async function passphraseOf(opts: Keys, ctx: CommandContext, what: string, confirm: boolean): Promise<string | undefined> {
  if (opts.passphrase !== undefined) return opts.passphrase;
  if (!ctx.stdinIsTTY) return undefined;
  const stderr = ctx.stderr ?? process.stderr;
  const first = await readPassword(ctx.stdin, stderr, true, `passphrase for ${what}: `);
  if (confirm && (await readPassword(ctx.stdin, stderr, true, 'the same passphrase again: ')) !== first) {
    throw new UsageError('the two passphrases differ', { hints: ['run the command again and type the same passphrase twice'] });
  }
  if (first === '') throw new UsageError('the passphrase is empty');
  return first;
}

async function createEncrypted(opts: Keys, backend: RepoBackend, ctx: CommandContext): Promise<RepoBackend> {
  let encryption: EncryptionMarker;
  let identities = opts.identities;
  let recipients = opts.recipients;
  let keyFile: string | undefined;
  if (recipients.length > 0) {
    if (opts.passphrase !== undefined) {
      throw new UsageError('--encrypt takes recipients or a passphrase, not both', {
        hints: [`drop --recipient/--recipients-file, or unset ${PASSPHRASE_ENV} and --passphrase-file`],
      });
    }
    encryption = { scheme: 'age', recipients: [...new Set(recipients)].map(fingerprint) };
    recipients = [...new Set(recipients)];
  } else {
    const passphrase = await passphraseOf(opts, ctx, `the new repository ${q(backend.location)}`, true);
    if (passphrase === undefined) {
      throw new UsageError('--encrypt needs recipients or a passphrase', {
        hints: [`pass --recipient age1… (or --recipients-file FILE), or set ${PASSPHRASE_ENV} / --passphrase-file FILE`],
      });
    }
    // Objects go to a repository key pair; only its identity is wrapped with the (slow, scrypt) passphrase,
    // once, instead of one scrypt run per object.
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    keyFile = `${KEY_FILE_PREFIX}${fingerprint(recipient).slice(0, 16)}.age`;
    const wrapped = await encryptBytes(Buffer.from(`# mgbackup repository key for ${backend.location}\n${identity}\n`),
      { recipients: [], passphrase, scryptLogN: SCRYPT_LOG_N });
    await backend.put(keyFile, wrapped);
    encryption = { scheme: 'age', recipients: [fingerprint(recipient)], keyFile };
    identities = [identity];
    recipients = [recipient];
  }
  const marker = {
    format: REPO_FORMAT, formatVersion: REPO_FORMAT_VERSION, createdAt: ctx.clock.now().toISOString(), mgbackupVersion: mgbackupVersion(), encryption,
  };
  if (!(await backend.putIfAbsent(MARKER_KEY, Buffer.from(JSON.stringify(marker, null, 2) + '\n')))) {
    if (keyFile !== undefined) await backend.delete(keyFile);
    return openKeys(opts, backend, ctx); // another run created the repository meanwhile
  }
  ctx.reporter.info(`repository ${q(backend.location)} created encrypted (${keyFile === undefined ? `${recipients.length} recipient(s)` : 'passphrase'})`);
  return new EncryptedBackend(backend, { recipients, recipientCount: encryption.recipients.length, identities });
}

async function openEncrypted(opts: Keys, backend: RepoBackend, enc: EncryptionMarker, ctx: CommandContext): Promise<RepoBackend> {
  const wanted = new Set(enc.recipients);
  const identities = [...opts.identities];
  const ofIdentities = await Promise.all(identities.map((i) => identityToRecipient(i)));
  if (enc.keyFile !== undefined && !ofIdentities.some((r) => wanted.has(fingerprint(r)))) {
    const passphrase = await passphraseOf(opts, ctx, `repository ${q(backend.location)}`, false);
    if (passphrase !== undefined) {
      const text = await decryptBytes(await backend.getBytes(enc.keyFile), { identities: [], passphrases: [passphrase] },
        `the key file ${q(enc.keyFile)} of repository ${q(backend.location)} (wrong passphrase?)`);
      const key = parseIdentityFile(Buffer.from(text).toString('utf8'), enc.keyFile)[0]!;
      identities.push(key);
      ofIdentities.push(await identityToRecipient(key));
    }
  }
  if (identities.length > 0 && !ofIdentities.some((r) => wanted.has(fingerprint(r)))) {
    throw new MgBackupError('authFailed', `none of the given keys opens repository ${q(backend.location)}`, {
      hints: ['pass the identity file (--identity) or the passphrase the repository was created with'],
    });
  }
  const given = opts.recipients.length > 0 ? [...new Set(opts.recipients)] : [...new Set(ofIdentities)];
  const sameSet = given.length === wanted.size && given.every((r) => wanted.has(fingerprint(r)));
  if (opts.recipients.length > 0 && !sameSet) {
    throw new MgBackupError('refused', `the recipients given are not those of repository ${q(backend.location)}`, {
      hints: [`pass exactly the ${wanted.size} recipient(s) the repository was created with; all its objects are encrypted to the same set`],
    });
  }
  if (identities.length === 0 && !sameSet) throw noKey(backend.location);
  return new EncryptedBackend(backend, { recipients: sameSet ? given : undefined, recipientCount: wanted.size, identities });
}
