/**
 * The walk on its own thread: the same walk (walk.ts), run in a worker, its findings replayed here
 * into the caller's sink in the order the walk made them, so that the results are the same to the
 * byte. Listing a folder is one synchronous call; on the calling thread a walk of many small folders
 * took half of the UI thread's time during a scan (keys waited behind listings). Here the calling
 * thread only replays what was found and sends the batches on.
 *
 * Flow: the worker sends its findings in chunks, one at each of the walk's waits for room (every
 * `yieldEvery` files) and at the end; the caller's pause() is honoured here after each chunk, before
 * the chunk is acknowledged, and the worker waits once MAX_AHEAD chunks are unacknowledged. So the
 * walk runs at most a few hundred files ahead of the consumer, as on the calling thread. Stopping
 * is a shared flag the worker reads at every folder, even while it never waits (empty folders).
 */
import { Worker } from 'node:worker_threads';
import { EvidenceError, type AtimeKeeping, type WalkOptions, type WalkSink } from './walk.js';
import type { ListedId } from '../model.js';

/** chunks the worker may send before an acknowledgement */
export const MAX_AHEAD = 2;

/** What the worker sends. Paths are latin1 strings of their bytes. */
export type WalkMessage =
  | {
      t: 'chunk';
      /**
       * one letter per finding, in order: f file, s sparse file, h hard link, m a file met again (moved
       * during the scan), d folder, l link, x special, e error, p a folder's stamp
       */
      kinds: string;
      paths: string[];
      /** per f and s: the listing's device, inode, size, mtime (ListedId; NaN where it has none) */
      ids: number[];
      /** the depth of each 'd' and 'p' */
      depths: number[];
      /** code and message of each 'e' */
      errors: [code: string | undefined, message: string][];
      /** the stamp of each 'p' */
      stamps: string[];
    }
  | { t: 'end'; keeping: AtimeKeeping }
  | { t: 'fail'; evidence: boolean; message: string };

export interface WalkWorkerData {
  root: string;
  strict: boolean;
  yieldEvery: number | undefined;
  dirsAt: number | undefined;
  shard: WalkOptions['shard'];
  since: number;
  stamps: boolean;
  /** Int32Array over it: [0] = 1 once the walk is to stop */
  stop: SharedArrayBuffer;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** the ListedId of the k-th file of a chunk: ids[4k…4k+3] (worker.ts sink.file) */
function idAt(ids: number[], k: number): ListedId | undefined {
  const dev = ids[4 * k]!;
  if (Number.isNaN(dev)) return undefined;
  const id: ListedId = { dev, ino: ids[4 * k + 1]! };
  if (!Number.isNaN(ids[4 * k + 2]!)) id.size = ids[4 * k + 2]!;
  if (!Number.isNaN(ids[4 * k + 3]!)) id.mtimeMs = ids[4 * k + 3]!;
  return id;
}

function replay(m: Extract<WalkMessage, { t: 'chunk' }>, sink: WalkSink): void {
  let d = 0;
  let e = 0;
  let p = 0;
  let f = 0;
  for (let i = 0; i < m.kinds.length; i++) {
    const path = m.paths[i]!;
    switch (m.kinds[i]) {
      case 'f':
        sink.file(path, false, undefined, idAt(m.ids, f++));
        break;
      case 's':
        sink.file(path, true, undefined, idAt(m.ids, f++));
        break;
      case 'h':
        sink.hardLink(path);
        break;
      case 'm':
        sink.hardLink(path, true);
        break;
      case 'd':
        sink.dir(latin1(path), m.depths[d++]!);
        break;
      case 'l':
        sink.link(latin1(path));
        break;
      case 'x':
        sink.special(latin1(path));
        break;
      case 'p':
        sink.stamp?.(latin1(path), m.depths[d++]!, m.stamps[p++]!);
        break;
      default: {
        const [code, message] = m.errors[e++]!;
        const err: NodeJS.ErrnoException = new Error(message);
        if (code !== undefined) err.code = code;
        sink.error(latin1(path), err);
      }
    }
  }
}

/** walk() (walk.ts) on a worker thread: the same findings, in the same order, to the same sink. */
export async function walkOnThread(root: string, sink: WalkSink, opts: WalkOptions): Promise<AtimeKeeping> {
  const stop = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stop);
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: {
      root,
      strict: opts.strict ?? false,
      yieldEvery: opts.yieldEvery,
      dirsAt: opts.dirsAt,
      shard: opts.shard,
      // (taken here: the thread starts later, and a change in between is one during the walk)
      since: opts.since ?? Date.now(),
      stamps: opts.stamps ?? false,
      stop,
    } satisfies WalkWorkerData,
  });
  let stopped = false;
  const stopWalk = (): void => {
    if (stopped) return;
    stopped = true;
    Atomics.store(stopFlag, 0, 1);
    worker.postMessage('ack'); // wake a worker waiting for room: it then sees the flag
  };
  // a stop asked while no chunk arrives (a long listing): seen within 50 ms
  const poll = setInterval(() => {
    if (opts.aborted()) stopWalk();
  }, 50);
  poll.unref();
  try {
    return await new Promise<AtimeKeeping>((resolve, reject) => {
      let chain = Promise.resolve();
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        stopWalk();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      worker.on('message', (m: WalkMessage) => {
        chain = chain.then(async () => {
          if (failed) return;
          if (m.t === 'end') {
            resolve(m.keeping);
            return;
          }
          if (m.t === 'fail') {
            fail(m.evidence ? new EvidenceError(m.message) : new Error(m.message));
            return;
          }
          if (stopped) return; // findings after a stop are dropped, as the walk ends at once there
          try {
            replay(m, sink);
            for (let p = opts.pause(); p; p = opts.pause()) {
              await p;
              if (opts.aborted()) break;
            }
          } catch (err) {
            fail(err);
            return;
          }
          if (opts.aborted()) stopWalk();
          else worker.postMessage('ack');
        });
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        // after 'end' this is a no-op (settled); before it, the walk died
        void chain.then(() => fail(new Error(`the walk's thread exited (code ${code}) before the walk ended`)));
      });
    });
  } finally {
    clearInterval(poll);
    await worker.terminate();
  }
}
