/**
 * The scan engine: walk → (worker threads) read metadata → date → customer → aggregate. Plain
 * TypeScript, no UI: the headless CLI and the Ink UI both drive it, poll progress() and read live
 * customer totals while it runs.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Aggregator, sumTotals, type CustomerTotals } from './aggregate.js';
import type { WorkerReply } from './worker.js';
import { makeContext, processFile, stalledRecord, STALL_MS, UNMATCHED, type FileRecord, type RecordContext, type ScanConfig } from './record.js';
import { walk } from './walk.js';
import { decodeName } from './names.js';

export type { ScanConfig, FileRecord } from './record.js';
export type { CustomerTotals } from './aggregate.js';

export type Phase = 'scanning' | 'reading' | 'done' | 'stopped';

export interface Progress {
  phase: Phase;
  /** regular files the walk has found so far */
  found: number;
  /** files read and counted */
  done: number;
  /** true once the walk has finished: `found` is then the total */
  walkDone: boolean;
  audioSeconds: number;
  audioFiles: number;
  unreadable: number;
  bytes: number;
  elapsedMs: number;
}

export interface ScanResult {
  config: ScanConfig;
  startedAt: Date;
  finishedAt: Date;
  /** stopped before the end: every figure is a lower bound */
  partial: boolean;
  customers: CustomerTotals[];
  totals: ReturnType<typeof sumTotals> & { customers: number };
  linksSkipped: number;
  specialSkipped: number;
  /** folders that could not be read (their contents are not counted) */
  unreadableFolders: number;
  /** the first 100 of them, with the reason */
  folderErrors: Array<{ path: string; error: string }>;
  /** files the pattern did not match */
  unmatched: number;
}

export const DEFAULT_THREADS = Math.max(1, Math.min(availableParallelism(), 8));
const BATCH = 128;
const IN_FLIGHT_PER_WORKER = 6;
const MAX_QUEUED_BATCHES = 32;
/**
 * A reader thread's garbage is all short-lived (a head buffer, a record): a small young generation
 * keeps its memory flat instead of letting it grow towards V8's defaults with every thread. The old
 * generation is ample for the largest read music-metadata may make (READ_BUDGET).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

type Batch = string[]; // paths below the root, bytes carried as latin1 strings (lossless)

export class Scanner {
  private readonly agg: Aggregator;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private phase: Phase = 'scanning';
  private found = 0;
  private walkDone = false;
  private links = 0;
  private special = 0;
  private readonly folderErrors: Array<{ path: string; error: string }> = [];
  private folderErrorCount = 0;
  private stopped = false;
  private endMs?: number;
  private readonly customerFromFolders: boolean;
  private readonly withCallers: boolean;
  /** the per-file context, built once (it also validates the pattern before anything starts) */
  private readonly ctx: RecordContext;

  constructor(
    readonly config: ScanConfig,
    private readonly onRecord?: (r: FileRecord) => void,
    /** back-pressure from onRecord's consumer (a manifest behind its output): the walk waits for it */
    private readonly waitForOutput?: () => Promise<void> | undefined,
  ) {
    this.ctx = makeContext(config, onRecord !== undefined);
    this.withCallers = this.ctx.pattern?.hasCaller ?? false;
    this.agg = new Aggregator(this.withCallers);
    this.customerFromFolders = !this.ctx.pattern?.hasCustomer;
  }

  /** Stop early: what was counted so far is kept and the result is marked partial. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
  }

  private wakeUp?: () => void;

  /** The walk's pause, after any wait for the output (so that records never pile up without bound). */
  private paced(pause: () => Promise<void> | undefined): () => Promise<void> | undefined {
    const wait = this.waitForOutput;
    if (!wait) return pause;
    return () => {
      const w = wait();
      return w ? w.then(() => pause()) : pause();
    };
  }

  progress(): Progress {
    const t = this.agg.running();
    return {
      phase: this.phase,
      found: this.found,
      done: t.files,
      walkDone: this.walkDone,
      audioSeconds: t.micros / 1e6,
      audioFiles: t.audio,
      unreadable: t.unreadable,
      bytes: t.bytes,
      elapsedMs: (this.endMs ?? performance.now()) - this.t0,
    };
  }

  /** Totals per customer as they stand now (cheap enough to call a few times a second). */
  customers(): CustomerTotals[] {
    return this.agg.customers();
  }

  /** Whether run() has returned. */
  get isFinished(): boolean {
    return this.finished;
  }

  private add(r: FileRecord): void {
    this.agg.add(r);
    this.onRecord?.(r);
  }

  async run(): Promise<ScanResult> {
    const threads = this.config.threads;
    const pending: Batch[] = [];
    let current: Batch = [];
    const flush = (): void => {
      if (current.length) pending.push(current);
      current = [];
    };
    const sink = {
      file: (rel: Buffer) => {
        this.found++;
        current.push(rel.toString('latin1'));
        if (current.length >= BATCH) flush();
      },
      dir: (rel: Buffer, depth: number) => {
        if (this.customerFromFolders && depth === this.config.depth) {
          const slash = rel.lastIndexOf(0x2f);
          this.agg.ensure(decodeName(rel.subarray(slash + 1)));
        }
      },
      link: () => void this.links++,
      special: () => void this.special++,
      error: (rel: Buffer, err: NodeJS.ErrnoException) => {
        this.folderErrorCount++;
        if (this.folderErrors.length < 100) {
          this.folderErrors.push({ path: decodeName(rel) || '.', error: err.code ?? err.message });
        }
      },
    };

    const ctx = this.ctx;
    if (threads <= 0) {
      // Inline: the same per-file function on this thread, a batch at a time.
      const drain = async (): Promise<void> => {
        while (pending.length && !this.stopped) {
          for (const rel of pending.shift()!) this.add(await processFile(Buffer.from(rel, 'latin1'), ctx));
          this.phase = this.walkDone ? 'reading' : 'scanning';
          await new Promise<void>((r) => setImmediate(r)); // let a UI redraw and Ctrl-C arrive
        }
      };
      await walk(this.config.root, sink, { pause: this.paced(() => drain()), aborted: () => this.stopped });
      this.walkDone = true;
      flush();
      this.phase = 'reading';
      await drain();
    } else {
      await this.runThreaded(threads, sink, pending, flush);
    }
    this.phase = this.stopped ? 'stopped' : 'done';
    this.endMs = performance.now();
    this.finished = true;
    return this.result();
  }

  private finished = false;

  /**
   * The result as it stands: the final one after run(), or a snapshot while the scan is under way
   * (then partial, like the result of a stopped scan).
   */
  result(): ScanResult {
    const customers = this.agg.customers();
    return {
      config: this.config,
      startedAt: this.startedAt,
      finishedAt: new Date(),
      partial: this.stopped || !this.finished,
      customers,
      totals: { ...sumTotals(customers, this.withCallers), customers: customers.length },
      linksSkipped: this.links,
      specialSkipped: this.special,
      unreadableFolders: this.folderErrorCount,
      folderErrors: [...this.folderErrors],
      unmatched: this.agg.filesOf(UNMATCHED),
    };
  }

  private async runThreaded(
    threads: number,
    sink: Parameters<typeof walk>[1],
    pending: Batch[],
    flush: () => void,
  ): Promise<void> {
    const url = new URL('./worker.js', import.meta.url);
    const ctx = this.ctx;
    const stallMs = this.config.stallMs ?? STALL_MS;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const poke = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    /**
     * A reader thread, the batches it has been sent (answered in order), since when the first one
     * waits, and whether the thread has finished loading (its start-up is not a stall).
     */
    interface Slot { w: Worker; queue: Batch[]; since: number; ready: boolean }
    const workerData = { ...this.config, keepPaths: ctx.keepPaths, withCallers: this.withCallers };
    const start = (slot: Slot): void => {
      const w = new Worker(url, { workerData, resourceLimits: WORKER_LIMITS });
      slot.w = w;
      slot.queue = [];
      slot.since = performance.now();
      slot.ready = false;
      w.on('message', (reply: WorkerReply) => {
        if ('ready' in reply) {
          slot.ready = true;
          slot.since = performance.now();
          return;
        }
        slot.queue.shift();
        slot.since = performance.now();
        if (!this.stopped) {
          if ('records' in reply) for (const r of reply.records) this.add(r);
          else for (const p of reply.partials) this.agg.merge(p);
        }
        dispatch();
        poke();
      });
      w.on('error', (e) => {
        failure ??= e;
        poke();
      });
    };
    const workers: Slot[] = Array.from({ length: threads }, () => {
      const slot = { queue: [], since: 0 } as unknown as Slot;
      start(slot);
      return slot;
    });
    const dispatch = (): void => {
      if (this.stopped) return;
      for (const s of workers) {
        while (s.queue.length < IN_FLIGHT_PER_WORKER && pending.length) {
          const b = pending.shift()!;
          if (!s.queue.length && s.ready) s.since = performance.now();
          s.queue.push(b);
          s.w.postMessage(b);
        }
      }
    };
    // A thread stuck on one file (a parser caught in a loop): replace it, send its other batches again,
    // and find the file by sending the stuck batch's files one by one; the one that sticks again is
    // counted as unreadable. Every file still lands in exactly one class.
    const watchdog = setInterval(() => {
      const now = performance.now();
      for (const s of workers) {
        if (!s.ready || !s.queue.length || now - s.since < stallMs) continue;
        const [stuck, ...rest] = s.queue;
        s.w.removeAllListeners();
        void s.w.terminate();
        start(s);
        pending.unshift(...(stuck!.length > 1 ? stuck!.map((rel) => [rel]) : []), ...rest);
        if (stuck!.length === 1) this.add(stalledRecord(Buffer.from(stuck![0]!, 'latin1'), ctx, stallMs / 1000));
      }
      dispatch();
      poke();
    }, Math.min(1000, Math.max(50, stallMs / 4)));
    const waitForProgress = (): Promise<void> => new Promise((r) => (wake = r));
    this.wakeUp = poke;
    const busy = (): number => workers.reduce((n, s) => n + s.queue.length, 0);
    try {
      await walk(this.config.root, sink, {
        pause: this.paced(() => {
          dispatch();
          if (failure) throw failure;
          return pending.length > MAX_QUEUED_BATCHES ? waitForProgress() : undefined;
        }),
        aborted: () => this.stopped || failure !== undefined,
      });
      this.walkDone = true;
      this.phase = 'reading';
      flush();
      dispatch();
      while (!this.stopped && !failure && (pending.length || busy())) {
        await waitForProgress();
        dispatch();
      }
      if (failure) throw new Error(`a reader thread failed: ${failure.message}`);
    } finally {
      clearInterval(watchdog);
      await Promise.all(workers.map((s) => s.w.terminate()));
    }
  }
}

/** Scan a tree and return the result (the whole engine in one call). */
export function scan(config: ScanConfig, onRecord?: (r: FileRecord) => void): Promise<ScanResult> {
  return new Scanner(config, onRecord).run();
}
