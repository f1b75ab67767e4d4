/**
 * The UI's export: which rows (everything, the filtered rows, the customer on screen), which format
 * (from the name's extension), where (`~` expanded, an existing file never silently replaced), and the
 * default name (the time of the export, made unique with -2, -3…). The writing itself is the same
 * atomic writer and the same CSV/JSON as the command line's.
 */
import { existsSync } from 'node:fs';
import { notifyReport, type NotifyOptions } from '../report/notify/notify.js';
import { exportSummaryFile } from '../report/write/pack.js';
import { version } from '../report/notify/method.js';
import { homedir, tmpdir } from 'node:os';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { dateFns } from '../scan/place/date/fns.js';
import { TZDate } from '@date-fns/tz';
import { totalOf, type CustomerTotals } from '../scan/tally/aggregate.js';
import type { ScanResult } from '../scan/engine.js';
import { AtomicFile } from '../report/output/atomic.js';
import { summaryJson, type Delimiter } from '../report/write/summary.js';
import { outputProblem } from '../report/output/target.js';
import { runGaps, type ExportScopeInfo, type ReportedResult } from '../report/notify/completeness.js';
import type { ExportScope } from './state.js';
import type { Register } from '../report/notify/register.js';

/** What the default name says besides the tree and the time: a stopped or incomplete scan, a part. */
export interface NameMarks {
  /** PARTIAL: the scan was stopped (or is still running); INCOMPLETE: it ended with gaps */
  state?: 'PARTIAL' | 'INCOMPLETE';
  /** an export of part of the summary: n of N rows */
  part?: { rows: number; of: number };
}

/**
 * leaktally-<root folder name>-<yyyyMMdd-HHmmss>[-PARTIAL|-INCOMPLETE][-<n>-of-<N>-rows].csv: the
 * moment of the export, in the scan's zone; a file of a stopped or incomplete scan, or of part of the
 * summary, says so in its name as in its content.
 */
export function defaultExportName(root: string, zone: string, now = new Date(), marks: NameMarks = {}): string {
  const name = basename(resolve(root)).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'root';
  const state = marks.state ? `-${marks.state}` : '';
  const part = marks.part ? `-${marks.part.rows}-of-${marks.part.of}-rows` : '';
  return `leaktally-${name}-${dateFns().format(new TZDate(now.getTime(), zone), 'yyyyMMdd-HHmmss')}${state}${part}.csv`;
}

/** Whether path is folder or inside it (by resolved path). */
function inside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where the UI's export goes by default: the home folder, never the current folder (under `npm start`
 * that is the repository) and never the evidence; when home is inside the tree, the temporary folder.
 */
export function defaultExportDir(root: string, home = homedir()): string {
  return inside(home, root) ? tmpdir() : home;
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

/**
 * The result narrowed to the rows the user chose (totals summed again over them); part: what it covers,
 * written in the file (the total row, the method). The whole run's gaps are kept with it.
 */
function scoped(
  result: ScanResult,
  rows: readonly CustomerTotals[],
  part?: Omit<ExportScopeInfo, 'gaps'>,
  register?: Register,
): ReportedResult {
  const customers = [...rows].sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
  const withCallers = result.totals.distinctCallers !== undefined;
  const out: ReportedResult = {
    ...result,
    customers,
    totals: { ...totalOf(customers, withCallers), customers: customers.length },
  };
  if (part) out.scope = { ...part, gaps: runGaps(result, register) };
  return out;
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
  /**
   * the whole register, when notify's is narrowed to the controllers exported: the run's gaps (a key
   * not found beside a customer spelt like it) are judged against all of its keys
   */
  register?: Register;
  /** for a part (scope not all): how it was chosen and how many of the table's rows it holds */
  part?: Omit<ExportScopeInfo, 'gaps'>;
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
  const result =
    req.scope === 'all'
      ? req.result
      : scoped(
          req.result,
          req.rows,
          req.part ?? { label: SCOPE_TEXT[req.scope], rows: req.rows.length, of: req.result.customers.length },
          req.register ?? req.notify?.register,
        );
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

/**
 * The name to prefill: in defaultExportDir (shown as ~/… when that is the home folder), unique there.
 */
export function defaultExportPath(
  root: string,
  zone: string,
  now = new Date(),
  dir = defaultExportDir(root),
  marks: NameMarks = {},
  home = homedir(),
): string {
  const name = uniqueName(defaultExportName(root, zone, now, marks), dir);
  if (dir === '.') return name;
  return resolve(dir) === resolve(home) ? `~/${name}` : join(dir, name);
}
