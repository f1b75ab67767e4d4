/**
 * The UI's export: which rows (everything, the filtered rows, the customer on screen), which format
 * (from the name's extension), where (`~` expanded, an existing file never silently replaced), and the
 * default name (the time of the export, made unique with -2, -3…). The writing itself is the same
 * atomic writer and the same CSV/JSON as the command line's.
 */
import { existsSync } from 'node:fs';
import { notifyReport, type NotifyOptions } from '../report/notify.js';
import { exportSummaryFile } from '../report/pack.js';
import { version } from '../report/method.js';
import { homedir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { format } from 'date-fns';
import { TZDate } from '@date-fns/tz';
import { totalOf, type CustomerTotals } from '../scan/aggregate.js';
import type { ScanResult } from '../scan/engine.js';
import { AtomicFile } from '../report/atomic.js';
import { summaryJson, type Delimiter } from '../report/summary.js';
import { outputProblem } from '../report/target.js';
import type { ExportScope } from './state.js';

/** leaktally-<root folder name>-<yyyyMMdd-HHmmss>.csv: the moment of the export, in the scan's zone. */
export function defaultExportName(root: string, zone: string, now = new Date()): string {
  const name = basename(resolve(root)).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'root';
  return `leaktally-${name}-${format(new TZDate(now.getTime(), zone), 'yyyyMMdd-HHmmss')}.csv`;
}

/** name, or name-2, name-3… (before the extension): the first that does not exist in dir. */
export function uniqueName(name: string, dir = '.'): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${stem}-${i}${ext}`;
    if (!existsSync(join(dir, candidate))) return candidate;
  }
}

/** ~ and ~/x as the shell would (the prompt is not a shell). */
export function expandHome(path: string, home = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

export type ExportFormat = 'csv' | 'json' | 'xlsx';

export function formatOf(path: string): ExportFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.xlsx' ? 'xlsx' : 'csv';
}

/** The result narrowed to the rows the user chose (totals summed again over them). */
export function scoped(result: ScanResult, rows: readonly CustomerTotals[]): ScanResult {
  const customers = [...rows].sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
  const withCallers = result.totals.distinctCallers !== undefined;
  return { ...result, customers, totals: { ...totalOf(customers, withCallers), customers: customers.length } };
}

export interface ExportRequest {
  result: ScanResult;
  scope: ExportScope;
  /** the rows of that scope (everything: result.customers) */
  rows: readonly CustomerTotals[];
  /** as typed */
  path: string;
  overwrite: boolean;
  delimiter: Delimiter;
  /** --register (rows are controllers), retention, country: as the command line's summary */
  notify?: NotifyOptions;
}

export type ExportOutcome = { ok: true; message: string } | { ok: false; message: string; exists?: boolean };

const SCOPE_TEXT: Record<ExportScope, string> = {
  all: 'every row',
  filtered: 'the filtered rows',
  customer: 'one customer',
};

export async function writeExport(req: ExportRequest): Promise<ExportOutcome> {
  const target = expandHome(req.path.trim());
  const fmt = formatOf(target);
  const problem = outputProblem(target, req.result.config.root);
  if (problem) return { ok: false, message: `not written: ${problem}` };
  if (!req.overwrite && existsSync(target)) {
    return { ok: false, exists: true, message: `${target} exists: y replaces it, any other key changes the name` };
  }
  const result = req.scope === 'all' ? req.result : scoped(req.result, req.rows);
  let file: AtomicFile | undefined;
  try {
    if (fmt === 'json') {
      file = await AtomicFile.create(target);
      file.write(
        summaryJson(result, { scope: req.scope, rows: result.customers.length }, req.notify, { version: version() }),
      );
      await file.commit();
    } else {
      // the same CSV as --csv, the same workbook as --xlsx (written atomically)
      await exportSummaryFile(result, target, req.delimiter, req.notify, { version: version() });
    }
  } catch (e) {
    file?.abort();
    return { ok: false, message: `not written: ${e instanceof Error ? e.message : String(e)}` };
  }
  // with a register the rows written are the controllers' (and the keys it does not know)
  const n = req.notify?.register ? notifyReport(result, req.notify).rows.length : result.customers.length;
  return {
    ok: true,
    message: `wrote ${resolve(target)} (${fmt.toUpperCase()}, ${SCOPE_TEXT[req.scope]}: ${n} ${n === 1 ? 'row' : 'rows'}${result.partial ? ', PARTIAL' : ''})`,
  };
}

/** Where the default name goes: the current folder; returns the name to prefill. */
export function defaultExportPath(root: string, zone: string, now = new Date(), dir = '.'): string {
  const name = uniqueName(defaultExportName(root, zone, now), dir);
  return dir === '.' ? name : join(dir, name);
}
