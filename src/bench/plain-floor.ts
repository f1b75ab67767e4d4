/**
 * The independent floor (issue 24): the least a scan of the tree must do, written with nothing of the
 * scan's: plain `fs` calls in worker threads, no addon, no batcher, no pool. Each thread lists its
 * share of the folders (`readdirSync` with file types) and, per file, opens, fstats, reads 4 KiB and
 * closes it. The other floor (floor.ts) reuses the scan's walk, batcher and pool, so whatever those
 * cost the floor paid too and a slow walk could not show; this one is what the machine allows.
 *
 * Shares: the main thread lists the top of the tree breadth-first until there are at least eight
 * folders a thread (or none left), then deals them out in turn; each thread walks its folders to the
 * bottom. Files met on the way down are dealt out the same way.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Share {
  folders: string[];
  files: string[];
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed number, but undefined where the platform lacks the flag
const FLAGS = constants.O_RDONLY | (constants.O_NOATIME ?? 0);

function readHead(path: string, buf: Buffer): void {
  const fd = openSync(path, FLAGS);
  try {
    fstatSync(fd);
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** One thread's share: every file below its folders, and its loose files. Returns the files read. */
function walkShare(share: Share): number {
  const buf = Buffer.allocUnsafe(4096);
  let n = 0;
  for (const f of share.files) {
    readHead(f, buf);
    n++;
  }
  const stack = [...share.folders];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        readHead(p, buf);
        n++;
      }
    }
  }
  return n;
}

if (!isMainThread) parentPort!.postMessage(walkShare(workerData as Share));

/** Read the tree at root on `threads` worker threads; the time from the first listing to the last close. */
export async function plainFloor(
  root: string,
  threads: number,
): Promise<{ ms: number; files: number; audioMicros: number }> {
  const t = performance.now();
  const n = Math.max(1, threads);
  const folders: string[] = [];
  const files: string[] = [];
  let frontier = [root];
  while (frontier.length && frontier.length < 8 * n) {
    const next: string[] = [];
    for (const dir of frontier)
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) next.push(join(dir, e.name));
        else if (e.isFile()) files.push(join(dir, e.name));
      }
    frontier = next;
  }
  folders.push(...frontier);
  const shares: Share[] = Array.from({ length: n }, () => ({ folders: [], files: [] }));
  folders.forEach((f, i) => shares[i % n]!.folders.push(f));
  files.forEach((f, i) => shares[i % n]!.files.push(f));
  const counts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: share });
          w.once('message', (m: number) => resolve(m));
          w.once('error', reject);
        }),
    ),
  );
  return { ms: performance.now() - t, files: counts.reduce((a, b) => a + b, 0), audioMicros: 0 };
}
