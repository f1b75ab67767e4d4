// The watchdog test's fault (injected through ScanConfig.testHooks.readerJob): the real reader job,
// except that it sticks on one file the way a parser caught in a loop would.
import { createJob as createScanJob } from '../dist/scan/read/job.js';

export function createJob(data) {
  const job = createScanJob(data);
  return async (batch) => {
    if (batch.some((rel) => rel.endsWith('stuck-0701740605.wav'))) for (;;);
    return (await job)(batch);
  };
}
