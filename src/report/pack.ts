/** The notification pack's files beside the CSV/JSON: the workbook and the statements. */
import type { ScanResult } from '../scan/engine.js';
import { resolve } from 'node:path';
import { AtomicFile, type Output } from './atomic.js';
import { summaryCsv, type Delimiter } from './summary.js';
import { outputProblem } from './target.js';
import { method, type MethodContext } from './method.js';
import { notifyReport, type NotifyOptions, type NotifyReport } from './notify.js';
import { writeStatements } from './statements.js';
import { writeWorkbook } from './xlsx.js';

export async function writeNotifyFiles(
  result: ScanResult,
  report: NotifyReport,
  ctx: MethodContext,
  out: { xlsx?: Output | string; statements?: string },
): Promise<void> {
  if (!out.xlsx && !out.statements) return;
  const m = method(result, report, ctx);
  if (out.xlsx) {
    if (typeof out.xlsx === 'string') await writeWorkbook(out.xlsx, report, result, m);
    else await writeWorkbook(out.xlsx.target, report, result, m, out.xlsx);
  }
  if (out.statements) await writeStatements(out.statements, report, result, m);
}

/**
 * The UI's export: a workbook when the name ends in .xlsx, else the summary CSV; atomically, checked
 * like the command line's outputs. Returns the absolute path written.
 */
export async function exportSummaryFile(
  result: ScanResult,
  target: string,
  delimiter: Delimiter,
  opts: NotifyOptions = {},
  ctx: MethodContext = { version: '' },
): Promise<string> {
  const problem = outputProblem(target, result.config.root);
  if (problem) throw new Error(problem);
  if (/\.xlsx$/i.test(target)) {
    const report = notifyReport(result, opts);
    await writeWorkbook(target, report, result, method(result, report, ctx));
  } else {
    const file = await AtomicFile.create(target);
    try {
      file.write(summaryCsv(result, delimiter, opts));
      await file.commit();
    } catch (e) {
      file.abort();
      throw e;
    }
  }
  return resolve(target);
}
