// `convert` core: a Memgraph snapshot (plus WAL files) -> the Cypher DUMP DATABASE would print after
// recovering them, one statement per line, into a byte sink with back-pressure. A lone snapshot is read
// record by record (memory: one record plus a bounded sample of the edge records), by several threads
// when it is a large file (convert-parallel.ts); with WAL files the chain is replayed into one graph
// first, since a transaction may touch any vertex.
// No file system here: the command opens the files and passes ByteSources in.
import { renderDump } from '../cypher/render-dump.js';
import { MgBackupError, UsageError, q, throwIfAborted } from '../errors/errors.js';
import { BufferSource, decodeSnapshotInfo, decodeWalInfo, openSnapshot, readFileHeader, replay, type ByteSource } from '../format/index.js';
import { planPointInTime } from '../format/point-in-time.js';
import { walSpan } from '../format/recovery-chain.js';
import { cutWal } from '../format/wal-cut.js';
import { waitForDrain } from '../io/atomic-output.js';
import { availableParallelism, loadavg } from 'node:os';
import { parallelDump, type DumpChunk } from './convert-parallel.js';
import { renderSnapshot } from './convert-records.js';

const COALESCE_BYTES = 64 * 1024;

export interface ConvertFile {
  /** As the operator named it; used in messages only. */
  name: string;
  source: ByteSource;
}

export interface ConvertInput {
  /** undefined: a WAL-only chain, which must start at sequence number 0. */
  snapshot: ConvertFile | undefined;
  wals: ConvertFile[];
}

export interface ConvertProgress {
  statements: number;
  /** Bytes written to the sink. */
  bytes: number;
}

export interface ConvertOptions {
  /** Keep values exactly (3.0 stays a float) instead of DUMP's lossy forms. */
  exact?: boolean;
  signal?: AbortSignal;
  /** Called after each coalesced write; callers throttle their own display. */
  onProgress?: (p: ConvertProgress) => void;
  /**
   * Threads rendering a lone snapshot read from a file: this one and threads - 1 workers
   * (convert-parallel.ts). Default: defaultThreads(size).
   */
  threads?: number;
  /**
   * Export the graph as of this commit timestamp: the newest given snapshot at or before it, the WAL
   * chain after it, and the file the target falls in cut there (format/point-in-time.ts, wal-cut.ts:
   * the same plan a point-in-time restore stages). Outside the files' window: notFound (12).
   */
  toTs?: bigint;
}

/** Below this, starting workers costs more than they save. */
export const PARALLEL_FROM = 8 * 1024 * 1024;

/**
 * Threads for a lone snapshot of `size` bytes (from PARALLEL_FROM bytes; the cores, at most 4), except
 * on up to two cores that other work keeps busy: there this thread alone. The worker path costs about
 * 1.45x the CPU per MB and twice the peak RSS (220 vs 110 MiB), so it pays only with a core to spare.
 * On 2 shared cores (scripts/bench/decode.js, 2026-12-03), one thread vs two:
 * - load 8-11: 41 vs 21 MB/s at 64 MiB, 51 vs 23 at 256 MiB, 106 vs 56 at 1 GiB;
 * - load 5-7: 143 vs 111 MB/s at 256 MiB, 174 vs 199 at 1 GiB;
 * - load under 1: 166 vs 184 MB/s at 256 MiB, 160 vs 199 at 1 GiB.
 * `load` is the 1-minute load average; output is the same bytes either way.
 */
export function defaultThreads(size: number, cores = availableParallelism(), load = loadavg()[0]!): number {
  if (size < PARALLEL_FROM) return 1;
  if (cores <= 2 && load >= cores - 1) return 1;
  return Math.min(4, cores);
}

export interface ConvertResult extends ConvertProgress {
  /** 'stream': snapshot read record by record; 'replay': snapshot and WALs replayed in memory. */
  mode: 'stream' | 'replay';
  /** WAL files left out because they belong to another storage (uuid differs), as Memgraph does. */
  ignoredWals: string[];
  /** Committed transactions applied from the WAL files. */
  transactions: number;
  /** With toTs: the commit timestamp the export reflects (the last commit at or before it). */
  restoredTs?: bigint;
}

/**
 * Checks every file's kind and version before anything is written, so a wrong argument or an
 * unsupported version fails without leaving partial output.
 */
export function checkConvertInput(input: ConvertInput): void {
  if (input.snapshot === undefined && input.wals.length === 0) throw new UsageError('no input files');
  if (input.snapshot !== undefined) {
    const { kind } = readFileHeader(input.snapshot.source);
    if (kind !== 'snapshot') {
      throw new UsageError(`${q(input.snapshot.name)} is a wal file, not a snapshot`, {
        hints: ['put the snapshot first, or pass --wal-only to convert wal files alone'],
      });
    }
  }
  for (const w of input.wals) {
    const { kind } = readFileHeader(w.source);
    if (kind !== 'wal') {
      throw new UsageError(`${q(w.name)} is a snapshot, not a wal file`, {
        hints: ['give one snapshot (first) and then only wal files'],
      });
    }
  }
}

/**
 * The input narrowed to what recovers the graph as of commit timestamp `toTs`: the files
 * planPointInTime picks, the one the target falls in replaced by its cut (kept in memory: a WAL
 * segment is bounded in size). Also returns the timestamp the result reflects when no WAL is used.
 */
export function pointInTimeInput(input: ConvertInput, toTs: bigint): { input: ConvertInput; snapshotTs: bigint | undefined } {
  const snapshots = [];
  if (input.snapshot !== undefined) {
    const info = decodeSnapshotInfo(input.snapshot.source);
    snapshots.push({ name: input.snapshot.name, uuid: info.uuid, durableTs: info.durableTimestamp, file: input.snapshot });
  }
  const wals = input.wals.map((file) => {
    const info = decodeWalInfo(file.source, file.name);
    let span: ReturnType<typeof walSpan> | null = null;
    return {
      name: file.name, uuid: info.uuid, seqNum: info.sequenceNumber, file,
      span: () => (span !== null ? span : (span = walSpan(file.name, () => file.source))),
    };
  });
  const plan = planPointInTime(snapshots, wals, toTs);
  const staged = plan.wals.map((w) => w.file);
  if (plan.cut !== undefined) {
    const cut = cutWal(plan.cut.file.source, toTs, plan.cut.name);
    staged.push({ name: `${plan.cut.name} (cut after commit timestamp ${cut.lastTs ?? 'none'})`, source: new BufferSource(cut.bytes) });
  }
  return { input: { snapshot: plan.snapshot?.file, wals: staged }, snapshotTs: plan.snapshot?.durableTs };
}

/** A lone snapshot's dump as byte chunks: rendered by several threads (convert-parallel.ts), or in this one (convert-records.ts). */
function lonelySnapshot(input: ConvertInput, opts: ConvertOptions): AsyncIterable<DumpChunk> | Iterable<DumpChunk> | undefined {
  if (input.snapshot === undefined || input.wals.length > 0) return undefined;
  const { source } = input.snapshot;
  const threads = opts.threads ?? defaultThreads(source.size);
  const exact = opts.exact === true;
  return parallelDump(source, { exact, threads }) ?? renderSnapshot(openSnapshot(source), { exact });
}

interface Statements {
  lines: Iterable<string>;
  finish(): Omit<ConvertResult, keyof ConvertProgress> & { lastTimestamp?: bigint | undefined };
}

/** The dump of a replayed chain (WAL files given), line by line. */
function statementsOf(input: ConvertInput, exact: boolean): Statements {
  const opts = { exact };
  const result = replay(input.snapshot?.source, input.wals.map((w) => w.source), { walNames: input.wals.map((w) => w.name) });
  return {
    lines: renderDump(result.graph, opts),
    finish: () => ({
      mode: 'replay',
      ignoredWals: result.ignored.map((i) => input.wals[i]!.name),
      transactions: result.wals.reduce((n, w) => n + w.applied, 0),
      lastTimestamp: result.lastTimestamp,
    }),
  };
}

/** Writes the statements into `out` (does not end it). Decoding errors surface as typed errors. */
export async function convertTo(input: ConvertInput, out: NodeJS.WritableStream, opts: ConvertOptions = {}): Promise<ConvertResult> {
  throwIfAborted(opts.signal);
  checkConvertInput(input);
  let restoredTs: bigint | undefined;
  if (opts.toTs !== undefined) {
    const pit = pointInTimeInput(input, opts.toTs);
    input = pit.input;
    restoredTs = pit.snapshotTs;
  }
  const at = (): Pick<ConvertResult, 'restoredTs'> => (restoredTs === undefined ? {} : { restoredTs });
  const progress: ConvertProgress = { statements: 0, bytes: 0 };
  const write = async (chunk: Uint8Array) => {
    progress.bytes += chunk.length;
    if (!out.write(chunk)) await waitForDrain(out, opts.signal);
    // Decoding is synchronous; a turn of the event loop per chunk lets signals and spinners through.
    else await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(opts.signal);
    opts.onProgress?.(progress);
  };
  const parallel = lonelySnapshot(input, opts);
  if (parallel !== undefined) {
    for await (const chunk of parallel) {
      progress.statements += chunk.lines;
      await write(chunk.bytes);
    }
    return { ...progress, mode: 'stream', ignoredWals: [], transactions: 0, ...at() };
  }
  const { lines, finish } = statementsOf(input, opts.exact === true);
  let pending = '';
  // Encoded once here: the length is the byte count, and the stream need not encode it again.
  const flush = async () => {
    const chunk = Buffer.from(pending, 'utf8');
    pending = '';
    await write(chunk);
  };
  for (const line of lines) {
    pending += line + '\n';
    progress.statements += 1;
    if (pending.length >= COALESCE_BYTES) await flush();
  }
  if (pending !== '') await flush();
  const done = finish();
  if (opts.toTs !== undefined && done.lastTimestamp !== undefined) restoredTs = done.lastTimestamp;
  const { lastTimestamp: _last, ...result } = done;
  return { ...progress, ...result, ...at() };
}

/** The error for an input path that cannot be opened (the command maps fs errors through this). */
export function missingInput(file: string, cause: unknown): MgBackupError {
  return new MgBackupError('notFound', `cannot open ${q(file)}: no such file`, {
    hints: ['check the path; snapshots live in <data-dir>/snapshots, wal files in <data-dir>/wal'], cause,
  });
}
