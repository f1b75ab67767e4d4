/** A reader thread: receives batches of paths, answers with their records, one batch at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { makeContext, processFile, type FileRecord, type ScanConfig } from './record.js';

const data = workerData as ScanConfig & { keepPaths: boolean };
const ctx = makeContext(data, data.keepPaths);
let chain: Promise<void> = Promise.resolve();

parentPort!.on('message', (rels: string[]) => {
  // Serialised: processFile reuses one head buffer, so batches must not interleave at an await.
  chain = chain.then(async () => {
    const out: FileRecord[] = new Array(rels.length);
    for (let i = 0; i < rels.length; i++) out[i] = await processFile(Buffer.from(rels[i]!, 'latin1'), ctx);
    parentPort!.postMessage(out);
  });
});
