/** Write the summary CSV to a file, atomically: the writer behind the UI's `e` (the CLI's --csv plans it with its other outputs). */
import { resolve } from 'node:path';
import type { ScanResult } from '../scan/engine.js';
import { openTarget } from './atomic.js';
import { summaryCsv, type Delimiter } from './summary.js';

export async function exportSummaryCsv(result: ScanResult, target: string, delimiter: Delimiter): Promise<string> {
  const file = await openTarget(target, result.config.root);
  try {
    file.write(summaryCsv(result, delimiter));
    await file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
  return resolve(target);
}
