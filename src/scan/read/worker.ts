/**
 * A pool thread (pool.ts): loads its job module (workerData.job, a module URL exporting
 * `createJob(data)`), says it is ready, then answers each batch with the job's reply, one batch at a
 * time and in order. It knows nothing of what the job does.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface WorkerData {
  job: string;
  jobData: unknown;
}

/** What a job module exports: a factory run once per thread, giving the per-batch function. */
export type CreateJob<R> = (
  data: unknown,
) => ((batch: string[]) => R | Promise<R>) | Promise<(batch: string[]) => R | Promise<R>>;

/** the first message of every thread: loaded, the watchdog may time it from now on */
export const READY = 'ready';

const { job, jobData } = workerData as WorkerData;
const port = parentPort!;
const handler = import(job).then((m: { createJob: CreateJob<unknown> }) => m.createJob(jobData));
// Serialised: a job may keep per-thread state (buffers) that two batches must not share at an await.
let chain: Promise<unknown> = handler.then(() => port.postMessage(READY));
port.on('message', (batch: string[]) => {
  chain = chain.then(async () => port.postMessage(await (await handler)(batch)));
});
