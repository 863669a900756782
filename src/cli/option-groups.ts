// Options shared by several commands, in named groups. A command opts into a group by naming it in its
// spec (`groups: ['connection', 'repository']`); the parser adds the group's options before the
// command's own builder runs, so they are shown in that command's --help, accepted by it, and can come
// from the environment and the config file like every other flag. A command that never connects does not
// name 'connection', and `--uri` given to it is an unknown argument (exit 2).
// The 'output' options are global: every command has them (and `mgbackup --help` shows them).
import type { Argv } from 'yargs';

export const DEFAULT_URI = 'bolt://localhost:7687';

/** camelCase -> kebab-case ('dataDir' -> 'data-dir'): option names as typed. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export type OptionGroup = 'connection' | 'repository' | 'metrics';

const CONNECTION = 'Connection:';
const REPOSITORY = 'Repository:';
const MONITORING = 'Monitoring:';
const OUTPUT = 'Output:';

/** How an s3:// repository is reached; credentials come from the SDK's chain (AWS_* env, ~/.aws, roles). */
export const S3_OPTIONS = {
  's3-endpoint': { type: 'string', describe: 'S3-compatible server URL (default: env AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)' },
  's3-path-style': { type: 'boolean', describe: 'path-style bucket addressing (default: on with an endpoint, off for AWS)' },
  's3-region': { type: 'string', describe: 'S3 region (default: env AWS_REGION or the profile\'s)' },
  // Strings, checked by s3SettingsFrom: a message can then quote what was typed ("8MB", "x").
  's3-part-size': { type: 'string', describe: 'S3 part and ranged-GET size, 5MiB..5GiB, e.g. 16MiB (default 8MiB); memory per transfer: about SIZE x (concurrency + 1)' },
  's3-concurrency': { type: 'string', describe: 'S3 parts (upload) or ranges (download) in flight per transfer, 1..64 (default 4 up, 8 down)' },
} as const;

/** The S3 flags for a command with its own --repo option (unlock, convert). */
export function s3Flags(y: Argv): Argv {
  return y
    .option('s3-endpoint', { ...S3_OPTIONS['s3-endpoint'] })
    .option('s3-path-style', { ...S3_OPTIONS['s3-path-style'] })
    .option('s3-region', { ...S3_OPTIONS['s3-region'] })
    .option('s3-part-size', { ...S3_OPTIONS['s3-part-size'] })
    .option('s3-concurrency', { ...S3_OPTIONS['s3-concurrency'] });
}

/** The reading keys for a command with its own --repo option that only reads (convert --to-time). */
export function readKeyFlags(y: Argv): Argv {
  return y
    .option('identity', { type: 'string', array: true, describe: 'age identity FILE (from age-keygen) that opens an encrypted repository; repeatable' })
    .option('passphrase-file', { type: 'string', describe: 'the passphrase of an encrypted repository is FILE\'s first line (else env MGBACKUP_PASSPHRASE, else a prompt)' });
}

const GROUPS: Record<OptionGroup, (y: Argv) => Argv> = {
  connection: (y) => y
    .option('uri', { type: 'string', describe: 'Bolt URI of the server (bolt://, bolt+s://, bolt+ssc://)', default: DEFAULT_URI, group: CONNECTION })
    .option('user', { type: 'string', describe: 'user name (env MEMGRAPH_USER)', group: CONNECTION })
    .option('password', { type: 'string', describe: 'password (env MEMGRAPH_PASSWORD); without a value: prompt', group: CONNECTION })
    .option('password-file', { type: 'string', describe: 'read the password from FILE\'s first line (keep it mode 0600)', group: CONNECTION })
    .option('database', { type: 'string', describe: 'tenant database (default: the server default)', group: CONNECTION }),
  repository: (y) => y
    .option('repo', { type: 'string', describe: 'repository: a folder or s3://BUCKET/PREFIX (env MGBACKUP_REPO)', group: REPOSITORY })
    .option('s3-endpoint', { ...S3_OPTIONS['s3-endpoint'], group: REPOSITORY })
    .option('s3-path-style', { ...S3_OPTIONS['s3-path-style'], group: REPOSITORY })
    .option('s3-region', { ...S3_OPTIONS['s3-region'], group: REPOSITORY })
    .option('s3-part-size', { ...S3_OPTIONS['s3-part-size'], group: REPOSITORY })
    .option('s3-concurrency', { ...S3_OPTIONS['s3-concurrency'], group: REPOSITORY })
    // Encryption (src/cli/repo-encryption.ts). No flag takes a secret itself: passphrases come from
    // MGBACKUP_PASSPHRASE, --passphrase-file or a prompt, identities from files.
    .option('encrypt', { type: 'boolean', describe: 'create the repository encrypted (age); needs --recipient or a passphrase (env MGBACKUP_PASSPHRASE)', group: REPOSITORY })
    .option('recipient', { type: 'string', array: true, describe: 'encrypt to this age public key (age1…); repeatable', group: REPOSITORY })
    .option('recipients-file', { type: 'string', describe: 'encrypt to the age public keys in FILE, one a line', group: REPOSITORY })
    .option('passphrase-file', { type: 'string', describe: 'the repository passphrase is FILE\'s first line (else env MGBACKUP_PASSPHRASE, else a prompt)', group: REPOSITORY })
    .option('identity', { type: 'string', array: true, describe: 'age identity FILE (from age-keygen) that opens an encrypted repository; repeatable', group: REPOSITORY }),
  metrics: (y) => y
    .option('metrics-file', { type: 'string', describe: 'write a Prometheus textfile (node_exporter) to FILE when done', group: MONITORING }),
};

/** Options every command has. `global` keeps them on the top-level help and on every command. */
export function outputOptions(y: Argv): Argv {
  return y
    .option('json', { type: 'boolean', describe: 'machine-readable result on stdout, errors as JSON on stderr', global: true, group: OUTPUT })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'nothing on stderr but errors; stdout only the payload', global: true, group: OUTPUT })
    .option('verbose', { type: 'boolean', describe: 'narrate each step on stderr (ISO timestamps when it is not a terminal)', global: true, group: OUTPUT })
    .option('progress', { type: 'boolean', describe: 'show progress on stderr even when it is not a terminal', global: true, group: OUTPUT })
    .option('log-file', { type: 'string', describe: 'also append every stderr line, timestamped, to FILE (created 0600)', global: true, group: OUTPUT })
    .option('config', { type: 'string', describe: 'JSON config file (default: $MGBACKUP_CONFIG, else XDG config)', global: true, group: OUTPUT });
}

export function withGroups(y: Argv, groups: readonly OptionGroup[] | undefined): Argv {
  for (const g of groups ?? []) y = GROUPS[g](y);
  return y;
}

/** Option names (kebab-case) of the global output group: the keys every config-file section may hold. */
export const OUTPUT_KEYS = ['json', 'quiet', 'verbose', 'progress', 'log-file'] as const;
