/**
 * A reader thread: receives batches of paths, answers each with the counts of its files (or, when
 * every file's record is wanted, with the records), one batch at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { makeContext, processFile, type FileRecord, type ScanConfig } from './record.js';
import { Aggregator, type PartialTotals } from './aggregate.js';

const data = workerData as ScanConfig & { keepPaths: boolean; withCallers: boolean };
const ctx = makeContext(data, data.keepPaths);
let chain: Promise<void> = Promise.resolve();
// Fault injection for the engine's stall test only: stick on the file whose path ends so, the way a
// parser caught in a loop would (set by test/engine.test.ts; never set otherwise).
const stickOn = process.env.LEAKTALLY_TEST_STICK_ON;
const stick = (rel: string): void => {
  if (stickOn && rel.endsWith(stickOn)) for (;;);
};

export type WorkerReply = { records: FileRecord[] } | { partials: PartialTotals[] } | { ready: true };

parentPort!.on('message', (rels: string[]) => {
  // Serialised: processFile reuses one head buffer, so batches must not interleave at an await.
  chain = chain.then(async () => {
    if (data.keepPaths) {
      const records: FileRecord[] = new Array(rels.length);
      for (let i = 0; i < rels.length; i++) {
        stick(rels[i]!);
        records[i] = await processFile(Buffer.from(rels[i]!, 'latin1'), ctx);
      }
      parentPort!.postMessage({ records } satisfies WorkerReply);
    } else {
      const agg = new Aggregator(data.withCallers);
      for (const rel of rels) {
        stick(rel);
        agg.add(await processFile(Buffer.from(rel, 'latin1'), ctx));
      }
      parentPort!.postMessage({ partials: agg.partials() } satisfies WorkerReply);
    }
  });
});

// loaded and listening: from now on the engine's watchdog may time this thread
parentPort!.postMessage({ ready: true } satisfies WorkerReply);
