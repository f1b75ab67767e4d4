/**
 * The I/O floor: the same walk and the same batches to as many threads, but each thread only does
 * open + fstat + read 4 KiB + close per file. No scan can be faster than this on the same machine.
 */
import { Worker } from 'node:worker_threads';
import { walk } from '../scan/walk.js';

export async function floor(root: string, threads: number): Promise<{ ms: number; files: number; audioMicros: number }> {
  const t = performance.now();
  const workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(new URL('./floor-worker.js', import.meta.url), { workerData: root }));
  let files = 0;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const pending: string[][] = [];
  let current: string[] = [];
  let next = 0;
  const dispatch = (): void => {
    while (pending.length && inFlight < workers.length * 2) {
      workers[next++ % workers.length]!.postMessage(pending.shift());
      inFlight++;
    }
  };
  for (const w of workers) {
    w.on('message', (n: number) => {
      files += n;
      inFlight--;
      dispatch();
      const k = wake;
      wake = undefined;
      k?.();
    });
  }
  await walk(root, {
    file: (rel) => {
      current.push(rel.toString('latin1'));
      if (current.length >= 128) {
        pending.push(current);
        current = [];
      }
    },
    dir: () => {},
    link: () => {},
    special: () => {},
    error: () => {},
  }, {
    pause: () => {
      dispatch();
      return pending.length > 32 ? new Promise<void>((r) => (wake = r)) : undefined;
    },
    aborted: () => false,
  });
  if (current.length) pending.push(current);
  dispatch();
  while (pending.length || inFlight) {
    await new Promise<void>((r) => (wake = r));
    dispatch();
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return { ms: performance.now() - t, files, audioMicros: 0 };
}
