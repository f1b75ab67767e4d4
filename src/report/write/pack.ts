/** The notification pack's files beside the CSV/JSON: the workbook and the statements. */
import type { ScanResult } from '../../scan/engine.js';
import { resolve } from 'node:path';
import { openTarget, type Output } from '../output/atomic.js';
import { summaryCsv, type Delimiter } from './summary.js';
import { method, type Method, type MethodContext } from '../notify/method.js';
import { notifyReport, type NotifyOptions, type NotifyReport } from '../notify/notify.js';
import { statementSet } from './statements.js';
import type { StatementsFolder, WriteResult } from '../output/statements-folder.js';
import { writeWorkbook } from './xlsx.js';

/** The method record the workbook and the statements state (built once for both). */
export const packMethod = (result: ScanResult, report: NotifyReport, ctx: MethodContext): Method =>
  method(result, report, ctx);

/** The workbook, into an output opened before the scan; given up between rows once `stopped()` (WorkbookStopped). */
export async function writePackWorkbook(
  file: Output,
  result: ScanResult,
  report: NotifyReport,
  m: Method,
  stopped: () => boolean,
): Promise<void> {
  await writeWorkbook(file, report, result, m, stopped);
}

/**
 * The statements, into their folder opened before the scan; `stop` is asked between pages (see
 * StatementsFolder.write).
 */
export async function writePackStatements(
  folder: StatementsFolder,
  result: ScanResult,
  report: NotifyReport,
  m: Method,
  ctx: MethodContext,
  stop: () => string | undefined,
): Promise<WriteResult> {
  return folder.write(await statementSet(report, result, m), ctx.version, stop);
}

/**
 * The UI's export: a workbook when the name ends in .xlsx, else the summary CSV; atomically, checked
 * like the command line's outputs (its folder opened and checked, then written through). Returns the
 * absolute path written.
 */
export async function exportSummaryFile(
  result: ScanResult,
  target: string,
  delimiter: Delimiter,
  opts: NotifyOptions = {},
  ctx: MethodContext = { version: '' },
): Promise<string> {
  const file = await openTarget(target, result.config.root);
  if (/\.xlsx$/i.test(target)) {
    const report = notifyReport(result, opts);
    await writeWorkbook(file, report, result, method(result, report, ctx));
  } else {
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
