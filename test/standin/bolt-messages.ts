// Test support only. Bolt message signatures (Memgraph's codes.hpp) and the message log the server
// keeps so tests can check what actually crossed the wire (e.g. PULL sizes).

export const MSG = {
  HELLO: 0x01, // INIT in Bolt 1
  GOODBYE: 0x02,
  ACK_FAILURE: 0x0e,
  RESET: 0x0f,
  RUN: 0x10,
  BEGIN: 0x11,
  COMMIT: 0x12,
  ROLLBACK: 0x13,
  DISCARD: 0x2f,
  PULL: 0x3f,
  ROUTE: 0x66,
  LOGON: 0x6a,
  LOGOFF: 0x6b,
  SUCCESS: 0x70,
  RECORD: 0x71,
  IGNORED: 0x7e,
  FAILURE: 0x7f,
} as const;

const NAMES = new Map<number, string>(Object.entries(MSG).map(([k, v]) => [v, k]));

export function messageName(signature: number, major: number): string {
  if (major === 1 && signature === MSG.HELLO) return 'INIT';
  if (major === 1 && signature === MSG.PULL) return 'PULL_ALL';
  if (major === 1 && signature === MSG.DISCARD) return 'DISCARD_ALL';
  return NAMES.get(signature) ?? `0x${signature.toString(16)}`;
}

/** One logged message. RECORDs are not logged one by one; the SUCCESS ending a PULL counts them. */
export interface LoggedMessage {
  connection: number;
  direction: 'in' | 'out';
  /** HANDSHAKE/VERSION, a client message name, SUCCESS/FAILURE/IGNORED, or ERROR (a server-side bug). */
  type: string;
  version?: string;
  query?: string;
  db?: string;
  /** PULL/DISCARD `n` as sent (-1 = all). */
  n?: number;
  /** On the SUCCESS answering PULL/DISCARD: rows sent and whether more remain. */
  records?: number;
  hasMore?: boolean;
  code?: string;
  message?: string;
}

/** Bounded so a long streaming test cannot grow it without limit. */
export class MessageLog {
  readonly entries: LoggedMessage[] = [];
  constructor(private readonly limit = 10_000) {}

  push(entry: LoggedMessage): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Entries of one direction and type, e.g. inbound PULLs. */
  of(direction: 'in' | 'out', type: string): LoggedMessage[] {
    return this.entries.filter((e) => e.direction === direction && e.type === type);
  }
}
