/**
 * A pool thread (pool.ts): loads its job module (workerData.job, a module URL exporting
 * `createJob(data)`), says it is ready, then answers each batch with the job's reply, one batch at a
 * time and in order. It knows nothing of what the job does.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerData {
  job: string;
  jobData: unknown;
  /** which of the pool's threads this is (0…); a thread started in place of a stuck one has its index */
  index: number;
  /**
   * Float64Array(1): when this thread last showed progress on the batch it is reading (ms, as
   * performance.timeOrigin + performance.now()): a job whose read is slow but moving (a web server's
   * body arriving) beats it, and the pool's watchdog waits while it does (pool.ts)
   */
  beat: SharedArrayBuffer;
}

/**
 * What a job module exports: a factory run once per thread, giving the per-batch function; its
 * `early`, when it has one, is told of each batch as it arrives, before the batches ahead of it are
 * done (a web server's reads: the batch's requests start while those ahead are probed).
 */
export type JobFn<R> = ((batch: string[]) => R | Promise<R>) & { early?: (batch: string[]) => void };
export type CreateJob<R> = (data: unknown, index: number, beat: SharedArrayBuffer) => JobFn<R> | Promise<JobFn<R>>;

/** the first message of every thread: loaded, the watchdog may time it from now on */
export const READY = 'ready';

const { job, jobData, index, beat } = workerData as WorkerData;
const port = parentPort!;
const handler = import(job).then((m: { createJob: CreateJob<unknown> }) => m.createJob(jobData, index, beat));
// Serialised: a job may keep per-thread state (buffers) that two batches must not share at an await.
let chain: Promise<unknown> = handler.then(() => port.postMessage(READY));
port.on('message', (batch: string[]) => {
  void handler.then((h) => h.early?.(batch));
  chain = chain.then(async () => port.postMessage(await (await handler)(batch)));
});
