/** Write the summary CSV to a file, atomically: the writer behind --csv and the UI's `e`. */
import { resolve } from 'node:path';
import type { ScanResult } from '../scan/engine.js';
import { AtomicFile } from './atomic.js';
import { summaryCsv, type Delimiter } from './summary.js';
import { outputProblem } from './target.js';

export async function exportSummaryCsv(result: ScanResult, target: string, delimiter: Delimiter): Promise<string> {
  const problem = outputProblem(target, result.config.root);
  if (problem) throw new Error(problem);
  let file: AtomicFile;
  try {
    file = await AtomicFile.create(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot write ${target}: ${code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such folder' : code ?? String(e)}`);
  }
  try {
    file.write(summaryCsv(result, delimiter));
    await file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
  return resolve(target);
}
