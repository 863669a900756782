// Test support only. Faults a test can switch on at any moment while the stand-in runs; the Bolt
// server consults this object for every message, so changes take effect on live connections.

export interface QueryFailure {
  /** A string matches the whole query text (surrounding whitespace ignored); a RegExp is tested. */
  match: string | RegExp;
  /** Defaults to the code Memgraph gives ordinary query errors (handlers.hpp:47). */
  code?: string;
  message: string;
  /** How many RUNs to fail before the rule retires itself; unlimited when absent. */
  times?: number;
}

export const DEFAULT_FAILURE_CODE = 'Memgraph.ClientError.MemgraphError.MemgraphError';

export class Faults {
  /** Milliseconds to wait before sending each response message batch. */
  delayMs = 0;
  private dropAfterMsgs: number | undefined;
  private dropAfterRecs: number | undefined;
  private failures: QueryFailure[] = [];

  /** Handle the next `n` client messages (on any connection), then drop the connection that sends one more. */
  dropConnectionAfterMessages(n: number): this {
    this.dropAfterMsgs = n;
    return this;
  }

  /** Drop the connection after the server has sent `n` more RECORD messages (mid-stream cut). */
  dropConnectionAfterRecords(n: number): this {
    this.dropAfterRecs = n;
    return this;
  }

  failQuery(rule: QueryFailure): this {
    this.failures.push({ ...rule });
    return this;
  }

  delay(ms: number): this {
    this.delayMs = ms;
    return this;
  }

  clear(): void {
    this.delayMs = 0;
    this.dropAfterMsgs = undefined;
    this.dropAfterRecs = undefined;
    this.failures = [];
  }

  /** Called per client message; true = drop the connection instead of answering. */
  onClientMessage(): boolean {
    if (this.dropAfterMsgs === undefined) return false;
    if (this.dropAfterMsgs === 0) {
      this.dropAfterMsgs = undefined;
      return true;
    }
    this.dropAfterMsgs--;
    return false;
  }

  /** Called per RECORD sent; true = drop the connection now. */
  onRecordSent(): boolean {
    if (this.dropAfterRecs === undefined) return false;
    this.dropAfterRecs--;
    if (this.dropAfterRecs > 0) return false;
    this.dropAfterRecs = undefined;
    return true;
  }

  /** The failure to send for this query text, if a rule matches (consuming one of its `times`). */
  failureFor(query: string): { code: string; message: string } | undefined {
    const text = query.trim();
    const rule = this.failures.find((r) => (typeof r.match === 'string' ? r.match.trim() === text : query.search(r.match) >= 0));
    if (!rule) return undefined;
    if (rule.times !== undefined && --rule.times <= 0) this.failures.splice(this.failures.indexOf(rule), 1);
    return { code: rule.code ?? DEFAULT_FAILURE_CODE, message: rule.message };
  }
}
