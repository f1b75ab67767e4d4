/**
 * The I/O floor: the scan's own walk (on its thread, as the scan's), batcher and thread pool, with a per-file job that only does
 * open + fstat + read 4 KiB + close. No scan can be faster than this on the same machine.
 */
import { walkOnThread } from '../scan/walk/thread.js';
import { Batcher } from '../scan/read/batcher.js';
import { ThreadPool } from '../scan/read/pool.js';

const MAX_QUEUED_BATCHES = 32;

export async function floor(
  root: string,
  threads: number,
): Promise<{ ms: number; files: number; audioMicros: number }> {
  const t = performance.now();
  let files = 0;
  const pool = new ThreadPool<number>({
    threads: Math.max(1, threads),
    job: new URL('./floor-job.js', import.meta.url),
    jobData: root,
    onReply: (n) => void (files += n),
  });
  const batcher = new Batcher((b) => pool.submit(b));
  const ignore = (): void => {};
  try {
    await walkOnThread(
      root,
      { file: (rel) => batcher.add(rel), hardLink: ignore, dir: ignore, link: ignore, special: ignore, error: ignore },
      {
        pause: () => (pool.backlog > MAX_QUEUED_BATCHES ? pool.changed.next() : undefined),
        aborted: () => false,
      },
    );
    batcher.flush();
    await pool.drain();
  } finally {
    await pool.close();
  }
  return { ms: performance.now() - t, files, audioMicros: 0 };
}
