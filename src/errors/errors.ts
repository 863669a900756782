// Typed errors: each carries its row of the exit-code table, a lowercase message that quotes the
// offending value, and hint lines with the remedy. Core modules throw these; only the entry point
// turns them into an exit code.
import { type ExitKind, exitCodeOf } from './codes.js';

export interface ErrorOptions {
  hints?: string[];
  cause?: unknown;
  /** Machine-readable extras, included in the --json rendering. */
  details?: Record<string, unknown>;
}

export class MgBackupError extends Error {
  readonly kind: ExitKind;
  readonly hints: string[];
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ExitKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MgBackupError';
    this.kind = kind;
    this.hints = options.hints ?? [];
    this.details = options.details;
  }

  get exitCode(): number {
    return exitCodeOf(this.kind);
  }
}

export class UsageError extends MgBackupError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}

/** A durability or archive file that cannot be decoded; names the byte offset where decoding failed. */
export class CorruptFileError extends MgBackupError {
  readonly offset: number;
  constructor(message: string, offset: number, options: ErrorOptions = {}) {
    super('integrity', `${message} at offset ${offset}`, options);
    this.name = 'CorruptFileError';
    this.offset = offset;
  }
}

export class InterruptedError extends MgBackupError {
  constructor(signal: string) {
    super('interrupted', `interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

/** Throws InterruptedError when the signal has fired; core loops call this between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    throw reason instanceof MgBackupError ? reason : new InterruptedError(String(reason ?? 'abort'));
  }
}

/** Quote a user-supplied value the same way in every message. */
export function q(value: unknown): string {
  return JSON.stringify(String(value));
}
