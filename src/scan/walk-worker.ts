/**
 * The walk's thread (walk-thread.ts): runs walk() and sends its findings in chunks, waiting for an
 * acknowledgement once MAX_AHEAD chunks are unanswered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { walk, EvidenceError, type WalkSink } from './walk.js';
import { MAX_AHEAD, type WalkMessage, type WalkWorkerData } from './walk-thread.js';

const data = workerData as WalkWorkerData;
const port = parentPort!;
const stop = new Int32Array(data.stop);

let kinds = '';
let paths: string[] = [];
let depths: number[] = [];
let errors: [string | undefined, string][] = [];
let unanswered = 0;
let wake: (() => void) | undefined;

port.on('message', () => {
  unanswered--;
  wake?.();
});

const send = (m: WalkMessage): void => port.postMessage(m);

function flush(): void {
  if (!kinds.length) return;
  send({ t: 'chunk', kinds, paths, depths, errors });
  kinds = '';
  paths = [];
  depths = [];
  errors = [];
  unanswered++;
}

const text = (b: Buffer): string => b.toString('latin1');
/** findings per chunk at most, when folders hold no files (the walk then never waits for room) */
const CHUNK_MAX = 4096;
const full = (): void => {
  if (kinds.length >= CHUNK_MAX) flush();
};

const sink: WalkSink = {
  file(rel, sparse) {
    kinds += sparse ? 's' : 'f';
    paths.push(rel);
    full();
  },
  hardLink(rel) {
    kinds += 'h';
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
