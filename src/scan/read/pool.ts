/**
 * A pool of worker threads that run one job (a module loaded in each thread, worker.ts) over
 * batches, with a watchdog: a thread that has not answered a batch, nor shown progress on it (its
 * beat, worker.ts: a web server's body arriving), within stallMs is replaced, its
 * other batches are sent again, and the stuck batch is split into one-item batches so that the item
 * that sticks again is found and reported (onStalled) instead of being read. Every item is then
 * either answered once or reported stalled once.
 *
 * It knows batches and threads, not what the job does: the scan's readers and the benchmark's
 * floor both run on it.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Batch } from './batcher.js';
import { Signal } from './signal.js';
import { READY, type WorkerData } from './worker.js';

export interface PoolOptions<R> {
  threads: number;
  /** URL of the job module (exports createJob(jobData)) */
  job: URL | string;
  /** given to createJob in every thread (structured-cloned) */
  jobData: unknown;
  /** each answer, with its batch (not called after stop()) */
  onReply: (reply: R, batch: Batch) => void;
  /** an item that stuck a thread on its own; without it there is no watchdog */
  onStalled?: (item: string) => void;
  stallMs?: number;
  /** batches sent to one thread before it answers the first (keeps it busy between answers) */
  inFlightPerThread?: number;
  resourceLimits?: ResourceLimits;
}

interface Slot {
  worker: Worker;
  /** the batches sent, answered in order */
  sent: Batch[];
  /** since when the first sent batch has been waiting (or the thread has been idle) */
  since: number;
  /** loaded: its start-up is not a stall */
  ready: boolean;
  /** when the thread last showed progress (worker.ts WorkerData.beat), as performance.timeOrigin + now() */
  beat: Float64Array;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class ThreadPool<R> {
  private readonly slots: Slot[] = [];
  private readonly waiting: Batch[] = [];
  private readonly watchdog?: NodeJS.Timeout;
  private readonly inFlight: number;
  private stopped = false;
  private failure?: Error;
  /** notified on every answer, stall, failure and stop */
  readonly changed = new Signal();

  constructor(private readonly opts: PoolOptions<R>) {
    this.inFlight = opts.inFlightPerThread ?? 6;
    for (let i = 0; i < Math.max(1, opts.threads); i++) this.slots.push(this.start(i));
    if (opts.onStalled && opts.stallMs !== undefined) {
      const { onStalled, stallMs } = opts;
      this.watchdog = setInterval(() => this.check(stallMs, onStalled), Math.min(1000, Math.max(50, stallMs / 4)));
    }
  }

  /** thread `index` (a replacement keeps the index of the thread it replaces) */
  private start(index: number): Slot {
    const beat = new SharedArrayBuffer(8);
    const data: WorkerData = { job: String(this.opts.job), jobData: this.opts.jobData, index, beat };
    const worker = new Worker(WORKER_URL, { workerData: data, resourceLimits: this.opts.resourceLimits });
    const slot: Slot = { worker, sent: [], since: performance.now(), ready: false, beat: new Float64Array(beat) };
    worker.on('message', (reply: R | typeof READY) => {
      slot.since = performance.now();
      if (!slot.ready) {
        slot.ready = true; // the first message of every thread is READY
        return;
      }
      const batch = slot.sent.shift()!;
      if (!this.stopped) this.opts.onReply(reply as R, batch);
      this.dispatch();
      this.changed.notify();
    });
    worker.on('error', (e) => {
      this.failure ??= e;
      this.changed.notify();
    });
    return slot;
  }

  /** Queue a batch; it is sent as soon as a thread has room. */
  submit(batch: Batch): void {
    this.waiting.push(batch);
    this.dispatch();
  }

  /** batches queued and not yet sent to a thread */
  get backlog(): number {
    return this.waiting.length;
  }

  /** batches queued or being read */
  get outstanding(): number {
    return this.slots.reduce((n, s) => n + s.sent.length, this.waiting.length);
  }

  /** the first thread failure (an exception in a job), if any */
  get error(): Error | undefined {
    return this.failure;
  }

  private dispatch(): void {
    if (this.stopped) return;
    for (const s of this.slots) {
      while (s.sent.length < this.inFlight && this.waiting.length) {
        const b = this.waiting.shift()!;
        if (!s.sent.length && s.ready) s.since = performance.now();
        s.sent.push(b);
        s.worker.postMessage(b);
      }
    }
  }

  private check(stallMs: number, onStalled: (item: string) => void): void {
    const now = performance.now();
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      // (a thread that shows progress is slow, not stuck: a recording read whole from a server that
      // ignores Range takes as long as the link needs, a 100 MB one at 1.5 MB/s 66 s, and was a gap
      // of its row; a read whose bytes stop coming is still given up, and the fetch thread's own
      // limits (30 s a request without a byte, 1 KiB/s over 30 s, 10 min a read) bound one that drips)
      const moved = Math.max(s.since, s.beat[0]! - performance.timeOrigin);
      if (!s.ready || !s.sent.length || now - moved < stallMs) continue;
      const [stuck, ...rest] = s.sent as [Batch, ...Batch[]];
      s.worker.removeAllListeners();
      void s.worker.terminate();
      this.slots[i] = this.start(i);
      this.waiting.unshift(...(stuck.length > 1 ? stuck.map((item) => [item]) : []), ...rest);
      if (stuck.length === 1 && !this.stopped) onStalled(stuck[0]!);
    }
    this.dispatch();
    this.changed.notify();
  }

  /** Resolves once every batch submitted has been answered (or reported stalled), or on stop; rejects on a thread failure. */
  async drain(): Promise<void> {
    while (!this.stopped && !this.failure && this.outstanding) await this.changed.next();
    if (this.failure) throw this.failure;
  }

  /** Send nothing more and ignore answers from now on. */
  stop(): void {
    this.stopped = true;
    this.changed.notify();
  }

  async close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
