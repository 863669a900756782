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

export interface CorruptFileOptions extends ErrorOptions {
  /** The decoder ran out of bytes (a read or a declared length went past the end): what a torn write
   *  looks like, as opposed to bytes that are there but wrong. */
  endOfData?: boolean;
  /** The file, as the operator named it. */
  file?: string;
}

/** A durability or archive file that cannot be decoded; names the byte offset (and file) where decoding failed. */
export class CorruptFileError extends MgBackupError {
  readonly offset: number;
  /** The message without file and offset. */
  readonly reason: string;
  readonly endOfData: boolean;
  readonly file: string | undefined;
  constructor(message: string, offset: number, options: CorruptFileOptions = {}) {
    super('integrity', `${options.file === undefined ? '' : `${q(options.file)}: `}${message} at offset ${offset}`, options);
    this.name = 'CorruptFileError';
    this.offset = offset;
    this.reason = message;
    this.endOfData = options.endOfData === true;
    this.file = options.file;
  }

  /** The same error naming `file` (unless it already names one). */
  inFile(file: string | undefined, hints?: string[]): CorruptFileError {
    if (file === undefined || this.file !== undefined) return this;
    return new CorruptFileError(this.reason, this.offset, {
      file, endOfData: this.endOfData, hints: hints ?? this.hints, cause: this.cause, ...(this.details ? { details: this.details } : {}),
    });
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
