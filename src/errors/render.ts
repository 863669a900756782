// Renders an error for the operator: text ("mgbackup: error: ..." plus "hint: ..." lines) or one JSON
// object. Unexpected errors (bugs) get a report block instead of a bare stack trace.
import { MgBackupError } from './errors.js';
import { DEFAULT_HINTS, exitCodeOf } from './codes.js';

export function toMgBackupError(err: unknown): MgBackupError {
  if (err instanceof MgBackupError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MgBackupError('internal', `unexpected error: ${message}`, {
    hints: ['this is a bug in mgbackup: please report it with the command line and the output above'],
    cause: err,
  });
}

/** The error's own hints, or the default remedy for its row of the exit-code table. */
export function hintsOf(err: MgBackupError): string[] {
  if (err.hints.length > 0) return err.hints;
  const fallback = DEFAULT_HINTS[err.kind];
  return fallback ? [fallback] : [];
}

export function renderErrorText(err: MgBackupError, opts: { verbose?: boolean } = {}): string {
  const lines = [`mgbackup: error: ${err.message}`];
  for (const hint of hintsOf(err)) lines.push(`hint: ${hint}`);
  if (err.kind === 'internal' && opts.verbose && err.cause instanceof Error && err.cause.stack) {
    lines.push(err.cause.stack);
  }
  return lines.join('\n') + '\n';
}

export function renderErrorJson(err: MgBackupError): string {
  const obj: Record<string, unknown> = {
    type: 'error',
    // docs/json.md: `code` is the exit code, `kind` its row in the table (src/errors/codes.ts).
    code: exitCodeOf(err.kind),
    kind: err.kind,
    message: err.message,
    hints: hintsOf(err),
  };
  if (err.details) obj.details = err.details;
  return JSON.stringify(obj) + '\n';
}
