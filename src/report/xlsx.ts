/**
 * The workbook (--xlsx, and the UI's export to a name ending in .xlsx): the route that keeps keys,
 * numbers and dates right in every spreadsheet and locale, because each cell carries its type.
 *
 * Writer: write-excel-file. Compared on npm (2026-11): it is maintained (releases through 2026), has one
 * dependency (fflate, for the zip) and no install scripts, and writes typed cells (text, number, date)
 * with a number format per column, which is all this needs. exceljs (4.4.0) reads and writes far more
 * than needed and pulls in archiver, unzipper, tmp, uuid and others; xlsx-populate has not had a real
 * release in years; SheetJS stopped publishing to npm (the `xlsx` package there is 0.18.5, with known
 * advisories). No formula cell is ever written: every value goes in as a String, Number or Date cell.
 *
 * Dates are date cells showing the wall-clock time in the scan's zone (a spreadsheet date has no zone:
 * the zone is stated in the Method sheet).
 */
import writeXlsxFile, { type Row, type SheetData } from 'write-excel-file/node';
import type { ScanResult } from '../scan/engine.js';
import { offsetMinutes } from '../scan/date/zone.js';
import type { NotifyReport, NotifyRow } from './notify.js';
import { SUMMARY_COLUMNS, customerCell, formatsText } from './rows.js';
import { completenessCell, notRead, type ExportScopeInfo } from './completeness.js';
import { methodLines, type Method } from './method.js';
import type { Output } from './atomic.js';

/** A Date whose UTC fields are the wall clock in zone (what a spreadsheet date cell shows). */
function wallDate(zone: string, ms: number): Date {
  return new Date(ms + offsetMinutes(zone, ms) * 60_000);
}

// typed text cells: a name such as =cmd is text in a workbook (no quote prefix needed, so none is added)
const text = (v: string) => ({ type: String, value: v }) as const;
const intCell = (v: number | undefined | null) =>
  v === undefined || v === null ? null : ({ type: Number, value: v } as const);
const decCell = (v: number | undefined | null, format: string) =>
  v === undefined || v === null ? null : ({ type: Number, value: v, format } as const);
const bold = (v: string) => ({ type: String, value: v, fontWeight: 'bold' }) as const;

/**
 * One Summary row. Numbers are the exact values (the cell's format shows two decimals), so the
 * spreadsheet's own SUM of a column is the total row. A row that was not read (nothing found, and
 * part of the tree that could hold it not read) has empty figure cells, never zeros.
 */
function summaryCells(r: NotifyRow, zone: string, scope?: ExportScopeInfo): Row {
  const date = (ms: number | undefined) =>
    ms === undefined ? null : ({ type: Date, value: wallDate(zone, ms), format: 'yyyy-mm-dd hh:mm:ss' } as const);
  const blank = notRead(r.files, r.completeness);
  const int = (v: number | undefined | null) => (blank ? null : intCell(v));
  const dec = (v: number | undefined | null, format: string) => (blank ? null : decCell(v, format));
  const cells: Record<(typeof SUMMARY_COLUMNS)[number], Row[number]> = {
    customer: text(customerCell(r, scope)),
    controller: text(r.controller),
    org_id: text(r.org_id),
    completeness: r.completeness ? text(completenessCell(r.completeness)) : null,
    files: int(r.files),
    audio_files: int(r.audioFiles),
    other_files: int(r.otherFiles),
    unreadable_files: int(r.unreadableFiles),
    bytes: int(r.bytes),
    audio_seconds: dec(r.micros / 1e6, '0.00'),
    audio_hours: dec(r.micros / 3.6e9, '0.00'),
    first_recording: date(r.firstMs),
    last_recording: date(r.lastMs),
    distinct_callers: int(r.distinctCallers),
    withheld_caller_calls: r.distinctCallers === undefined ? null : int(r.withheldCallerCalls),
    retention_days:
      r.retentionDays.length === 1
        ? int(r.retentionDays[0])
        : r.retentionDays.length
          ? text(r.retentionDays.join('; '))
          : null,
    past_retention_files: int(r.pastRetentionFiles),
    past_retention_hours: r.pastRetentionMicros === undefined ? null : dec(r.pastRetentionMicros / 3.6e9, '0.00'),
    formats: text(formatsText(r.formats)),
    unreadable_folders: intCell(r.unreadableFolders),
    hard_links: int(r.hardLinks),
  };
  return SUMMARY_COLUMNS.map((c) => cells[c]);
}

/**
 * The most rows a sheet can hold, its header row included: Excel's limit (2^20), which LibreOffice
 * shares. A workbook with a longer sheet is refused or cut by both, so longer sheets are split.
 */
export const SHEET_ROWS = 1_048_576;

/**
 * A sheet's rows as one or more sheets of at most `max` rows, each with the header: "Months",
 * "Months (2)", … (a sheet name is at most 31 characters; these stay well under).
 */
export function splitSheet(
  name: string,
  header: Row,
  rows: SheetData,
  max = SHEET_ROWS,
): { sheet: string; data: SheetData }[] {
  const per = max - 1;
  const parts: { sheet: string; data: SheetData }[] = [];
  for (let i = 0; i === 0 || i < rows.length; i += per) {
    parts.push({
      sheet: parts.length ? `${name} (${parts.length + 1})` : name,
      data: [header, ...rows.slice(i, i + per)],
    });
  }
  return parts;
}

export function workbookSheets(report: NotifyReport, result: ScanResult, m: Method, maxRows = SHEET_ROWS) {
  const zone = result.config.zone;
  const summary: SheetData = [...report.rows, report.total].map((r) => summaryCells(r, zone, report.scope));
  if (result.partial) summary.push([text('(PARTIAL SCAN: stopped before the end; every figure is a lower bound)')]);
  const months: SheetData = [];
  for (const r of report.rows) {
    for (const [month, v] of r.months)
      months.push([
        text(customerCell(r)),
        text(r.controller),
        text(month),
        intCell(v.audio),
        decCell(v.micros / 3.6e9, '0.00'),
      ]);
  }
  const method: SheetData = [[bold('item'), bold('value')], ...methodLines(m).map(([k, v]) => [text(k), text(v)])];
  const widths = (n: number[]) => n.map((width) => ({ width }));
  return [
    ...splitSheet('Summary', SUMMARY_COLUMNS.map(bold), summary, maxRows).map((p) => ({
      ...p,
      columns: widths([24, 28, 14, 40, 9, 11, 11, 11, 14, 13, 11, 20, 20, 10, 10, 10, 10, 10, 40]),
      stickyRowsCount: 1,
    })),
    ...splitSheet(
      'Months',
      ['customer', 'controller', 'month', 'recordings', 'audio_hours'].map(bold),
      months,
      maxRows,
    ).map((p) => ({ ...p, columns: widths([24, 28, 10, 12, 12]), stickyRowsCount: 1 })),
    { sheet: 'Method', data: method, columns: widths([34, 120]) },
  ];
}

export async function workbookBuffer(
  report: NotifyReport,
  result: ScanResult,
  m: Method,
  maxRows = SHEET_ROWS,
): Promise<Buffer> {
  return writeXlsxFile(workbookSheets(report, result, m, maxRows), { fontFamily: 'Arial', fontSize: 10 }).toBuffer();
}

/** Write the workbook into an output opened before (atomically for a file: temporary file, fsync, rename). */
export async function writeWorkbook(file: Output, report: NotifyReport, result: ScanResult, m: Method): Promise<void> {
  try {
    const buf = await workbookBuffer(report, result, m);
    file.stream.write(buf);
    await file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}
