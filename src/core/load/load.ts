// `load`: executes a statement stream against a server. Admin statements run alone in auto-commit;
// data statements are batched into explicit transactions (fast path: UNWIND groups). Everything runs
// in file order, so after any stop every statement before the reported resume line is committed and
// none after it is: `--resume-from LINE` continues with no duplicates and no gaps.
import type { GraphClient, Statement } from '../../bolt/graph-client.js';
import { readStorageInfo } from '../../bolt/server-facts.js';
import { serverMessageOf } from '../../bolt/classify.js';
import { MgBackupError, q, throwIfAborted } from '../../errors/errors.js';
import type { Value } from '../../graph/value.js';
import { classifyStatement } from './classify.js';
import { boundHeap } from './heap-bounds.js';
import { fastPathStatements, plainStatements, type BatchItem } from './fast-path.js';
import type { ProgressSink } from './load-progress.js';

export interface SourceStatement {
  text: string;
  /** 1-based line where the statement starts. */
  line: number;
}

export interface LoadFailure {
  line: number;
  statement: string;
  message: string;
}

export interface LoadProgress {
  executed: number;
  failed: number;
  skipped: number;
  line: number;
}

export interface LoadParams {
  batchSize: number;
  fastPath: boolean;
  continueOnError: boolean;
  /** Skip statements that start before this line. */
  resumeFrom?: number;
  signal?: AbortSignal;
  /** Called for each failed statement when continueOnError is set (e.g. append to a failures file). */
  onFailure?: (f: LoadFailure) => Promise<void> | void;
  onProgress?: (p: LoadProgress) => void;
  /** Told the line to resume from when a signal stops the load between statements. */
  onInterrupted?: (resumeFrom: number) => void;
  /** Told before each transaction is sent and after it is acknowledged (a kill-proof resume line). */
  progress?: ProgressSink;
}

export interface LoadResult extends LoadProgress {
  failures: number;
}

export function shortenStatement(text: string, max = 100): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** Refuses unless the database holds no vertices and no edges; `resumeHint` names an earlier load's line. */
export async function assertEmpty(client: GraphClient, resumeHint?: string): Promise<void> {
  const info = await readStorageInfo(client);
  const count = (k: string) => {
    const v: Value | undefined = info.get(k);
    return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
  };
  const vertices = count('vertex_count');
  const edges = count('edge_count');
  if (vertices > 0 || edges > 0) {
    throw new MgBackupError('refused', `the target database is not empty (${vertices} vertices, ${edges} edges)`, {
      hints: [
        'load into an empty database, or pass --allow-non-empty to add to what is there',
        resumeHint ?? 'to continue an interrupted load, pass --resume-from LINE from its error message',
      ],
    });
  }
}

/** Stops the load: names the statement, the server's message and where to resume. */
export class StatementFailedError extends MgBackupError {
  constructor(readonly failure: LoadFailure, cause: unknown) {
    super('server', `line ${failure.line}: server rejected ${q(shortenStatement(failure.statement))}: ${failure.message}`, {
      hints: [
        `fix the statement, then continue with --resume-from ${failure.line} (everything before line ${failure.line} is committed)`,
        'or pass --continue-on-error to record failing statements in a file and go on',
      ],
      cause,
      details: { line: failure.line, resumeFrom: failure.line },
    });
    this.name = 'StatementFailedError';
  }
}

const isStatementError = (err: unknown) => err instanceof MgBackupError && err.kind === 'server';

function connectionLost(err: unknown, first: number, last: number): MgBackupError {
  const e = err instanceof MgBackupError ? err : new MgBackupError('cannotConnect', String(err));
  return new MgBackupError(e.kind, `${e.message} (while loading lines ${first}-${last})`, {
    hints: [
      `statements before line ${first} are committed; lines ${first}-${last} ran in one transaction that may or may not have committed`,
      `check the database, then continue with --resume-from ${first} (if that batch is absent) or the first statement after line ${last}`,
    ],
    cause: err,
    details: { resumeFrom: first, batchFirstLine: first, batchLastLine: last },
  });
}

export async function loadStatements(client: GraphClient, source: AsyncIterable<SourceStatement> | Iterable<SourceStatement>, p: LoadParams): Promise<LoadResult> {
  const progress: LoadResult = { executed: 0, failed: 0, skipped: 0, line: 0, failures: 0 };
  let batch: BatchItem[] = [];

  const fail = async (item: { line: number; text: string }, err: unknown) => {
    const failure: LoadFailure = { line: item.line, statement: item.text, message: serverMessageOf(err) };
    if (!p.continueOnError) {
      p.progress?.done(item.line); // rolled back: everything before it is in, it is not
      throw new StatementFailedError(failure, err);
    }
    progress.failed += 1;
    progress.failures += 1;
    await p.onFailure?.(failure);
    p.progress?.done(item.line + 1); // recorded in the failures file: a resume skips it
  };

  /** Runs items in one transaction; on a statement error, halves the batch to find the culprit(s),
   *  committing the good halves in order. A single item is replayed as written. */
  const statementsFor = (items: BatchItem[]): Statement[] =>
    items.length === 1 || !p.fastPath ? plainStatements(items) : fastPathStatements(items);
  const runData = async (items: BatchItem[], statements = statementsFor(items)): Promise<void> => {
    const first = items[0]!.line;
    const last = items[items.length - 1]!.line;
    try {
      p.progress?.sending(first, last);
      await client.transaction(statements);
      progress.executed += items.length;
      // Resuming from the line after the last statement's start skips exactly the committed ones.
      p.progress?.done(last + 1);
    } catch (err) {
      if (!isStatementError(err)) throw connectionLost(err, items[0]!.line, items[items.length - 1]!.line);
      if (items.length === 1) return fail(items[0]!, err);
      const mid = Math.ceil(items.length / 2);
      await runData(items.slice(0, mid));
      await runData(items.slice(mid));
    }
  };

  // One transaction in flight while the next batch is split and classified: the server executes while
  // we parse (they were strictly alternating). Transactions still run one after another in file order,
  // so the resume guarantees hold; everything waits for `settle` before auto-commit, stop or return.
  let inFlight: Promise<void> | undefined;
  const settle = async () => {
    const running = inFlight;
    inFlight = undefined;
    await running;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    boundHeap();
    const items = batch;
    batch = [];
    const statements = statementsFor(items); // built while the previous transaction still runs
    await settle();
    const running = runData(items, statements).then(() => p.onProgress?.(progress));
    running.catch(() => {}); // observed by the next settle
    inFlight = running;
  };
  const commitAll = async () => {
    await flush();
    await settle();
  };

  try {
    for await (const s of source) {
      progress.line = s.line;
      if (p.resumeFrom !== undefined && s.line < p.resumeFrom) {
        progress.skipped += 1;
        continue;
      }
      if (p.signal?.aborted) {
        // Commit what is batched, so that everything before this statement is in and nothing after.
        await commitAll();
        p.onInterrupted?.(s.line);
        throwIfAborted(p.signal);
      }
      const what = classifyStatement(s.text);
      if (what.kind === 'admin') {
        await commitAll();
        try {
          p.progress?.sending(s.line, s.line);
          await client.run(s.text);
          progress.executed += 1;
          p.progress?.done(s.line + 1);
        } catch (err) {
          if (!isStatementError(err)) throw connectionLost(err, s.line, s.line);
          await fail(s, err);
        }
        p.onProgress?.(progress);
        continue;
      }
      batch.push({ line: s.line, text: s.text, what });
      if (batch.length >= p.batchSize) await flush();
    }
  } catch (err) {
    // A read error (or stop) must not leave a transaction running under a caller that closes the client.
    await settle().catch(() => {});
    throw err;
  }
  await commitAll();
  throwIfAborted(p.signal);
  return progress;
}
