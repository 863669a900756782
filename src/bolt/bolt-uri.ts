// The --uri value: checked before anything connects (a wrong URI is a usage error, exit 2), split into
// the address the driver gets and the credentials it may carry, and redacted wherever it is printed.
// No imports of the driver here: command files use this while parsing flags.
import { UsageError, q } from '../errors/errors.js';

const ALLOWED_SCHEMES = new Set(['bolt:', 'bolt+s:', 'bolt+ssc:']);
const FORM_HINT = 'use the form bolt://host:7687 (or bolt+s://, bolt+ssc://)';

export interface BoltUri {
  /** scheme://host[:port], without credentials, path or query: what the driver gets and what is shown. */
  address: string;
  user?: string;
  password?: string;
}

/** Replaces the password of every URI in the text: `bolt://admin:S3cret@host` -> `bolt://admin:***@host`. */
export function redactUris(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/@"'`]*)@/g, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
  });
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseBoltUri(uri: string): BoltUri {
  const shown = redactUris(uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UsageError(`invalid --uri ${q(shown)}`, { hints: [FORM_HINT] });
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) {
    const hint = url.protocol.startsWith('neo4j')
      ? 'Memgraph outside a cluster refuses routing: use bolt:// instead of neo4j://'
      : 'use bolt://, bolt+s:// or bolt+ssc://';
    throw new UsageError(`unsupported scheme in --uri ${q(shown)}`, { hints: [hint] });
  }
  if (url.hostname === '') throw new UsageError(`--uri ${q(shown)} names no host`, { hints: [FORM_HINT] });
  if (url.port === '0') {
    throw new UsageError(`invalid port 0 in --uri ${q(shown)}`, { hints: ['give the Bolt port Memgraph listens on (7687 by default), or leave the port out'] });
  }
  // A path, query or fragment means nothing to Bolt; it is usually a database name or option put in
  // the wrong place, and the driver would fail later with a confusing server error.
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new UsageError(`--uri ${q(shown)} has a path or query, which bolt does not use`, {
      hints: ['give only scheme://host:port; choose the database with --database'],
    });
  }
  const out: BoltUri = { address: `${url.protocol}//${url.host}` };
  if (url.username !== '') out.user = decode(url.username);
  if (url.password !== '') out.password = decode(url.password);
  return out;
}
