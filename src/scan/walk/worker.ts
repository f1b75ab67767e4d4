/**
 * The walk's thread (walk/thread.ts): runs walk() and sends its findings in chunks, waiting for an
 * acknowledgement once MAX_AHEAD chunks are unanswered. A chunk ends at CHUNK_MAX findings or
 * CHUNK_BYTES of paths, whichever comes first: paths in a deep tree are long (3,000 nested 255-byte
 * names: 765 KB each), and 4,096 of them in one message held gigabytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { walk, EvidenceError, type WalkSink } from './walk.js';
import { MAX_AHEAD, type WalkMessage, type WalkWorkerData } from './thread.js';

const data = workerData as WalkWorkerData;
const port = parentPort!;
const stop = new Int32Array(data.stop);

let kinds = '';
let paths: string[] = [];
let ids: number[] = [];
let depths: number[] = [];
let errors: [string | undefined, string][] = [];
let stamps: string[] = [];
/** the paths' length in the chunk so far (latin1: one char per byte) */
let chars = 0;
let unanswered = 0;
let wake: (() => void) | undefined;

port.on('message', () => {
  unanswered--;
  wake?.();
});

const send = (m: WalkMessage): void => port.postMessage(m);

function flush(): void {
  if (!kinds.length) return;
  send({ t: 'chunk', kinds, paths, ids, depths, errors, stamps });
  kinds = '';
  paths = [];
  ids = [];
  depths = [];
  errors = [];
  stamps = [];
  chars = 0;
  unanswered++;
}

const text = (b: Buffer): string => b.toString('latin1');
/** findings per chunk at most, when folders hold no files (the walk then never waits for room) */
const CHUNK_MAX = 4096;
const CHUNK_BYTES = 1 << 20;
const full = (): void => {
  chars += paths[paths.length - 1]!.length;
  if (kinds.length >= CHUNK_MAX || chars >= CHUNK_BYTES) flush();
};

const sink: WalkSink = {
  file(rel, sparse, _listed, id) {
    kinds += sparse ? 's' : 'f';
    paths.push(rel);
    ids.push(id?.dev ?? NaN, id?.ino ?? NaN, id?.size ?? NaN, id?.mtimeMs ?? NaN);
    full();
  },
  hardLink(rel, moved) {
    kinds += moved ? 'm' : 'h';
    paths.push(rel);
    full();
  },
  dir(rel, depth) {
    kinds += 'd';
    paths.push(text(rel));
    depths.push(depth);
    full();
  },
  link(rel) {
    kinds += 'l';
    paths.push(text(rel));
    full();
  },
  special(rel) {
    kinds += 'x';
    paths.push(text(rel));
    full();
  },
  stamp(rel, depth, stamp) {
    kinds += 'p';
    paths.push(text(rel));
    depths.push(depth);
    stamps.push(stamp);
    full();
  },
  error(rel, err) {
    kinds += 'e';
    paths.push(text(rel));
    errors.push([err.code, err.message]);
    full();
  },
};

const aborted = (): boolean => Atomics.load(stop, 0) === 1;

try {
  const keeping = await walk(data.root, sink, {
    aborted,
    ...(data.yieldEvery === undefined ? {} : { yieldEvery: data.yieldEvery }),
    strict: data.strict,
    since: data.since,
    stamps: data.stamps,
    ...(data.dirsAt === undefined ? {} : { dirsAt: data.dirsAt }),
    ...(data.shard === undefined ? {} : { shard: data.shard }),
    pause() {
      flush();
      if (unanswered <= MAX_AHEAD || aborted()) return undefined;
      return new Promise<void>((resolve) => {
        wake = () => {
          if (unanswered <= MAX_AHEAD || aborted()) {
            wake = undefined;
            resolve();
          }
        };
      });
    },
  });
  flush();
  send({ t: 'end', keeping });
} catch (e) {
  const err = e as Error;
  send({ t: 'fail', evidence: err instanceof EvidenceError, message: err.message });
}
