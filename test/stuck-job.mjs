// The watchdog test's fault (injected through ScanConfig.testHooks.readerJob): the real reader job,
// except that it sticks on one file the way a parser caught in a loop would.
import { createJob as createScanJob } from '../dist/scan/read/job.js';

export function createJob(data) {
  const job = createScanJob(data);
  return async (batch) => {
    // (an entry is the path, then after a NUL what the walk learnt of the file: batcher.ts)
    if (batch.some((e) => e.split('\0')[0].endsWith('stuck-0701740605.wav'))) for (;;);
    return (await job)(batch);
  };
}
