/**
 * Readers: take the walk's batches, read every file (job.ts), and hand the answers to the engine.
 * InlineReader reads on the calling thread (--threads 0); ThreadPoolReader on worker threads, with
 * the pool's watchdog. The engine drives both the same way: read() each batch, await pause() where
 * the walk may wait, then drain().
 */
import { availableParallelism } from 'node:os';
import { ThreadPool } from './pool.js';
import { createJob, type ScanJobData, type ScanReply } from './job.js';
import { Counts } from '../tally/counts.js';
import { stalledRecord, makeContext, provide } from './record.js';
import { STALL_MS, type FileRecord, type ScanConfig } from '../model.js';
import * as patterns from '../place/pattern.js';
import * as callers from '../place/callers.js';
import type { RowCounts } from '../tally/aggregate.js';
import { parseEntry, type Batch } from './batcher.js';
import type { HttpStats, RequestEntry } from '../http/common.js';

// the main thread imports them anyway (the CLI checks patterns); reader threads load them on demand
provide(patterns, callers);

export const DEFAULT_THREADS = Math.max(1, Math.min(availableParallelism(), 8));

/** Where a reader delivers what it read. */
interface ReadSink {
  /** one batch's counts per row */
  rows(rows: RowCounts[]): void;
  /** one file's record (when records are wanted, and for a file whose reading never finished) */
  record(r: FileRecord): void;
  /** files read without O_NOATIME (refused by the kernel), per batch */
  noatimeRefused(n: number): void;
  /** a batch's rows for the case file (keepFacts), as one JSON string (stored.ts) */
  stored?(json: string): void;
  /** files of a batch taken over from an earlier run, unchanged (resume) */
  takenOver?(n: number): void;
  /** a tree on a web server: what a batch's requests cost it */
  http?(stats: HttpStats): void;
  /** and each of them (with keepRequests: a case file keeps them) */
  requests?(entries: RequestEntry[]): void;
}

export interface Reader {
  /** Take a batch to read. */
  read(batch: Batch): void;
  /** Where the walk may wait: undefined to go on, or a promise to await first (back-pressure, or the inline reading). */
  pause(): Promise<void> | undefined;
  /** Resolves once every batch taken has been read, or the reader is stopped; rejects if reading failed. */
  drain(): Promise<void>;
  /** Read nothing more; answers still on their way are dropped. */
  stop(): void;
  /** Release threads (after drain, or on an error). */
  close(): Promise<void>;
}

export interface ReaderOptions {
  config: ScanConfig;
  keepPaths: boolean;
  /** every record carries what reading found (FileRecord.read: a case file is written) */
  keepFacts?: boolean;
  sink: ReadSink;
  /** a web server's tree: the scan's shared connection slots (http/slots.ts) */
  httpSlots?: SharedArrayBuffer;
  /** and every request kept (sink.requests) */
  keepRequests?: boolean;
}

function deliver(reply: ScanReply, sink: ReadSink): void {
  if (reply.noatimeRefused) sink.noatimeRefused(reply.noatimeRefused);
  if (reply.stored !== undefined) sink.stored?.(reply.stored);
  if (reply.takenOver) sink.takenOver?.(reply.takenOver);
  if (reply.http) sink.http?.(reply.http);
  if (reply.requests) sink.requests?.(reply.requests);
  if ('rows' in reply) {
    for (const r of reply.rows) Counts.revive(r.counts);
    sink.rows(reply.rows);
  } else for (const r of reply.records) sink.record(r);
}

/**
 * The longest the calling thread reads files without giving the event loop a turn: a batch of slow
 * files would otherwise hold a SIGINT or SIGTERM (and the UI) for as long as the whole batch takes.
 * One file is bounded by its work limit (probe/work.ts).
 */
const TURN_MS = 50;

/** Reads on the calling thread, a batch at a time, yielding to the event loop between files now and then. */
class InlineReader implements Reader {
  private readonly job: ReturnType<typeof createJob>;
  private readonly waiting: Batch[] = [];
  private stopped = false;
  private lastTurn = performance.now();
  /** between two files (job.ts Pace): a turn of the event loop every TURN_MS, and the stop seen at once */
  private readonly pace = (): Promise<boolean> | undefined => {
    if (this.stopped) return Promise.resolve(false);
    if (performance.now() - this.lastTurn < TURN_MS) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.lastTurn = performance.now();
        resolve(!this.stopped);
      }),
    );
  };

  constructor(private readonly opts: ReaderOptions) {
    this.job = createJob(
      {
        config: opts.config,
        keepPaths: opts.keepPaths,
        keepFacts: opts.keepFacts,
        ...(opts.httpSlots ? { httpSlots: opts.httpSlots } : {}),
        ...(opts.keepRequests ? { keepRequests: true } : {}),
      } satisfies ScanJobData,
      0,
    );
  }

  read(batch: Batch): void {
    this.waiting.push(batch);
  }

  pause(): Promise<void> | undefined {
    return this.waiting.length ? this.drain() : undefined;
  }

  async drain(): Promise<void> {
    while (this.waiting.length && !this.stopped) {
      const reply = await (await this.job)(this.waiting.shift()!, this.pace);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the await
      if (this.stopped) break;
      deliver(reply, this.opts.sink);
      await new Promise<void>((r) => setImmediate(r)); // let a UI redraw and Ctrl-C arrive
      this.lastTurn = performance.now();
    }
  }

  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {
    // (a reader thread's descriptors are closed by Node when the thread ends; this thread lives on)
    (await this.job).close();
  }
}

/**
 * A reader thread's garbage is all short-lived (a head buffer, a record): a small young generation
 * keeps its memory flat instead of letting it grow towards V8's defaults with every thread. The old
 * generation is ample for the largest read music-metadata may make (READ_BUDGET).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };
/** batches queued beyond what the threads hold before the walk waits */
const MAX_QUEUED_BATCHES = 32;

/** Reads on worker threads; a thread stuck on a file is replaced and the file counted unreadable. */
class ThreadPoolReader implements Reader {
  private readonly pool: ThreadPool<ScanReply>;

  constructor(opts: ReaderOptions & { threads: number }) {
    const { config, sink } = opts;
    const stallMs = config.stallMs ?? STALL_MS;
    // the main thread's context, only for naming a file whose reading never finished
    let ctx: ReturnType<typeof makeContext> | undefined;
    this.pool = new ThreadPool<ScanReply>({
      threads: opts.threads,
      job: config.testHooks?.readerJob ?? new URL('./job.js', import.meta.url),
      jobData: {
        config,
        keepPaths: opts.keepPaths,
        keepFacts: opts.keepFacts,
        ...(opts.httpSlots ? { httpSlots: opts.httpSlots } : {}),
        ...(opts.keepRequests ? { keepRequests: true } : {}),
      } satisfies ScanJobData,
      resourceLimits: WORKER_LIMITS,
      stallMs,
      onReply: (reply) => deliver(reply, sink),
      onStalled: (rel) => {
        ctx ??= makeContext(config, true, opts.keepFacts);
        sink.record(stalledRecord(parseEntry(rel).rel, ctx, stallMs / 1000));
      },
    });
  }

  read(batch: Batch): void {
    this.pool.submit(batch);
  }

  pause(): Promise<void> | undefined {
    if (this.pool.error) throw failed(this.pool.error);
    return this.pool.backlog > MAX_QUEUED_BATCHES ? this.pool.changed.next() : undefined;
  }

  async drain(): Promise<void> {
    try {
      await this.pool.drain();
    } catch (e) {
      throw failed(e as Error);
    }
  }

  stop(): void {
    this.pool.stop();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const failed = (e: Error): Error => new Error(`a reader thread failed: ${e.message}`, { cause: e });

/** The reader for a config: inline for --threads 0, else a pool of that many threads. */
export function createReader(opts: ReaderOptions): Reader {
  const threads = opts.config.threads;
  return threads <= 0 ? new InlineReader(opts) : new ThreadPoolReader({ ...opts, threads });
}
