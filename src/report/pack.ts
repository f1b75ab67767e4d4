/** The notification pack's files beside the CSV/JSON: the workbook and the statements. */
import type { ScanResult } from '../scan/engine.js';
import type { AtomicFile } from './atomic.js';
import { method, type MethodContext } from './method.js';
import { notifyReport, type NotifyOptions } from './notify.js';
import { writeStatements } from './statements.js';
import { writeWorkbook } from './xlsx.js';

export async function writeNotifyFiles(
  result: ScanResult,
  opts: NotifyOptions,
  ctx: MethodContext,
  out: { xlsx?: AtomicFile | string; statements?: string },
): Promise<void> {
  if (!out.xlsx && !out.statements) return;
  const report = notifyReport(result, opts);
  const m = method(result, report, ctx);
  if (out.xlsx) {
    if (typeof out.xlsx === 'string') await writeWorkbook(out.xlsx, report, result, m);
    else await writeWorkbook(out.xlsx.target, report, result, m, out.xlsx);
  }
  if (out.statements) await writeStatements(out.statements, report, result, m);
}
