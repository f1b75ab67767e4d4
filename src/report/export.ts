/** Write the summary CSV to a file, atomically: the writer behind --csv and the UI's `e`. */
import { resolve } from 'node:path';
import type { ScanResult } from '../scan/engine.js';
import { AtomicFile } from './atomic.js';
import { summaryCsv, type Delimiter } from './summary.js';
import { outputProblem } from './target.js';

export async function exportSummaryCsv(result: ScanResult, target: string, delimiter: Delimiter): Promise<string> {
  const problem = outputProblem(target, result.config.root);
  if (problem) throw new Error(problem);
  const file = await AtomicFile.create(target);
  try {
    file.write(summaryCsv(result, delimiter));
    await file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
  return resolve(target);
}
